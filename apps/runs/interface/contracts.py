"""What the runs app takes and hands out. No Django: these cross the wire as JSON."""

from __future__ import annotations

import datetime
import enum

import pydantic

from project.rpc.contracts import Contract


class Source(enum.StrEnum):
    MANUAL = "manual"
    FILE = "file"
    STRAVA = "strava"


class Sport(enum.StrEnum):
    RUN = "run"
    TRAIL_RUN = "trail_run"
    TREADMILL = "treadmill"
    WALK = "walk"
    HIKE = "hike"
    RIDE = "ride"
    OTHER = "other"


class Family(enum.StrEnum):
    """What kind of effort a sport is: records, best efforts and totals are kept per family."""

    RUNNING = "running"
    CYCLING = "cycling"
    WALKING = "walking"
    OTHER = "other"


FAMILY_OF: dict[Sport, Family] = {
    Sport.RUN: Family.RUNNING,
    Sport.TRAIL_RUN: Family.RUNNING,
    Sport.TREADMILL: Family.RUNNING,
    Sport.RIDE: Family.CYCLING,
    Sport.WALK: Family.WALKING,
    Sport.HIKE: Family.WALKING,
    Sport.OTHER: Family.OTHER,
}


# How each sport is named to the runner (form choices); the same labels as the stored model's choices.
SPORT_LABELS: dict[Sport, str] = {
    Sport.RUN: "Run",
    Sport.TRAIL_RUN: "Trail run",
    Sport.TREADMILL: "Treadmill",
    Sport.WALK: "Walk",
    Sport.HIKE: "Hike",
    Sport.RIDE: "Ride",
    Sport.OTHER: "Other",
}
SPORT_CHOICES: list[tuple[str, str]] = [(sport.value, SPORT_LABELS[sport]) for sport in Sport]


def sports_of(family: Family) -> tuple[Sport, ...]:
    return tuple(sport for sport, of in FAMILY_OF.items() if of is family)


# What Runnerly counts, written once (docs/apps/runs.md, "What counts"): the dashboard's month, the
# monthly reports, plans' sessions, race results and the headline records count the running family
# only. Rides, walks, hikes and other sports are kept, listed and shown in their own terms, and have
# records of their own family on the records page.
COUNTED_FAMILY = Family.RUNNING
RUNNING_SPORTS = sports_of(COUNTED_FAMILY)
COUNTED_LABEL = "Counts runs only (road, trail and treadmill); rides, walks and other sports are not included."

# The earliest start a run may have: before this no device recorded runs (and a FIT or GPX file
# dated earlier carries a conversion bug, such as GPX times of 1901). Months are asked for up to LAST_YEAR.
EARLIEST_START = datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC)
LAST_YEAR = 2100

# The latest start a run may have, however it comes in (the API, a file, Strava): a day ahead of now, since a
# device's clock or time zone may be off by hours, and nothing genuine is further ahead. A runner typing a run
# in their own zone has no such excuse: for them it is now.
LATEST_START_AHEAD = datetime.timedelta(days=1)


def latest_start(*, typed_in_own_zone: bool = False) -> datetime.datetime:
    now = datetime.datetime.now(tz=datetime.UTC)
    return now if typed_in_own_zone else now + LATEST_START_AHEAD


# Moving: between two samples at most MAX_SAMPLE_GAP_S apart, at MOVING_SPEED_M_S or more.
MOVING_SPEED_M_S = 0.5
MAX_SAMPLE_GAP_S = 120.0  # a longer gap is a pause even if the position changed (auto-pause, tunnel)

# The fastest a body of each family moves between two samples, in m/s (decision 0017): Bolt's peak
# speed for running; a jog, not a car, inside a walk; a fast descent for rides; other sports: only
# teleports. A faster move is a GPS glitch or a vehicle and adds no distance.
MAX_SPEED_M_S: dict[Family, float] = {
    Family.RUNNING: 12.5,
    Family.WALKING: 3.5,
    Family.CYCLING: 28.0,
    Family.OTHER: 40.0,
}
PACE_MIN_DISTANCE_M = 10.0  # below this a pace is noise


def too_fast(*, sport: Sport, distance_m: float, seconds: float) -> bool:
    """Whether covering `distance_m` in `seconds` is faster, on average, than a body of the sport's family
    moves at all (MAX_SPEED_M_S): a typing slip (miles for metres, minutes for hours), not a run."""
    return seconds > 0 and distance_m / seconds > MAX_SPEED_M_S[FAMILY_OF[sport]]


def pace_s_per_km(*, distance_m: float, moving_s: float) -> float | None:
    """The one pace rule: moving time over distance, in seconds per kilometre (None when meaningless)."""
    if distance_m < PACE_MIN_DISTANCE_M or moving_s <= 0:
        return None
    return round(moving_s / (distance_m / 1000), 1)


def speed_kmh(*, distance_m: float, moving_s: float) -> float | None:
    """Average moving speed in km/h, how rides are shown (None when meaningless)."""
    if distance_m < PACE_MIN_DISTANCE_M or moving_s <= 0:
        return None
    return round(distance_m / moving_s * 3.6, 2)


class Streams(Contract):
    """Samples of a recording, one list per channel, all as long as `time_s` (seconds from the start)."""

    time_s: list[float]
    latitude: list[float | None] | None = None
    longitude: list[float | None] | None = None
    elevation_m: list[float | None] | None = None
    heart_rate: list[int | None] | None = None
    cadence: list[int | None] | None = None
    distance_m: list[float | None] | None = None  # the device's own cumulative distance, when it has one

    @pydantic.model_validator(mode="after")
    def _same_lengths(self) -> Streams:
        for name in ("latitude", "longitude", "elevation_m", "heart_rate", "cadence", "distance_m"):
            channel = getattr(self, name)
            if channel is not None and len(channel) != len(self.time_s):
                raise ValueError(f"stream {name} has {len(channel)} samples, time_s has {len(self.time_s)}")
        return self


class Lap(Contract):
    start_offset_s: float
    elapsed_s: float
    distance_m: float


class RunDraft(Contract):
    """A run as any source describes it; the runs app computes everything else from it."""

    user_id: int
    source: Source
    source_id: str = ""  # unique per user and source when set (a file hash, a Strava id)
    name: str = ""
    sport: Sport = Sport.RUN
    start: datetime.datetime  # aware
    timezone: str | None = None  # IANA; found from the first position, else the runner's profile
    elapsed_s: float | None = None
    moving_s: float | None = None
    distance_m: float | None = None
    elevation_gain_m: float | None = None
    elevation_loss_m: float | None = None
    average_heart_rate: int | None = None
    max_heart_rate: int | None = None
    average_cadence: float | None = None
    calories: int | None = None
    notes: str = ""
    laps: list[Lap] = []
    streams: Streams | None = None
    source_note: str = ""  # what the source noted (a file cut off, a sport guessed), shown on the run's page

    @pydantic.field_validator("start")
    @classmethod
    def _aware(cls, value: datetime.datetime) -> datetime.datetime:
        if value.tzinfo is None:
            raise ValueError("start must carry a time zone (UTC offset)")
        return value


class Split(Contract):
    index: int  # 1-based kilometre
    distance_m: float
    elapsed_s: float
    elevation_change_m: float | None = None


class BestEffort(Contract):
    distance_key: str  # of the run's family: "400m", "1k", "1mi", "5k", "10k", "half", "marathon"; "20k", ...
    distance_m: float
    elapsed_s: float
    start_offset_s: float


class RunSummary(Contract):
    id: int
    user_id: int
    source: Source
    name: str
    sport: Sport
    start: datetime.datetime
    timezone: str
    local_date: datetime.date
    elapsed_s: float
    moving_s: float
    distance_m: float
    elevation_gain_m: float | None
    average_heart_rate: int | None
    pace_s_per_km: float | None  # moving time over distance (pace_s_per_km())
    hidden: bool
    duplicate_of_id: int | None
    source_id: str = ""
    family: Family = Family.RUNNING  # FAMILY_OF[sport]
    speed_kmh: float | None = None  # moving speed (speed_kmh()): how rides are shown


class RunDetail(RunSummary):
    elevation_loss_m: float | None
    max_heart_rate: int | None
    average_cadence: float | None
    calories: int | None
    notes: str
    laps: list[Lap]
    splits: list[Split]
    best_efforts: list[BestEffort]
    polyline: str
    has_streams: bool
    source_note: str = ""


class RunExport(RunDetail):
    """A run as the data export holds it: everything the runs app keeps about it, its samples included."""

    streams: Streams | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class RunExportPage(Contract):
    runs: list[RunExport]
    total: int  # how many runs the user has, hidden ones included (for the export's progress)
    next_after_id: int | None


class RunPage(Contract):
    runs: list[RunSummary]
    next_cursor: str | None


class RecordedRun(Contract):
    run: RunDetail
    created: bool  # False when this (user, source, source_id) was already stored
    duplicate_of_id: int | None  # set when the run was kept hidden as a duplicate of another


class MonthSummary(Contract):
    user_id: int
    year: int
    month: int
    runs: int
    distance_m: float
    moving_s: float
    elapsed_s: float
    elevation_gain_m: float


class RunsOverview(Contract):
    """What a runner's home page shows of their runs, in one call: the month so far and the last runs."""

    month: MonthSummary
    last_runs: list[RunSummary]


class RunEffort(Contract):
    """A run's best effort at a standard distance, with the run it belongs to."""

    run_id: int
    local_date: datetime.date
    sport: Sport
    distance_key: str
    distance_m: float
    elapsed_s: float


class MonthCount(Contract):
    year: int
    month: int
    runs: int


class PersonalRecord(Contract):
    distance_key: str
    distance_m: float
    elapsed_s: float
    run_id: int
    run_name: str
    run_local_date: datetime.date
    family: Family = Family.RUNNING  # records are kept per family
    run_sport: Sport = Sport.RUN
