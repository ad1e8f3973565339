"""Reading GPX, TCX and FIT files into one shape. Pure functions over bytes: no Django, no I/O.

GPX and TCX are streamed through defusedxml's iterparse (see docs/decisions/0008), each point read
into compact arrays and dropped from the tree once complete (GPX read as gpxpy reads it, with gpxpy's
time parser); FIT goes through fitdecode. XML with a DOCTYPE or entity declarations is refused
before any parser sees it, so a billion-laughs or external-entity file is never expanded. A file of
more than MAX_POINTS_PER_FILE points is refused, counted before parsing and again while reading, so
an import's memory is bounded whatever the upload limits let through (docs/performance.md).

Nothing a file holds is left out silently: what is skipped, reordered, cut off or guessed is said
in the activity's `notes`, which the job shows to the runner.
"""

from __future__ import annotations

import array
import bisect
import dataclasses
import datetime
import io
import itertools
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import defusedxml.ElementTree as SafeET
import fitdecode
import gpxpy.gpxfield
from defusedxml import DefusedXmlException

from apps.runs.interface import contracts as runs_contracts
from project import geo

SEMICIRCLE_TO_DEGREES = 180 / 2**31
EXTENSIONS = (".gpx", ".tcx", ".fit")
# Track segments of one GPX file further apart than this are separate activities (a device's whole log).
SEPARATE_ACTIVITIES_GAP = datetime.timedelta(hours=6)
FIT_MAX_SUMMARY_S, FIT_MAX_SUMMARY_M = 30 * 86400.0, 10_000_000.0  # a month, 10,000 km: past this, garbage
MAX_ACTIVITIES_PER_FILE = 1000  # as many as a zip may hold files
# The most samples a file may hold: 83 hours at one a second. An import keeps a few hundred bytes per
# sample (docs/performance.md), so this bounds a worker's memory whatever the size limits let through.
MAX_POINTS_PER_FILE = 300_000
POINT_MARKERS = {"gpx": b"<trkpt", "tcx": b"<Trackpoint"}  # counted before parsing, to refuse early
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)
TIME_SPIKE_S, TIME_SPIKE_SAMPLES = (
    3600.0,
    10,
)  # a sample this far past the previous one, followed by earlier ones, has a corrupted time
# Another <trk> is another outing unless it follows within this: a handheld's log splits one walk into tracks at
# every power cycle (minutes apart), while a morning and an evening run saved as two tracks are two runs.
SEPARATE_TRACKS_GAP = datetime.timedelta(hours=1)
# A FIT record dated this far past the one before it is a damaged timestamp, not a sample: a device
# paused for a day has ended the activity (the Strava app's file jumps from 2021 to 2085).
FIT_MAX_RECORD_JUMP = datetime.timedelta(days=1)
# The records of a FIT file cover its session when they reach within this much of its elapsed time
# (devices stop recording a few seconds before the session closes: 9 s of 140 s on the Wahoo file).
FIT_COVERAGE_SLACK_S = 60.0
FIT_COVERAGE_SLACK_SHARE = 0.1

# Words that devices and apps use for the sport, mapped to ours.
SPORT_WORDS = {
    "running": "run",
    "run": "run",
    "trail_running": "trail_run",
    "trail": "trail_run",
    "treadmill": "treadmill",
    "walking": "walk",
    "walk": "walk",
    "hiking": "hike",
    "hike": "hike",
    "cycling": "ride",
    "biking": "ride",
    "ride": "ride",
    "mountain_biking": "ride",
    "mountainbiking": "ride",
    "road_biking": "ride",
    "gravel_cycling": "ride",
    "e_biking": "ride",  # FIT's sport for e-bikes
    "ebikeride": "ride",
    "virtualride": "ride",
    "virtualrun": "treadmill",
    "trailrun": "trail_run",
    "indoor_running": "treadmill",
    # Strava's older GPX exports write its activity type's number: 1 ride, 4 hike, 9 run, 10 walk.
    "1": "ride",
    "4": "hike",
    "9": "run",
    "10": "walk",
}
# Words that say nothing about the sport (OpenTracks writes "unknown"; FIT's sport 0 is "generic").
NO_SPORT_WORDS = ("", "unknown", "generic")

# The sport guess from speeds, for files that name no sport. Legs between two samples count as
# moving by the runs app's moving-time rules; a leg faster than a ride's limit is a GPS jump, not a body.
MOVING_SPEED_M_S = runs_contracts.MOVING_SPEED_M_S
MOVING_MAX_GAP_S = runs_contracts.MAX_SAMPLE_GAP_S
GLITCH_SPEED_M_S = runs_contracts.MAX_SPEED_M_S[runs_contracts.Family.CYCLING]
GUESS_MIN_MOVING_S = 60.0  # less moving time than this tells nothing
# People switch from walking to running at about 2 m/s (Hreljac 1993, the preferred transition
# speed). Median moving speed on the fixtures: walks 1.21-1.24 m/s (the Cerknica lake walk keeps its
# median although its drives put p90 at 6.3), runs 2.29-3.66, the mountain-bike climbs 2.14-2.41.
WALK_MEDIAN_BELOW_M_S = 1.9
# ... unless a fifth of the moving time is at running speed (2.5 to 5 m/s, over the walking limit's
# jitter margin and under a car's): a beginner's run/walk is a run. The walks above: 0-1 %; runs 72-75 %.
JOG_FROM_M_S, JOG_BELOW_M_S, WALK_MAX_JOG_SHARE = 2.5, 5.0, 0.2
# Ride when 2% of the moving time is at or above 6.5 m/s (2:34 per km: a pace no runner holds for
# minutes outside a sprint). Measured on the fixtures, p98 / p95 in m/s: runs at most 5.34 / 4.92
# (1 Hz GPS jitter included), untyped mountain-bike rides 7.48-8.44 / 6.38-6.74, typed rides
# 7.90-10.71 / 6.99-10.33. p95 at 6.5 would call two of the three mountain-bike rides runs, and no
# p95 threshold leaves more than 0.7 m/s on both sides; p98 at 6.5 leaves about 1 m/s on each side.
RIDE_QUANTILE = 0.98
RIDE_FROM_M_S = 6.5


class ParseError(ValueError):
    """The file cannot be read as an activity; the message says why, for the runner."""


@dataclass
class Activity:
    start: datetime.datetime
    sport: str = ""  # ours; "" while the file names none (then guessed from the speeds by `parse`)
    name: str = ""
    time_s: list[float] = field(default_factory=list)
    latitude: list[float | None] = field(default_factory=list)
    longitude: list[float | None] = field(default_factory=list)
    elevation_m: list[float | None] = field(default_factory=list)
    heart_rate: list[int | None] = field(default_factory=list)
    cadence: list[int | None] = field(default_factory=list)
    distance_m: list[float | None] = field(default_factory=list)
    elapsed_s: float | None = None  # from the device's summary, when it has one
    moving_s: float | None = None
    total_distance_m: float | None = None
    calories: int | None = None
    laps: list[dict[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the runner should know about this import
    # The samples cover only part of what the summary counts (a damaged FIT): the summary is the account.
    samples_partial: bool = False
    problem: str = ""  # why this activity, one of several in its file, cannot be imported
    sport_guessed: bool = False  # the file names no sport: it was guessed from the speeds
    spiked: int = 0  # samples left out for being dated hours ahead of the ones around them

    def add(
        self,
        when: datetime.datetime,
        lat: object = None,
        lon: object = None,
        ele: object = None,
        hr: object = None,
        cad: object = None,
        dist: object = None,
    ) -> bool:
        """Append a sample; False when it is left out, being earlier than the last one.

        When one of the last few samples leapt more than TIME_SPIKE_S ahead and this one follows the
        one before the leap, the samples from the leap on are left out instead (`spiked`): a record
        dated hours ahead (a corrupted time, and the records timed from it) would otherwise make
        every later record look out of order.
        Values that are not finite numbers in range are taken as missing.
        """
        return self.add_at((when - self.start).total_seconds(), lat, lon, ele, hr, cad, dist)

    def add_at(
        self,
        offset: float,
        lat: object = None,
        lon: object = None,
        ele: object = None,
        hr: object = None,
        cad: object = None,
        dist: object = None,
    ) -> bool:
        """`add` for a sample `offset` seconds from the start."""
        if self.time_s and offset < self.time_s[-1]:
            leap = _recent_leap(self.time_s)
            if leap is None or offset < self.time_s[leap - 1]:
                return False
            self.spiked += len(self.time_s) - leap
            for channel in self._channels():
                del channel[leap:]
        self._append(offset, lat, lon, ele, hr, cad, dist)
        return True

    def _channels(self) -> tuple[list, ...]:
        return (
            self.time_s,
            self.latitude,
            self.longitude,
            self.elevation_m,
            self.heart_rate,
            self.cadence,
            self.distance_m,
        )

    def _append(
        self, offset: float, lat: object, lon: object, ele: object, hr: object, cad: object, dist: object
    ) -> None:
        latitude, longitude = _number(lat, -90, 90), _number(lon, -180, 180)
        if latitude is None or longitude is None:
            latitude = longitude = None
        heart_rate, cadence = _number(hr, 1, 300), _number(cad, 1, 400)
        self.time_s.append(offset)
        self.latitude.append(latitude)
        self.longitude.append(longitude)
        self.elevation_m.append(_number(ele, -1000, 10000))
        self.heart_rate.append(round(heart_rate) if heart_rate is not None else None)
        self.cadence.append(round(cadence) if cadence is not None else None)
        self.distance_m.append(_number(dist, 0, 10_000_000))


def _recent_leap(times: Sequence[float]) -> int | None:
    """The index of a sample among the last TIME_SPIKE_SAMPLES that leapt over TIME_SPIKE_S ahead, if any."""
    for k in range(len(times) - 1, max(1, len(times) - TIME_SPIKE_SAMPLES) - 1, -1):
        if times[k] - times[k - 1] > TIME_SPIKE_S:
            return k
    return None


def _number(value: object, low: float, high: float) -> float | None:
    """`value` as a finite float within [low, high], else None (a device's garbage is a missing value).

    NaN and infinities fail the range test; a float, the common case, is not converted (the hot path).
    """
    if type(value) is not float:
        if value is None or isinstance(value, bool) or not isinstance(value, int | str):
            return None
        try:
            value = float(value)
        except ValueError:
            return None
    return value if low <= value <= high else None


def parse(name: str, data: bytes) -> list[Activity]:
    """Read the activities of one file (a GPX may hold several), in time order.

    Raises `ParseError` with a reason a runner can act on when the file holds nothing importable.
    Of a file holding several activities, one that cannot be imported comes back with `problem` set.
    """
    extension = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if f".{extension}" not in EXTENSIONS:
        raise ParseError(
            f"{name}: .{extension or '?'} files are not supported (use .gpx, .tcx, .fit or a .zip of them)"
        )
    if not data:
        raise ParseError(f"{name}: the file is empty")
    marker = POINT_MARKERS.get(extension)
    if marker and data.count(marker) > MAX_POINTS_PER_FILE:
        raise ParseError(_too_many_points(name))
    if extension == "fit":
        activities = _parse_fit(name, data)
    elif extension == "gpx":
        activities = _parse_gpx(name, _xml_text(name, data))
    else:
        activities = [_parse_tcx(name, _xml_text(name, data))]
    for activity in activities:
        if len(activities) == 1:
            problem = _problem(activity, subject="the file")
            if problem:
                raise ParseError(f"{name}: {problem}")
        else:
            activity.problem = _problem(activity, subject="this part of the file") or ""
        if not activity.problem and not activity.sport:
            _take_guessed_sport(activity)
    return activities


def _too_many_points(name: str) -> str:
    return (
        f"{name}: the file holds more than {MAX_POINTS_PER_FILE:,} points, the most one file may hold;"
        " split it into several files"
    )


def _problem(activity: Activity, *, subject: str) -> str | None:
    if len(activity.time_s) < 2:
        return f"{subject} has fewer than two timed points, so there is no activity to import"
    # A date before any device recorded runs is a conversion bug (GPX times of 1901): said first, as
    # such files often also have every point at the same time.
    if activity.start < runs_contracts.EARLIEST_START:
        return (
            f"the timestamps ({activity.start.isoformat()}) are before {runs_contracts.EARLIEST_START.year},"
            " so they are not real dates"
        )
    if activity.time_s[-1] <= 0:
        return f"every point has the same time ({activity.start.isoformat()}), so no duration"
    has_track = any(lat is not None for lat in activity.latitude)
    if not has_track and not any(activity.distance_m) and not activity.total_distance_m:
        return f"{subject} has neither a GPS track nor a distance"
    return None


def _take_guessed_sport(activity: Activity) -> None:
    guessed = sport_guess(
        time_s=activity.time_s,
        latitude=activity.latitude,
        longitude=activity.longitude,
        distance_m=activity.distance_m,
    )
    activity.sport = guessed or "run"
    activity.sport_guessed = True
    if guessed:
        how = f"no sport in the file; taken as a {guessed} from its speeds"
    else:
        how = "no sport in the file and too little movement to tell; taken as a run"
    activity.notes.append(f"{how} (change it with Edit on the run's page)")


def moving_speed_quantiles(
    *,
    time_s: Sequence[float],
    latitude: Sequence[float | None],
    longitude: Sequence[float | None],
    distance_m: Sequence[float | None],
    quantiles: Sequence[float],
) -> list[float] | None:
    """Time-weighted quantiles of the speed of the moving legs between samples (None without any).

    Quantile q is the lowest leg speed at which the legs up to it hold q of the moving time.
    """
    legs = _moving_legs(time_s, latitude, longitude, distance_m)
    return _weighted_quantiles(legs, quantiles) if legs else None


def sport_guess(
    *,
    time_s: Sequence[float],
    latitude: Sequence[float | None],
    longitude: Sequence[float | None],
    distance_m: Sequence[float | None],
) -> str | None:
    """Guess "walk", "ride" or "run" from how fast the samples move, for files that name no sport.

    Walk when the median moving speed is below WALK_MEDIAN_BELOW_M_S and under a fifth of the moving
    time is at jogging speed (JOG_FROM_M_S to JOG_BELOW_M_S); else ride when the
    RIDE_QUANTILE of it reaches RIDE_FROM_M_S; else run. None with under GUESS_MIN_MOVING_S of movement.
    """
    legs = _moving_legs(time_s, latitude, longitude, distance_m)
    if sum(seconds for _, seconds in legs) < GUESS_MIN_MOVING_S:
        return None
    median, high = _weighted_quantiles(legs, (0.5, RIDE_QUANTILE))
    moving = sum(seconds for _, seconds in legs)
    jogging = sum(seconds for speed, seconds in legs if JOG_FROM_M_S <= speed < JOG_BELOW_M_S)
    if median < WALK_MEDIAN_BELOW_M_S and jogging < WALK_MAX_JOG_SHARE * moving:
        return "walk"
    if high >= RIDE_FROM_M_S:
        return "ride"
    return "run"


def _moving_legs(
    time_s: Sequence[float],
    latitude: Sequence[float | None],
    longitude: Sequence[float | None],
    distance_m: Sequence[float | None],
) -> list[tuple[float, float]]:
    """(speed, seconds) of each moving leg between two samples, slowest first.

    A leg's length comes from its two positions, else from the device's distance counter; legs
    further apart than MOVING_MAX_GAP_S, slower than MOVING_SPEED_M_S or faster than GLITCH_SPEED_M_S
    are left out.
    """
    legs = []
    for i in range(1, len(time_s)):
        seconds = time_s[i] - time_s[i - 1]
        if not 0 < seconds <= MOVING_MAX_GAP_S:
            continue
        lat1, lon1, lat2, lon2 = latitude[i - 1], longitude[i - 1], latitude[i], longitude[i]
        d1, d2 = distance_m[i - 1], distance_m[i]
        if lat1 is not None and lon1 is not None and lat2 is not None and lon2 is not None:
            metres = geo.haversine_m(lat1, lon1, lat2, lon2)
        elif d1 is not None and d2 is not None:
            metres = d2 - d1
        else:
            continue
        if MOVING_SPEED_M_S <= metres / seconds <= GLITCH_SPEED_M_S:
            legs.append((metres / seconds, seconds))
    return sorted(legs)


def _weighted_quantiles(legs: list[tuple[float, float]], quantiles: Sequence[float]) -> list[float]:
    total = sum(seconds for _, seconds in legs)
    cumulative = list(itertools.accumulate(seconds for _, seconds in legs))
    return [legs[min(bisect.bisect_left(cumulative, q * total), len(legs) - 1)][0] for q in quantiles]


def _xml_text(name: str, data: bytes) -> bytes:
    head = data.lstrip(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark is harmless; some apps write one
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16").encode("utf-8")
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise ParseError(f"{name}: XML with a DOCTYPE or entity declarations is refused")
    if not head.lstrip().startswith(b"<"):
        raise ParseError(f"{name}: this is not an XML file")
    return head


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sport(word: object) -> str:
    """Our sport for a file's word; "" when the file names none, "other" for a sport we do not know."""
    text = str(word or "").strip().lower().replace(" ", "_")
    if text in NO_SPORT_WORDS:
        return ""
    if text not in SPORT_WORDS and text.isdigit():
        return ""  # another app's number for a sport: guessed from the speeds rather than called "other"
    return SPORT_WORDS.get(text, "other")


def _left_out(count: int, thing: str, which: str) -> str:
    """A note on things left out: "1 point without a time was left out", "3 points ... were left out"."""
    return f"{count} {thing} {which} was left out" if count == 1 else f"{count} {thing}s {which} were left out"


def _hms(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


@dataclass
class _Track:
    """A GPX <trk>'s name and type (known once it is read to its end)."""

    name: str = ""
    type: str = ""


@dataclass
class _Segment:
    """The timed points of one GPX track segment, in time order, as compact arrays.

    Times are microseconds since the epoch with the point's UTC offset in seconds beside them, so an
    offset from the start is exactly what subtracting the two datetimes gives; a missing value is NaN.
    """

    track: _Track
    micros: array.array = field(default_factory=lambda: array.array("q"))
    utc_offsets: array.array = field(default_factory=lambda: array.array("i"))
    latitude: array.array = field(default_factory=lambda: array.array("d"))
    longitude: array.array = field(default_factory=lambda: array.array("d"))
    elevation_m: array.array = field(default_factory=lambda: array.array("d"))
    heart_rate: array.array = field(default_factory=lambda: array.array("d"))
    cadence: array.array = field(default_factory=lambda: array.array("d"))
    unordered: int = 0  # points that were earlier than the point before them in the file
    untimed: int = 0  # points without a time, left out
    spiked: int = 0  # points dated hours ahead of the rest, left out

    def _columns(self) -> tuple[array.array, ...]:
        return (
            self.micros,
            self.utc_offsets,
            self.latitude,
            self.longitude,
            self.elevation_m,
            self.heart_rate,
            self.cadence,
        )

    def when(self, k: int) -> datetime.datetime:
        zone = datetime.timezone(datetime.timedelta(seconds=self.utc_offsets[k]))
        return (EPOCH + datetime.timedelta(microseconds=self.micros[k])).astimezone(zone)

    @property
    def first(self) -> datetime.datetime:
        return self.when(0)

    @property
    def last(self) -> datetime.datetime:
        return self.when(len(self.micros) - 1)

    def add(self, micros: int, utc_offset: int, values: tuple[float, ...], offsets: array.array) -> None:
        """Append a timed point in file order, leaving out those dated hours ahead (as `Activity.add`)."""
        offset = (micros - self.micros[0]) / 1e6 if self.micros else 0.0
        if offsets and offset < offsets[-1]:
            leap = _recent_leap(offsets)
            if leap is not None and offset >= offsets[leap - 1]:
                self.spiked += len(offsets) - leap
                del offsets[leap:]
                for column in self._columns():
                    del column[leap:]
        offsets.append(offset)
        for column, value in zip(self._columns(), (micros, utc_offset, *values), strict=True):
            column.append(value)

    def sort(self) -> None:
        """Count the points out of time order, then sort them (points of the same time keep the file's order)."""
        self.unordered = sum(1 for before, after in itertools.pairwise(self.micros) if after < before)
        if self.unordered:
            order = sorted(range(len(self.micros)), key=self.micros.__getitem__)
            for column in self._columns():
                column[:] = array.array(column.typecode, (column[k] for k in order))


def _parse_gpx(name: str, text: bytes) -> list[Activity]:
    segments, untimed_elsewhere, gpx_name = _read_gpx(name, text)
    if not segments:
        raise ParseError(f"{name}: the GPX file has no timestamps (a planned route, not a recorded activity)")
    groups = _outings(name, segments)
    activities = [_gpx_activity(gpx_name, group) for group, _ in groups]
    for activity, (_, overlapped) in zip(activities, groups, strict=True):
        if overlapped is not None:
            other = activities[overlapped].name or "another track"
            activity.notes.append(f"it overlaps {other} in time, so it is imported on its own")
    if untimed_elsewhere:
        activities[0].notes.append(_left_out(untimed_elsewhere, "point", "without a time"))
    return activities


def _read_gpx(name: str, text: bytes) -> tuple[list[_Segment], int, str]:
    """The timed segments of a GPX file, the number of points of segments without any time, and the file's name.

    Streamed: each point is read into its segment's arrays and dropped from the tree as soon as it
    is complete, so memory follows the points kept, not the file's XML. Read as gpxpy reads a file:
    tracks, segments and points are the root's children, theirs and theirs in the root's namespace;
    a track's <type>, the points' <extensions> and the name in <metadata> are GPX 1.1's; the text is
    UTF-8, undecodable bytes replaced. A value that is not a number is missing.
    """
    source = io.TextIOWrapper(io.BytesIO(text), encoding="utf-8", errors="replace")
    events = SafeET.iterparse(source, ("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    segments: list[_Segment] = []
    untimed_elsewhere = points = 0
    open_elements: list = []  # from the root down to the element being read
    ns, v11, gpx_name, seen = "", False, "", 0
    track: _Track | None = None
    segment: _Segment | None = None
    offsets = array.array("d")  # the segment's times in seconds from its first, as `_recent_leap` reads them
    try:
        for event, element in events:
            if event == "start":
                if not open_elements:
                    ns = element.tag[: element.tag.index("}") + 1] if element.tag.startswith("{") else ""
                    v11 = element.get("version") == "1.1"
                open_elements.append(element)
                if len(open_elements) == 2 and element.tag == f"{ns}trk":
                    track = _Track()
                elif len(open_elements) == 3 and track is not None and element.tag == f"{ns}trkseg":
                    segment, offsets, seen = _Segment(track), array.array("d"), points
                continue
            open_elements.pop()
            # The root has no parent (nor is it removed): itself stands in, so that `parent` is never None.
            depth, parent = len(open_elements) + 1, open_elements[-1] if open_elements else element
            if depth == 4 and segment is not None and element.tag == f"{ns}trkpt":
                points += 1
                if points > MAX_POINTS_PER_FILE:
                    raise ParseError(_too_many_points(name))
                _gpx_point(element, ns, v11, segment, offsets)
                parent.remove(element)  # read: dropped from the tree
            elif depth == 3 and segment is not None and element.tag == f"{ns}trkseg":
                count = points - seen
                if segment.micros:
                    segment.untimed = count - len(segment.micros) - segment.spiked
                    segment.sort()
                    segments.append(segment)
                else:
                    untimed_elsewhere += count
                segment = None
                parent.remove(element)
            elif depth == 2 and track is not None and element.tag == f"{ns}trk":
                track.name = element.findtext(f"{ns}name") or ""
                track.type = (element.findtext(f"{ns}type") or "") if v11 else ""
                track = None
                parent.remove(element)
            elif depth == 2 and element.tag not in (f"{ns}name", f"{ns}metadata"):
                parent.remove(element)  # routes, waypoints: not an activity's
            elif depth == 1:
                holder = element.find(f"{ns}metadata") if v11 else element
                gpx_name = (holder.findtext(f"{ns}name") if holder is not None else None) or ""
    except DefusedXmlException:
        raise ParseError(f"{name}: XML with a DOCTYPE or entity declarations is refused") from None
    except SafeET.ParseError as exc:
        raise ParseError(f"{name}: not a valid GPX file ({exc})") from None
    return segments, untimed_elsewhere, gpx_name


def _gpx_point(element, ns: str, v11: bool, segment: _Segment, offsets: array.array) -> None:
    when = gpxpy.gpxfield.TIME_TYPE.from_string(element.findtext(f"{ns}time"))
    if when is None or not 1 < when.year < 9999:  # the first and last years: no room for a UTC offset
        return
    try:
        utc_offset = when.utcoffset()
    except ValueError:  # a UTC offset of a day or more: not a time
        return
    hr = cad = None
    extensions = element.find(f"{ns}extensions") if v11 else None
    for extension in extensions if extensions is not None else ():
        for child in extension.iter():
            tag = _local(child.tag).lower()
            if tag in ("hr", "heartrate") and child.text:
                hr = _number(child.text, 1, 300)
            elif tag in ("cad", "cadence") and child.text:
                cad = _number(child.text, 1, 400)
    values = (element.get("lat"), element.get("lon"), element.findtext(f"{ns}ele"), hr, cad)
    micros = (_aware(when) - EPOCH) // MICROSECOND
    offset_s = int(utc_offset.total_seconds()) if utc_offset else 0
    segment.add(micros, offset_s, tuple(_float_or_nan(value) for value in values), offsets)


def _float_or_nan(value: str | float | None) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except ValueError:
        return math.nan


def _outings(name: str, segments: list[_Segment]) -> list[tuple[list[_Segment], int | None]]:
    """Segments grouped into activities, in time order, each with the index of an earlier one it overlaps.

    Taken by their first time, a segment joins the activity it follows (starting at or after that
    activity's end, within SEPARATE_ACTIVITIES_GAP of it for a segment of the same track, within
    SEPARATE_TRACKS_GAP for another track); otherwise it starts an activity of its own.
    The file's order of tracks and segments plays no part, so the same file reordered gives the same runs.
    """
    ordered = sorted(segments, key=lambda s: (s.first, s.last, len(s.micros), s.track.name or ""))
    groups: list[tuple[list[_Segment], int | None]] = []
    active: list[int] = []  # groups a later segment may still join or overlap (segments come by first time)

    def within_reach(group: list[_Segment], segment: _Segment) -> bool:
        gap = SEPARATE_ACTIVITIES_GAP if group[-1].track is segment.track else SEPARATE_TRACKS_GAP
        return group[-1].last <= segment.first <= group[-1].last + gap

    for segment in ordered:
        active = [k for k in active if groups[k][0][-1].last + SEPARATE_ACTIVITIES_GAP >= segment.first]
        joinable = [k for k in active if within_reach(groups[k][0], segment)]
        if joinable:
            groups[max(joinable, key=lambda k: groups[k][0][-1].last)][0].append(segment)
            continue
        overlapped = next((k for k in active if segment.first < groups[k][0][-1].last), None)
        groups.append(([segment], overlapped))
        active.append(len(groups) - 1)
        if len(groups) > MAX_ACTIVITIES_PER_FILE:
            raise ParseError(
                f"{name}: the file holds more than {MAX_ACTIVITIES_PER_FILE} separate activities; "
                "split it into several files"
            )
    return groups


PLACEHOLDER_NAMES = {"untitled", "activity", "track", "new track", "unnamed"}
TIMESTAMP_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}([T _]\d{2}[:_]\d{2}.*)?$")


def _meaningful(name: str) -> str:
    """A track's name, unless an app's placeholder ("Untitled", the start time): pages then name the sport."""
    name = name.strip()
    return "" if name.lower() in PLACEHOLDER_NAMES or TIMESTAMP_NAME.match(name) else name


def _gpx_activity(gpx_name: str, group: list[_Segment]) -> Activity:
    sports = [_sport(segment.track.type) for segment in group]
    activity = Activity(
        start=group[0].first,
        sport=next((sport for sport in sports if sport), ""),
        name=_meaningful(group[0].track.name or gpx_name or ""),
    )
    origin = group[0].micros[0]
    for segment in group:
        columns = (segment.latitude, segment.longitude, segment.elevation_m, segment.heart_rate, segment.cadence)
        for micros, *values in zip(segment.micros, *columns, strict=True):
            activity.add_at((micros - origin) / 1e6, *values)
    unordered = sum(segment.unordered for segment in group)
    if unordered:
        were = "was" if unordered == 1 else "were"
        activity.notes.append(f"{unordered} of its points {were} out of time order (now sorted by time)")
    activity.spiked = sum(segment.spiked for segment in group)
    if activity.spiked:
        activity.notes.append(_left_out(activity.spiked, "point", "with a time hours ahead of the rest"))
    untimed = sum(segment.untimed for segment in group)
    if untimed:
        activity.notes.append(_left_out(untimed, "point", "without a time"))
    return activity


def _aware(value: datetime.datetime) -> datetime.datetime:
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def _float(element, path: str) -> float | None:
    found = element.find(path)
    if found is None or found.text is None:
        return None
    try:
        return float(found.text)
    except ValueError:
        return None


def _parse_tcx(name: str, text: bytes) -> Activity:
    """The first <Activity> of a TCX file: the timed trackpoints of its laps, and the laps.

    Streamed: each trackpoint and lap is read when complete and then dropped from the tree.
    """
    events = SafeET.iterparse(
        io.BytesIO(text), ("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    open_elements: list = []  # from the root down to the element being read
    ns, sport, points, unordered = "", None, 0, 0
    activity: Activity | None = None
    activity_element = None  # the first <Activity>, while it is being read
    seen_activity, laps_open, calories = False, 0, 0.0
    try:
        for event, element in events:
            tag = element.tag
            if event == "start":
                if not open_elements:
                    ns = tag[: tag.index("}") + 1] if tag.startswith("{") else ""
                open_elements.append(element)
                if tag == f"{ns}Activity" and not seen_activity:
                    seen_activity, activity_element, sport = True, element, _sport(element.get("Sport"))
                laps_open += activity_element is not None and tag == f"{ns}Lap"
                continue
            open_elements.pop()
            parent = open_elements[-1] if open_elements else None
            if tag == f"{ns}Trackpoint":
                points += 1
                if points > MAX_POINTS_PER_FILE:
                    raise ParseError(_too_many_points(name))
                if laps_open:
                    activity, added = _tcx_point(element, ns, activity, sport)
                    unordered += not added
            elif tag == f"{ns}Lap" and laps_open:
                laps_open -= 1
                lap_start = _tcx_time(element.get("StartTime"))
                if activity is not None and lap_start is not None:
                    activity.laps.append(
                        {
                            "start_offset_s": (lap_start - activity.start).total_seconds(),
                            "elapsed_s": _float(element, f"{ns}TotalTimeSeconds") or 0.0,
                            "distance_m": _float(element, f"{ns}DistanceMeters") or 0.0,
                        }
                    )
                calories += _float(element, f"{ns}Calories") or 0.0
            elif element is activity_element:
                activity_element = None
            else:
                continue
            if parent is not None:
                parent.remove(element)  # read: dropped from the tree
    except DefusedXmlException:
        raise ParseError(f"{name}: XML with a DOCTYPE or entity declarations is refused") from None
    except SafeET.ParseError as exc:
        raise ParseError(f"{name}: not a valid TCX file ({exc})") from None
    if not seen_activity:
        raise ParseError(f"{name}: the TCX file has no Activity")
    if activity is None:
        raise ParseError(f"{name}: the TCX file has no timed trackpoints")
    if unordered:
        activity.notes.append(_left_out(unordered, "trackpoint", "earlier than the one before it"))
    if activity.spiked:
        activity.notes.append(_left_out(activity.spiked, "trackpoint", "with a time hours ahead of the rest"))
    activity.calories = int(calories) or None
    return activity


def _tcx_point(element, ns: str, activity: Activity | None, sport: str | None) -> tuple[Activity | None, bool]:
    """Add one trackpoint to the activity (started by the first timed one); and whether it was added."""
    when = _tcx_time(element.findtext(f"{ns}Time"))
    if when is None:
        return activity, True
    if activity is None:
        activity = Activity(start=when, sport=sport or "")
    added = activity.add(
        when,
        _float(element, f"{ns}Position/{ns}LatitudeDegrees"),
        _float(element, f"{ns}Position/{ns}LongitudeDegrees"),
        _float(element, f"{ns}AltitudeMeters"),
        _float(element, f"{ns}HeartRateBpm/{ns}Value"),
        _float(element, f"{ns}Cadence"),
        _float(element, f"{ns}DistanceMeters"),
    )
    return activity, added


def _tcx_time(text: str | None) -> datetime.datetime | None:
    if not text:
        return None
    try:
        return _aware(datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


@dataclass
class _FitReading:
    """What was read of a FIT file, up to its end or the first damage."""

    activity: Activity | None = None
    session: dict = field(default_factory=dict)  # the last one
    sessions: list[dict] = field(default_factory=list)  # a multisport file has one per leg
    laps: list[dict] = field(default_factory=list)
    sport: dict = field(default_factory=dict)  # the `sport` message, for files without a session
    damage: str = ""  # what stopped the reading before the end ("" when it reached the end)
    cut_off: bool = False  # the file ends in the middle of a record
    checksum_matches: bool = True
    unordered: int = 0  # records earlier than the one before (but not before the first), left out
    undated: int = 0  # records without a date after the first, left out
    records: int = 0  # read so far


def _parse_fit(name: str, data: bytes) -> list[Activity]:
    reading = _FitReading()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fitdecode warns about devices' harmless quirks
            # READONLY: a checksum that does not match is noted, not fatal, when the data read well.
            with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.READONLY) as reader:
                _read_fit_frames(name, reader, reading)
    except fitdecode.FitEOFError:
        if reading.activity is None:
            raise ParseError(f"{name}: the FIT file is truncated (it ends in the middle of a record)") from None
        reading.cut_off = True
    except fitdecode.FitHeaderError:
        if reading.activity is None:
            raise ParseError(f"{name}: this is not a FIT file") from None
        reading.damage = "what follows is not FIT data"
    except fitdecode.FitError as exc:
        if reading.activity is None:
            raise ParseError(f"{name}: the FIT file is corrupt ({exc})") from None
        reading.damage = str(exc)
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - fitdecode meets corrupt bytes with plain Python errors too
        if reading.activity is None:
            raise ParseError(f"{name}: the FIT file is corrupt (unreadable data: {type(exc).__name__})") from None
        reading.damage = f"unreadable data: {type(exc).__name__}"
    activity = reading.activity
    if activity is None:
        if not reading.checksum_matches:
            raise ParseError(f"{name}: the FIT file is corrupt (its checksum does not match)")
        raise ParseError(f"{name}: the FIT file has no timed records")
    legs, unplaced = _fit_legs(reading)
    if len(reading.sessions) > 1 and legs and not unplaced:
        return _split_into_legs(activity, reading, legs)
    if unplaced:  # sessions that cannot be told apart: no one session's sport is the whole file's
        reading.session, reading.sport = {}, {}
        activity.notes.append("its sessions have no start or duration, so they cannot be told apart")
    _fit_summary(activity, reading)
    _fit_notes(activity, reading)
    return [activity]


def _fit_legs(reading: _FitReading) -> tuple[list[tuple[dict, float, float]], int]:
    """(session, first second, end second) of each leg of a multisport file, transitions left out;
    and how many sessions (not transitions) have no start or duration to place them.

    A leg ends where the next session (a transition too) starts, at the latest: a sample belongs to
    one leg only.
    """
    placed, starts, unplaced = [], [], 0
    for session in reading.sessions:
        transition = str(session.get("sport")) == "transition"
        start, elapsed = session.get("start_time"), _number(session.get("total_elapsed_time"), 0, FIT_MAX_SUMMARY_S)
        if not isinstance(start, datetime.datetime) or elapsed is None:
            unplaced += not transition
            continue
        begin = (_aware(start) - reading.activity.start).total_seconds()  # type: ignore[union-attr]
        starts.append(begin)
        if not transition:
            placed.append((session, begin, begin + elapsed))
    # [begin, end): a leg's own end sample is in it unless the next session starts there.
    legs = [
        (session, begin, min([end + 0.001, *(s for s in starts if s > begin)]))
        for session, begin, end in sorted(placed, key=lambda leg: leg[1])
    ]
    return legs, unplaced


def _split_into_legs(whole: Activity, reading: _FitReading, legs: list[tuple[dict, float, float]]) -> list[Activity]:
    """One activity per leg of a multisport file (a triathlon, a ride then a run), each with its sport and totals."""
    parts = []
    for number, (session, begin, end) in enumerate(legs, start=1):
        last = number == len(legs)
        inside = [k for k, t in enumerate(whole.time_s) if begin <= t < end]
        if not inside:
            continue
        first = whole.time_s[inside[0]]
        part = Activity(start=whole.start + datetime.timedelta(seconds=first), name=whole.name)
        for k in inside:
            part._append(
                whole.time_s[k] - first,
                whole.latitude[k],
                whole.longitude[k],
                whole.elevation_m[k],
                whole.heart_rate[k],
                whole.cadence[k],
                whole.distance_m[k],
            )
        if part.distance_m and part.distance_m[0] is not None:  # the device's counter runs across legs
            offset = part.distance_m[0]
            part.distance_m = [None if d is None else d - offset for d in part.distance_m]
        laps = [lap for lap in reading.laps if _within(lap.get("start_time"), whole.start, begin, end)]
        leg = dataclasses.replace(reading, activity=part, session=session, laps=laps)
        if not last:  # what stopped the reading belongs to the last leg
            leg = dataclasses.replace(leg, cut_off=False, damage="", unordered=0, undated=0)
        _fit_summary(part, leg)
        _fit_notes(part, leg)
        parts.append(part)
    if len(parts) > 1:
        for number, part in enumerate(parts, start=1):
            part.notes.append(f"leg {number} of {len(parts)} of a multisport file")
    return parts


def _within(when: object, origin: datetime.datetime, begin: float, end: float) -> bool:
    return isinstance(when, datetime.datetime) and begin <= (_aware(when) - origin).total_seconds() < end


def _read_fit_frames(name: str, reader: fitdecode.FitReader, reading: _FitReading) -> None:
    for frame in reader:
        header_mismatch = isinstance(frame, fitdecode.FitHeader) and frame.crc_matched is False
        if header_mismatch or (isinstance(frame, fitdecode.FitCRC) and not frame.matched):
            reading.checksum_matches = False
        if not isinstance(frame, fitdecode.FitDataMessage):
            continue
        if frame.name == "session":
            reading.session = {f.name: f.value for f in frame.fields}
            reading.sessions.append(reading.session)
        elif frame.name == "lap":
            reading.laps.append({f.name: f.value for f in frame.fields})
        elif frame.name == "sport":
            reading.sport = {f.name: f.value for f in frame.fields}
        elif frame.name == "record":
            reading.records += 1
            if reading.records > MAX_POINTS_PER_FILE:
                raise ParseError(_too_many_points(name))
            if not _fit_record(name, frame, reading):
                return


def _fit_record(name: str, frame: fitdecode.FitDataMessage, reading: _FitReading) -> bool:
    """Add one record to the reading; False when the record is damage and reading must stop."""
    when = frame.get_value("timestamp", fallback=None)
    activity = reading.activity
    if not isinstance(when, datetime.datetime):
        if activity is None:
            # Timestamps below 0x10000000 are seconds since power-on, not dates.
            raise ParseError(f"{name}: the FIT file has relative timestamps only, so its date is unknown")
        reading.undated += 1
        return True
    when = _aware(when)
    if activity is None:
        activity = reading.activity = Activity(start=when)
    elif (
        when < activity.start
        or when - activity.start > datetime.timedelta(seconds=activity.time_s[-1]) + FIT_MAX_RECORD_JUMP
    ):
        reading.damage = f"a record is dated {when:%Y-%m-%d %H:%M:%S}"
        return False
    lat = frame.get_value("position_lat", fallback=None)
    lon = frame.get_value("position_long", fallback=None)
    ele = frame.get_value("enhanced_altitude", fallback=None)
    if ele is None:
        ele = frame.get_value("altitude", fallback=None)
    added = activity.add(
        when,
        lat * SEMICIRCLE_TO_DEGREES if isinstance(lat, int | float) else None,
        lon * SEMICIRCLE_TO_DEGREES if isinstance(lon, int | float) else None,
        ele,
        frame.get_value("heart_rate", fallback=None),
        frame.get_value("cadence", fallback=None),
        frame.get_value("distance", fallback=None),
    )
    reading.unordered += not added
    return True


def _fit_summary(activity: Activity, reading: _FitReading) -> None:
    session = reading.session
    described = session if session.get("sport") is not None else reading.sport
    sub_sport = str(described.get("sub_sport") or "")
    activity.sport = _sport(sub_sport) if sub_sport in ("treadmill", "trail") else _sport(described.get("sport"))
    # A damaged file's summary may hold garbage: anything but a finite number in range is missing.
    activity.elapsed_s = _number(session.get("total_elapsed_time"), 0, FIT_MAX_SUMMARY_S)
    activity.moving_s = _number(session.get("total_timer_time"), 0, FIT_MAX_SUMMARY_S)
    activity.total_distance_m = _number(session.get("total_distance"), 0, FIT_MAX_SUMMARY_M)
    calories = _number(session.get("total_calories"), 0, 100_000)
    activity.calories = round(calories) if calories is not None else None
    for lap in reading.laps:
        start = lap.get("start_time")
        if isinstance(start, datetime.datetime):
            activity.laps.append(
                {
                    "start_offset_s": (_aware(start) - activity.start).total_seconds(),
                    "elapsed_s": _number(lap.get("total_elapsed_time"), 0, FIT_MAX_SUMMARY_S) or 0.0,
                    "distance_m": _number(lap.get("total_distance"), 0, FIT_MAX_SUMMARY_M) or 0.0,
                }
            )
    elapsed = activity.elapsed_s
    if elapsed:
        slack = max(FIT_COVERAGE_SLACK_S, FIT_COVERAGE_SLACK_SHARE * elapsed)
        activity.samples_partial = activity.time_s[-1] + slack < elapsed


def _fit_notes(activity: Activity, reading: _FitReading) -> None:
    read_to = _hms(activity.time_s[-1])
    if reading.cut_off:
        where = f"the file is cut off at {read_to} (it ends in the middle of a record)"
    elif reading.damage:
        where = f"the file is damaged after {read_to} ({reading.damage})"
    else:
        where = ""
    if activity.samples_partial and activity.elapsed_s:
        totals = _hms(activity.elapsed_s)
        if activity.total_distance_m is not None:
            totals = f"{activity.total_distance_m / 1000:.2f} km in {totals}"
        covered = (
            f"its samples cover only {read_to} of the {_hms(activity.elapsed_s)} the device recorded, so the run"
            f" takes the device's totals ({totals}) without a track"
        )
        activity.notes.append(f"{where}; {covered}" if where else covered)
    elif where:
        activity.notes.append(f"{where}; imported up to there")
    if not reading.checksum_matches and not where:
        activity.notes.append("the file's checksum does not match, so some values may be damaged")
    if reading.unordered:
        activity.notes.append(_left_out(reading.unordered, "record", "earlier than the one before it"))
    if activity.spiked:
        activity.notes.append(_left_out(activity.spiked, "record", "with a time hours ahead of the rest"))
    if reading.undated:
        activity.notes.append(_left_out(reading.undated, "record", "without a date"))
