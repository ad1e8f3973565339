"""Reading GPX, TCX and FIT files into one shape. Pure functions over bytes: no Django, no I/O.

GPX and TCX are streamed through the standard library's C parser (see docs/decisions/0008): GPX into a
parser target that builds no tree, each point into compact arrays (read as gpxpy reads it, its times
as gpxpy's time parser reads them); TCX into the parser's own C tree, a chunk of text at a time, each
trackpoint read once complete and deleted from the tree. FIT goes through fitdecode. The XML is read
as UTF-8 text, and text with a DOCTYPE or entity declarations is refused before any parser sees it, so
a billion-laughs or external-entity file is never expanded. A file of more than MAX_POINTS_PER_FILE
points is refused, counted before parsing and again while reading, so
an import's memory is bounded whatever the upload limits let through (docs/performance.md).

Nothing a file holds is left out silently: what is skipped, reordered, cut off or guessed is said
in the activity's `notes`, which the job shows to the runner.
"""

from __future__ import annotations

import array
import codecs
import collections
import contextlib
import dataclasses
import datetime
import gc
import io
import math
import operator
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import fitdecode
import gpxpy.gpxfield
import numpy as np
import numpy.typing as npt

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
    # The file dates its samples only by the watch's local clock (a FIT with relative timestamps): `start` is
    # that wall-clock time labelled UTC, to be placed in the runner's own zone (`imports.importer`).
    local_clock: bool = False

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

    def add_many(self, offsets: Sequence[float], *values: npt.NDArray[np.float64]) -> int:
        """`add_at` for each sample (`values`: lat, lon, ele, hr, cad, dist; NaN: missing); how many were left out.

        Samples in time order after the last one are taken together, as `add_at` would take them.
        """
        if not offsets:
            return 0
        if (not self.time_s or offsets[0] >= self.time_s[-1]) and bool(np.all(np.diff(offsets) >= 0)):
            lat, lon, ele, hr, cad, dist = values
            placed = _in_range(lat, -90, 90) & _in_range(lon, -180, 180)
            self.time_s += offsets
            self.latitude += _listed(lat, placed)
            self.longitude += _listed(lon, placed)
            self.elevation_m += _listed(ele, _in_range(ele, -1000, 10000))
            self.heart_rate += _listed(hr, _in_range(hr, 1, 300), rounded=True)
            self.cadence += _listed(cad, _in_range(cad, 1, 400), rounded=True)
            self.distance_m += _listed(dist, _in_range(dist, 0, 10_000_000))
            return 0
        rows = zip(offsets, *(column.tolist() for column in values), strict=True)
        return sum(not self.add_at(*row) for row in rows)

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
    legs = _MovingLegs.of(time_s, latitude, longitude, distance_m)
    return legs.quantiles(quantiles) if len(legs.speeds) else None


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
    legs = _MovingLegs.of(time_s, latitude, longitude, distance_m)
    moving = legs.seconds_where(np.ones(len(legs.speeds), dtype=bool))
    if moving < GUESS_MIN_MOVING_S:
        return None
    median, high = legs.quantiles((0.5, RIDE_QUANTILE))
    jogging = legs.seconds_where((legs.speeds >= JOG_FROM_M_S) & (legs.speeds < JOG_BELOW_M_S))
    if median < WALK_MEDIAN_BELOW_M_S and jogging < WALK_MAX_JOG_SHARE * moving:
        return "walk"
    if high >= RIDE_FROM_M_S:
        return "ride"
    return "run"


@dataclass(frozen=True)
class _MovingLegs:
    """Speed and seconds of each moving leg between two samples, slowest first (ties: shortest first)."""

    speeds: npt.NDArray[np.float64]
    seconds: npt.NDArray[np.float64]

    @classmethod
    def of(
        cls,
        time_s: Sequence[float],
        latitude: Sequence[float | None],
        longitude: Sequence[float | None],
        distance_m: Sequence[float | None],
    ) -> _MovingLegs:
        """A leg's length comes from its two positions, else from the device's distance counter; legs
        further apart than MOVING_MAX_GAP_S, slower than MOVING_SPEED_M_S or faster than GLITCH_SPEED_M_S
        are left out."""
        times, lat, lon = (np.array(values, dtype=float) for values in (time_s, latitude, longitude))
        counter = np.array(distance_m, dtype=float)
        seconds = np.diff(times)
        placed = ~(np.isnan(lat) | np.isnan(lon))
        tracked = placed[:-1] & placed[1:]
        metres = np.where(tracked, geo.haversine_m_arrays(lat[:-1], lon[:-1], lat[1:], lon[1:]), np.diff(counter))
        usable = (seconds > 0) & (seconds <= MOVING_MAX_GAP_S) & ~np.isnan(metres)
        speeds, seconds = metres[usable] / seconds[usable], seconds[usable]
        moving = (speeds >= MOVING_SPEED_M_S) & (speeds <= GLITCH_SPEED_M_S)
        order = np.lexsort((seconds[moving], speeds[moving]))
        return cls(speeds[moving][order], seconds[moving][order])

    def seconds_where(self, chosen: npt.NDArray[np.bool_]) -> float:
        """The seconds of the chosen legs, added up in order (as a loop over them would)."""
        picked = self.seconds[chosen]
        return float(np.cumsum(picked)[-1]) if len(picked) else 0.0

    def quantiles(self, quantiles: Sequence[float]) -> list[float]:
        cumulative = np.cumsum(self.seconds)
        found = np.searchsorted(cumulative, [q * float(cumulative[-1]) for q in quantiles], side="left")
        return [float(self.speeds[min(int(k), len(self.speeds) - 1)]) for k in found]


def _xml_text(name: str, data: bytes) -> bytes:
    """The file's bytes in UTF-8, refused when they declare a DOCTYPE or entities (`_xml_events` reads them
    as UTF-8 whatever the file declares: no other encoding can hide a declaration from this check)."""
    head = data.lstrip(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark is harmless; some apps write one
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16").encode("utf-8")
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise ParseError(f"{name}: XML with a DOCTYPE or entity declarations is refused")
    if not head.lstrip().startswith(b"<"):
        raise ParseError(f"{name}: this is not an XML file")
    return head


XML_CHUNK = 64 * 1024  # bytes decoded and fed to the GPX parser at a time (TCX: TCX_CHUNK)


def _feed(target: object, text: bytes) -> None:
    """Parse `text` with the (C) parser into `target`, read as UTF-8 (undecodable bytes replaced) a chunk
    at a time: text is fed, so the parser reads UTF-8 whatever the file declares and `_xml_text`'s check
    holds, and only a chunk is ever decoded."""
    parser = ET.XMLParser(target=target)  # noqa: S314 - DOCTYPE and entities are refused before (`_xml_text`)
    for chunk in _utf8_chunks(text, XML_CHUNK):
        parser.feed(chunk)
    parser.close()


def _utf8_chunks(text: bytes, size: int) -> Iterator[str]:
    """`text` decoded as UTF-8 (undecodable bytes replaced), `size` bytes at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    view = memoryview(text)
    for offset in range(0, len(text), size):
        yield decoder.decode(view[offset : offset + size])
    yield decoder.decode(b"", final=True)


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
        micros = np.frombuffer(self.micros, dtype=np.int64)
        self.unordered = int(np.count_nonzero(micros[1:] < micros[:-1]))
        if self.unordered:
            order = np.argsort(micros, kind="stable")
            for column in self._columns():
                column[:] = array.array(column.typecode, np.frombuffer(column, dtype=column.typecode)[order].tobytes())


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

    Streamed: the parser hands each element's start, text and end to `_GpxTarget`, which builds no
    tree: each point goes straight into its segment's arrays, so memory follows the points kept, not
    the file's XML. Read as gpxpy reads a file: tracks, segments and points are the root's children,
    theirs and theirs in the root's namespace; a track's <type>, the points' <extensions> and the name
    in <metadata> are GPX 1.1's; the text is UTF-8, undecodable bytes replaced. A value that is not a
    number is missing.
    """
    target = _GpxTarget(name)
    try:
        _feed(target, text)
    except ET.ParseError as exc:
        raise ParseError(f"{name}: not a valid GPX file ({exc})") from None
    return target.segments, target.untimed_elsewhere, target.gpx_name


@dataclass(frozen=True)
class _GpxNames:
    """The qualified tags of a GPX file's namespace, made once per file."""

    v11: bool  # GPX 1.1: a track's <type>, points' <extensions> and the name in <metadata> are read
    trk: str
    trkseg: str
    trkpt: str
    time: str
    ele: str
    extensions: str
    name: str
    type: str
    metadata: str

    @classmethod
    def of(cls, root: str, attrib: dict[str, str]) -> _GpxNames:
        ns = root[: root.index("}") + 1] if root.startswith("{") else ""
        tags = ("trk", "trkseg", "trkpt", "time", "ele", "extensions", "name", "type", "metadata")
        return cls(attrib.get("version") == "1.1", *(f"{ns}{tag}" for tag in tags))


class _TextTarget:
    """A parser target that keeps the text of the element it is told to (its `.text`: up to its first child)."""

    def __init__(self) -> None:
        self.depth = 0  # of the element open (the root: 1)
        self.field = ""  # what the text being kept is; "" while none is
        self.pieces: list[str] = []

    def data(self, text: str) -> None:
        if self.field:
            self.pieces.append(text)

    def keep(self, field: str) -> None:
        self.field, self.pieces = field, []

    def close_text(self) -> None:
        """The kept text is complete (a child starts, or its element ends): hand it to `text`."""
        if self.field:
            field, self.field = self.field, ""
            self.text(field, "".join(self.pieces))

    def text(self, field: str, value: str) -> None:
        raise NotImplementedError


class _GpxPoint:
    """A <trkpt> being read: its attributes, then its first <time> and <ele>, the values in its first <extensions>."""

    def __init__(self, attrib: dict[str, str]) -> None:
        self.lat, self.lon = attrib.get("lat"), attrib.get("lon")
        self.time: str | None = None
        self.ele: str | None = None
        self.hr: float | None = None
        self.cad: float | None = None
        self.seen: set[str] = set()  # of its children read so far: "time", "ele", "extensions"
        self.in_extensions = False


class _GpxTarget(_TextTarget):
    """What `_read_gpx` has read so far (see there), fed by the parser."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name, self.gpx_name = name, ""
        self.names = _GpxNames.of("", {})
        self.segments: list[_Segment] = []
        self.untimed_elsewhere = self.points = self.seen = 0
        self.track: _Track | None = None
        self.track_seen: set[str] = set()  # the track's children read so far: "name", "type"
        self.root_seen: set[str] = set()  # "name" (GPX 1.0) or "metadata" and "metadata name" (1.1)
        self.in_metadata = False
        self.segment: _Segment | None = None
        self.offsets = array.array("d")  # the segment's times in seconds from its first, as `_recent_leap` reads them
        self.point: _GpxPoint | None = None
        self.times = _GpxTimes()
        self.kinds: dict[str, str] = {}  # extension tag -> "hr", "cad" or ""

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.close_text()
        self.depth += 1
        if self.point is not None:
            self._point_child(tag, self.point)
        elif self.depth == 4 and self.segment is not None and tag == self.names.trkpt:
            self.point = _GpxPoint(attrib)
        elif self.depth == 3:
            self._track_child(tag)
        elif self.depth == 2:
            self._root_child(tag)
        elif self.depth == 1:
            self.names = _GpxNames.of(tag, attrib)

    def _point_child(self, tag: str, point: _GpxPoint) -> None:
        names = self.names
        if self.depth == 5:
            for field in ("time", "ele", "extensions"):
                if tag == getattr(names, field) and field not in point.seen and (field != "extensions" or names.v11):
                    point.seen.add(field)
                    point.in_extensions = field == "extensions"
                    if field != "extensions":
                        self.keep(field)
        elif point.in_extensions:
            kind = self.kinds.get(tag)
            if kind is None:
                kind = self.kinds[tag] = _extension_kind(tag)
            if kind:
                self.keep(kind)

    def _track_child(self, tag: str) -> None:
        names = self.names
        if self.track is not None and tag == names.trkseg:
            self.segment, self.offsets, self.seen = _Segment(self.track), array.array("d"), self.points
        elif self.track is not None and tag in (names.name, names.type) and tag not in self.track_seen:
            self.track_seen.add(tag)
            if tag == names.name or names.v11:
                self.keep("track " + ("name" if tag == names.name else "type"))
        elif self.in_metadata and tag == names.name and "metadata name" not in self.root_seen:
            self.root_seen.add("metadata name")
            self.keep("gpx name")

    def _root_child(self, tag: str) -> None:
        names = self.names
        if tag == names.trk:
            self.track, self.track_seen = _Track(), set()
        elif names.v11 and tag == names.metadata and "metadata" not in self.root_seen:
            self.root_seen.add("metadata")
            self.in_metadata = True
        elif not names.v11 and tag == names.name and "name" not in self.root_seen:
            self.root_seen.add("name")
            self.keep("gpx name")

    def text(self, field: str, value: str) -> None:
        point = self.point
        if field == "track name":
            self.track.name = value  # type: ignore[union-attr]
        elif field == "track type":
            self.track.type = value  # type: ignore[union-attr]
        elif field == "gpx name":
            self.gpx_name = value
        elif point is not None and field in ("time", "ele"):
            setattr(point, field, value)
        elif point is not None and value:  # an extension's heart rate or cadence: the last one counts
            if field == "hr":
                point.hr = _number(value, 1, 300)
            else:
                point.cad = _number(value, 1, 400)

    def end(self, tag: str) -> None:
        self.close_text()
        depth, self.depth = self.depth, self.depth - 1
        point = self.point
        if point is not None and depth == 5 and point.in_extensions:
            point.in_extensions = False
        elif point is not None and depth == 4:
            self.point = None
            self._add_point(point, self.segment)  # type: ignore[arg-type]
        elif depth == 3 and self.segment is not None and tag == self.names.trkseg:
            self._close_segment(self.segment)
        elif depth == 2:
            self.track = None if tag == self.names.trk else self.track
            self.in_metadata = False

    def _close_segment(self, segment: _Segment) -> None:
        count = self.points - self.seen
        if segment.micros:
            segment.untimed = count - len(segment.micros) - segment.spiked
            segment.sort()
            self.segments.append(segment)
        else:
            self.untimed_elsewhere += count
        self.segment = None

    def _add_point(self, point: _GpxPoint, segment: _Segment) -> None:
        self.points += 1
        if self.points > MAX_POINTS_PER_FILE:
            raise ParseError(_too_many_points(self.name))
        when = self.times.read(point.time)
        if when is not None:
            values = (point.lat, point.lon, point.ele, point.hr, point.cad)
            segment.add(*when, tuple(_float_or_nan(value) for value in values), self.offsets)


def _extension_kind(tag: str) -> str:
    local = _local(tag).lower()
    return "hr" if local in ("hr", "heartrate") else "cad" if local in ("cad", "cadence") else ""


SECONDS_MICROS = {f"{second:02d}": second * 1_000_000 for second in range(60)}


class _GpxTimes:
    """GPX times read as gpxpy reads them: (microseconds since the epoch, UTC offset in seconds), or None.

    gpxpy parses the first time of each minute; a UTC time of the usual shape in a minute already
    parsed ("2026-06-01T05:00:07Z", with or without a fraction) is that minute plus its seconds.
    """

    def __init__(self) -> None:
        self.minutes: dict[str, int] = {}  # "2026-06-01T05:00:" -> its microseconds since the epoch

    def read(self, text: str | None) -> tuple[int, int] | None:
        if text is not None and text[-1:] == "Z":
            minute = self.minutes.get(text[:17])
            if minute is not None:
                into = _micros_into_minute(text[17:])
                if into is not None:
                    return minute + into, 0
        read = _gpx_time(text)
        if read is not None and read[1] == 0 and text and _minute_shaped(text[:17]):
            into = _micros_into_minute(text[17:])
            if into is not None:
                self.minutes[text[:17]] = read[0] - into
        return read


def _minute_shaped(head: str) -> bool:
    """ "2026-06-01T05:00:" of a time gpxpy read: each field then has two digits, so the seconds follow."""
    return len(head) == 17 and head[4] == head[7] == "-" and head[10] in "T " and head[13] == head[16] == ":"


def _micros_into_minute(tail: str) -> int | None:
    """The microseconds of "07Z" or "07.25Z" (1 to 15 digits, gpxpy keeps 6); None for any other shape."""
    seconds = SECONDS_MICROS.get(tail[:2])
    if seconds is None or tail[-1:] != "Z":
        return None
    if len(tail) == 3:
        return seconds
    fraction = tail[3:-1]
    if tail[2] != "." or not 1 <= len(fraction) <= 15 or not (fraction.isascii() and fraction.isdigit()):
        return None
    return seconds + int(fraction[:6].ljust(6, "0"))


def _gpx_time(text: str | None) -> tuple[int, int] | None:
    when = gpxpy.gpxfield.TIME_TYPE.from_string(text)  # type: ignore[arg-type]
    if when is None or not 1 < when.year < 9999:  # the first and last years: no room for a UTC offset
        return None
    try:
        utc_offset = when.utcoffset()
    except ValueError:  # a UTC offset of a day or more: not a time
        return None
    return (_aware(when) - EPOCH) // MICROSECOND, int(utc_offset.total_seconds()) if utc_offset else 0


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
    # The segments follow each other in time (`_outings`), each sorted: the samples are in order, as `add` wants them.
    micros = np.concatenate([np.frombuffer(segment.micros, dtype=np.int64) for segment in group])
    activity.time_s = ((micros - group[0].micros[0]) / 1e6).tolist()
    lat, lon, ele, hr, cad = (
        np.concatenate([np.frombuffer(getattr(segment, column), dtype=np.float64) for segment in group])
        for column in ("latitude", "longitude", "elevation_m", "heart_rate", "cadence")
    )
    placed = _in_range(lat, -90, 90) & _in_range(lon, -180, 180)  # as `Activity.add` takes them
    activity.latitude, activity.longitude = _listed(lat, placed), _listed(lon, placed)
    activity.elevation_m = _listed(ele, _in_range(ele, -1000, 10000))
    activity.heart_rate = _listed(hr, _in_range(hr, 1, 300), rounded=True)  # type: ignore[assignment]
    activity.cadence = _listed(cad, _in_range(cad, 1, 400), rounded=True)  # type: ignore[assignment]
    activity.distance_m = [None] * len(activity.time_s)
    _gpx_notes(activity, group)
    return activity


def _in_range(values: npt.NDArray[np.float64], low: float, high: float) -> npt.NDArray[np.bool_]:
    return (values >= low) & (values <= high)  # NaN is neither


def _listed(values: npt.NDArray[np.float64], kept: npt.NDArray[np.bool_], *, rounded: bool = False) -> list:
    """The values as a list, None where not `kept`; `rounded` to whole numbers (half to even, as `round`)."""
    if not kept.any():
        return [None] * len(kept)
    if rounded:
        values = np.rint(np.where(kept, values, 0.0)).astype(np.int64)
    listed = values.tolist()
    for k in np.flatnonzero(~kept).tolist():
        listed[k] = None
    return listed


def _gpx_notes(activity: Activity, group: list[_Segment]) -> None:
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


def _aware(value: datetime.datetime) -> datetime.datetime:
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def _parse_tcx(name: str, text: bytes) -> Activity:
    """The first <Activity> of a TCX file: the timed trackpoints of its laps, and the laps.

    Streamed: the C parser builds the tree a chunk of text at a time, calling no Python per element, and
    `_TcxReader` reads what each chunk completed and deletes it from the tree.
    """
    reader = _TcxReader(name)
    try:
        reader.read(text)
    except ET.ParseError as exc:
        raise ParseError(f"{name}: not a valid TCX file ({exc})") from None
    activity = reader.activity
    if not reader.seen_activity:
        raise ParseError(f"{name}: the TCX file has no Activity")
    if activity is None:
        raise ParseError(f"{name}: the TCX file has no timed trackpoints")
    if reader.unordered:
        activity.notes.append(_left_out(reader.unordered, "trackpoint", "earlier than the one before it"))
    if activity.spiked:
        activity.notes.append(_left_out(activity.spiked, "trackpoint", "with a time hours ahead of the rest"))
    activity.calories = int(reader.calories) or None
    return activity


# A trackpoint's fields, in the order of `Activity.add`'s values, each the text of its first child of that path.
TCX_POINT_FIELDS = (
    "Time",
    "Position/LatitudeDegrees",
    "Position/LongitudeDegrees",
    "AltitudeMeters",
    "HeartRateBpm/Value",
    "Cadence",
    "DistanceMeters",
)
TCX_LAP_FIELDS = ("TotalTimeSeconds", "DistanceMeters", "Calories")  # a lap's, each its first child's text
TCX_BATCH = 256  # trackpoints kept as text, then converted together (numpy) into the activity
# Elements outside trackpoints nested deeper than this make a TCX file refused (a TCX file nests about 10
# deep; libxml2's default limit is 256): the reader looks down the open elements after each chunk.
TCX_MAX_DEPTH = 256
# Bytes fed to the parser at a time: the tree of one chunk is in memory at once. At 16 KB a read takes
# what the parser target took before (tests/imports/test_parse_streaming.py), and no more time than 64 KB.
TCX_CHUNK = 16 * 1024
TAG_OF = operator.attrgetter("tag")


@dataclass(frozen=True)
class _TcxNames:
    """The qualified tags of a TCX file's namespace, made once per file."""

    kinds: dict[str, str]  # the tags of the structure: "activity", "lap"
    trackpoint: str
    fields: tuple[tuple[str, str], ...]  # each of TCX_POINT_FIELDS: (the trackpoint's child, that child's child or "")
    lap_fields: dict[str, int]  # a lap's child -> the index of its field in TCX_LAP_FIELDS

    @classmethod
    def of(cls, root: str) -> _TcxNames:
        ns = root[: root.index("}") + 1] if root.startswith("{") else ""
        fields = []
        for path in TCX_POINT_FIELDS:
            holder, _, tag = path.rpartition("/")
            fields.append((f"{ns}{holder}", f"{ns}{tag}") if holder else (f"{ns}{tag}", ""))
        return cls(
            {f"{ns}Activity": "activity", f"{ns}Lap": "lap"},
            f"{ns}Trackpoint",
            tuple(fields),
            {f"{ns}{tag}": index for index, tag in enumerate(TCX_LAP_FIELDS)},
        )


class _TcxReader:
    """What `_parse_tcx` has read so far: the first <Activity>'s sport and laps, and its trackpoints inside
    a lap, each the text of its fields (ElementTree's `.text`), read a batch at a time (`flush`).

    The C parser builds the tree of the text fed so far (`XMLPullParser`: its first event gives the root,
    the others are dropped unread). After each chunk, `_walk` reads the elements the chunk completed, in
    the document's order, each element's start and end as a parser target would see them, and deletes
    them from the tree. Still open may be the path of elements read into (`path`, the root first): each
    is its parent's first child (the ones before it were read and deleted), so one with a child after
    that has ended, and so has everything below it on the path. A trackpoint is taken whole when complete,
    its fields found by ElementTree's `find` in C.
    """

    def __init__(self, name: str) -> None:
        self.name, self.names = name, _TcxNames.of("")
        self.path: list[ET.Element] = []  # the elements started and maybe not ended, the root first
        self.points = self.unordered = self.laps_open = 0
        self.seen_activity, self.sport, self.calories = False, "", 0.0
        self.activity_element: ET.Element | None = None  # the first <Activity>, while it is read
        self.lap_element: ET.Element | None = None  # the <Lap> being read, whose fields are kept
        self.lap_start: str | None = None
        self.lap: list[str | None] = []  # the lap's texts (TCX_LAP_FIELDS), None: not seen
        # The texts of the fields (TCX_POINT_FIELDS) of the trackpoints of laps not yet added to the activity.
        self.batch: list[list[str | None]] = [[] for _ in TCX_POINT_FIELDS]
        self.activity: Activity | None = None
        self.origin = 0  # the activity's start, in microseconds since the epoch

    def read(self, text: bytes) -> None:
        """Parse `text` (UTF-8, fed as text: see `_feed`) into the activity; raises ET.ParseError."""
        # DOCTYPE and entities were refused before (`_xml_text`).
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start",))
        with _no_cycle_collection():
            try:
                for chunk in _utf8_chunks(text, TCX_CHUNK):
                    parser.feed(chunk)
                    self._drain(parser)
                    self._walk()
                parser.close()
                self._drain(parser)
            except ET.ParseError:
                self._walk()  # what came before the error is read, as a parser target would have read it
                raise
            self._walk(final=True)

    def _drain(self, parser: ET.XMLPullParser[ET.Element]) -> None:
        events = cast("Iterator[tuple[str, ET.Element]]", parser.read_events())  # start events only
        if not self.path:
            for _event, root in events:
                self.names = _TcxNames.of(root.tag)
                self.path.append(root)
                self._start(root)
                break
        collections.deque(events, maxlen=0)  # the others, unread (consumed in C): the tree holds their elements

    def _walk(self, final: bool = False) -> None:
        """Read what the text fed so far completed (all of it when `final`), deleting it from the tree."""
        path = self.path
        level = 0 if final else self._read_into()
        if level is None or not path:
            return
        complete_below = level - 1 if final else level  # the path below this level is complete
        for depth in range(len(path) - 1, complete_below, -1):  # the deepest first: the document's order
            element = path[depth]
            if element.tag == self.names.trackpoint:
                self._points([element])
                continue
            self._complete(element[1 if depth + 1 < len(path) else 0 :], element, depth + 2)
            self._end(element, path[depth - 1] if depth else None)
        if final:
            path.clear()
            return
        if len(path) > level + 1:
            del path[level + 1 :]
            del path[level][0]
        while len(path[-1]) and path[-1].tag != self.names.trackpoint:  # down the elements the chunk opened
            element = path[-1]
            *complete, last = element[:]
            self._complete(complete, element, len(path) + 1)
            del element[: len(complete)]
            if len(path) >= TCX_MAX_DEPTH:
                raise ParseError(self._too_deep())
            path.append(last)
            self._start(last)

    def _read_into(self) -> int | None:
        """The first element of the path that the last chunk added children to (None: none)."""
        path = self.path
        if not path:
            return None
        for level in range(len(path) - 1):
            if len(path[level]) > 1:
                return level
        bottom = path[-1]
        return len(path) - 1 if len(bottom) and bottom.tag != self.names.trackpoint else None

    def _complete(self, elements: list[ET.Element], parent: ET.Element, depth: int) -> None:
        """Read complete elements not read into before, children of `parent` at `depth` (the root's is 1)."""
        for element in self._unless_points(elements):
            if element.tag == self.names.trackpoint:
                self._points([element])
                continue
            if depth > TCX_MAX_DEPTH:
                raise ParseError(self._too_deep())
            self._start(element)
            stack = [(element, iter(self._unless_points(element[:])))]
            while stack:
                current, children = stack[-1]
                for child in children:
                    if child.tag == self.names.trackpoint:
                        self._points([child])
                        continue
                    if depth + len(stack) > TCX_MAX_DEPTH:
                        raise ParseError(self._too_deep())
                    self._start(child)
                    stack.append((child, iter(self._unless_points(child[:]))))
                    break
                else:
                    stack.pop()
                    self._end(current, stack[-1][0] if stack else parent)

    def _unless_points(self, elements: list[ET.Element]) -> list[ET.Element]:
        """`elements`, or none when all are trackpoints (a track's: the hot path), which are then read."""
        if list(map(TAG_OF, elements)).count(self.names.trackpoint) < len(elements):
            return elements
        self._points(elements)
        return []

    def _too_deep(self) -> str:
        return f"{self.name}: not a valid TCX file (elements nested more than {TCX_MAX_DEPTH} deep)"

    def _start(self, element: ET.Element) -> None:
        """An <Activity> or <Lap> starts (for any other element, nothing)."""
        kind = self.names.kinds.get(element.tag)
        if kind == "activity" and not self.seen_activity:
            self.seen_activity, self.activity_element = True, element
            self.sport = _sport(element.get("Sport"))
        elif kind == "lap" and self.activity_element is not None:
            self.laps_open += 1
            self.lap_element, self.lap_start, self.lap = element, element.get("StartTime"), [None] * 3

    def _end(self, element: ET.Element, parent: ET.Element | None) -> None:
        """An element other than a trackpoint ends (complete: its text is whole)."""
        if element is self.lap_element:
            self.lap_element = None
            self.laps_open -= 1
            self._add_lap()
        elif element is self.activity_element:
            self.activity_element = None
        elif parent is not None and parent is self.lap_element:
            slot = self.names.lap_fields.get(element.tag)
            if slot is not None and self.lap[slot] is None:  # the first of its tag only
                self.lap[slot] = element.text or ""

    def _points(self, elements: list[ET.Element]) -> None:
        """Trackpoints end: counted, and their fields kept for the activity when inside a lap of it."""
        self.points += len(elements)
        if self.points > MAX_POINTS_PER_FILE:
            raise ParseError(_too_many_points(self.name))
        if self.laps_open:
            for texts, (child, grandchild) in zip(self.batch, self.names.fields, strict=True):
                texts += _tcx_texts(elements, child, grandchild)
            while len(self.batch[0]) >= TCX_BATCH:
                self.flush(TCX_BATCH)

    def _add_lap(self) -> None:
        self.flush()  # the activity starts at its first timed point, which may be in this lap
        lap_start = _tcx_time(self.lap_start)
        # A device's garbage ("NaN", "inf", a negative time) is a missing value, as in a trackpoint.
        elapsed, distance, calories = (
            _number(text, 0, high) for text, high in zip(self.lap, (7 * 86_400, 10_000_000, 100_000), strict=True)
        )
        if self.activity is not None and lap_start is not None:
            self.activity.laps.append(
                {
                    "start_offset_s": (lap_start - self.activity.start).total_seconds(),
                    "elapsed_s": elapsed or 0.0,
                    "distance_m": distance or 0.0,
                }
            )
        self.calories += calories or 0.0

    def flush(self, count: int | None = None) -> None:
        """Add the batch's (first `count`) timed trackpoints to the activity (started by the first of them)."""
        times, *columns = (texts[:count] for texts in self.batch)
        if not times:
            return
        for texts in self.batch:
            del texts[:count]
        micros, timed = _tcx_micros(times)
        if not timed.any():
            return
        if self.activity is None:
            first = int(np.argmax(timed))
            self.activity = Activity(start=_tcx_time(times[first]), sport=self.sport)  # type: ignore[arg-type]
            self.origin = int(micros[first])
        values = [_tcx_numbers(column)[timed] for column in columns]
        self.unordered += self.activity.add_many(_seconds_between(self.origin, micros[timed]), *values)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The cyclic garbage collector paused (if it runs), then resumed.

    A TCX read makes and frees thousands of tree elements a chunk, which the collector tracks: left on,
    it ran about 25 young collections an import of the largest fixture and, every few imports, a full
    one over the whole worker (84-98 ms against a 30 ms import; docs/performance.md). A tree has no
    cycles (an element holds no link to its parent), so reference counting frees every element as it
    is deleted; nothing waits for the collector.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _tcx_texts(points: list[ET.Element], child: str, grandchild: str) -> list[str | None]:
    """Each point's text of its first `child`, or of the first `grandchild` of its `child`ren (None: none)."""
    if not grandchild:
        return [point.findtext(child) for point in points]
    holders = [point.find(child) for point in points]
    texts = [None if holder is None else holder.findtext(grandchild) for holder in holders]
    if texts.count(None) == holders.count(None):  # each holder has the field: the usual case
        return texts
    return [
        next((text for holder in point.findall(child) if (text := holder.findtext(grandchild)) is not None), None)
        for point in points
    ]


def _tcx_numbers(texts: Sequence[str | None]) -> npt.NDArray[np.float64]:
    """The texts as numbers (NaN: missing or not a number), as `float` reads each."""
    if texts.count(None) == len(texts):  # a field the file does not have
        return np.full(len(texts), np.nan)
    try:
        return np.array(texts, dtype=np.float64)  # numpy reads a str with `float`, and None as NaN
    except ValueError:
        return np.array([_float_or_nan(text) for text in texts], dtype=np.float64)


# A TCX time of the usual shape, without its UTC offset: numpy reads it as `datetime.fromisoformat` does.
TCX_TIME_SHAPE = r"(?!0000)[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
TCX_UTC_OFFSET = re.compile(r"(?:Z|[+-][0-9]{2}:[0-9]{2})?\Z")


def _tcx_micros(texts: Sequence[str | None]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Each time's microseconds since the epoch, and which texts are times, as `_tcx_time` reads them."""
    together = _tcx_micros_together(texts)
    if together is not None:
        return together, np.ones(len(texts), dtype=bool)
    read = [_tcx_time(text) for text in texts]
    micros = [0 if when is None else (when - EPOCH) // MICROSECOND for when in read]
    return np.array(micros, dtype=np.int64), np.array([when is not None for when in read], dtype=bool)


def _tcx_micros_together(texts: Sequence[str | None]) -> npt.NDArray[np.int64] | None:
    """`_tcx_micros` of times of the usual shape sharing one UTC offset, read by numpy; None for any others."""
    first = texts[0] or ""
    offset = TCX_UTC_OFFSET.search(first).group()  # type: ignore[union-attr]
    when = _tcx_time(first)
    strings = [text for text in texts if text]
    shape = re.compile(f"(?:{TCX_TIME_SHAPE}{re.escape(offset)}\n)*")
    if when is None or len(strings) < len(texts) or not shape.fullmatch("\n".join(strings) + "\n"):
        return None
    try:
        local = np.array([text[: len(text) - len(offset)] for text in strings], dtype="datetime64[us]")
    except ValueError:  # a day, hour or second out of range
        return None
    return local.astype(np.int64) - when.utcoffset() // MICROSECOND  # type: ignore[operator]


def _seconds_between(origin: int, micros: npt.NDArray[np.int64]) -> list[float]:
    """Seconds from `origin` to each time (all in microseconds), as `timedelta.total_seconds` gives them."""
    elapsed = micros - origin
    if len(elapsed) and np.abs(elapsed).max() >= 2**53:  # beyond a double's exact integers: as Python divides
        return [int(value) / 1_000_000 for value in elapsed.tolist()]
    return (elapsed / 1e6).tolist()


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
    last: float = 0.0  # the offset of the last record kept (the activity's last sample, once `flush`ed)
    batch: list[tuple] = field(default_factory=list)  # records in time order, not yet in the activity
    file_start: int = 0  # where the FIT file being read starts in the data (a stream may chain several)

    def take(self, offset: float, lat: object, lon: object, *values: object) -> None:
        """Add a record `offset` seconds from the start (lat, lon in semicircles; ele, hr, cad, dist)."""
        if offset >= self.last:  # in time order (the usual): kept for `flush`, as `Activity.add_at` would take it
            self.batch.append((offset, lat, lon, *values))
            self.last = offset
            if len(self.batch) >= FIT_BATCH:
                self.flush()
            return
        self.flush()
        activity = self.activity
        added = activity.add_at(offset, _degrees(lat), _degrees(lon), *values)  # type: ignore[union-attr]
        self.unordered += not added
        self.last = activity.time_s[-1]  # type: ignore[union-attr]

    def flush(self) -> None:
        if self.batch and self.activity is not None:
            offsets, lat, lon, *values = zip(*self.batch, strict=True)
            positions = (_fit_numbers(column, semicircles=True) for column in (lat, lon))
            self.activity.add_many(list(offsets), *positions, *(_fit_numbers(column) for column in values))
        self.batch = []


FIT_BATCH = 1024  # records read before they are converted together (numpy) into the activity


def _degrees(semicircles: object) -> float | None:
    return semicircles * SEMICIRCLE_TO_DEGREES if isinstance(semicircles, int | float) else None


def _fit_numbers(values: Sequence[object], *, semicircles: bool = False) -> npt.NDArray[np.float64]:
    """The values as `_number` reads them, or as positions in degrees (`_degrees`); NaN: missing."""
    if set(map(type, values)) <= {int, float, type(None)}:  # the usual: numpy reads these as `float` does
        numbers = np.array(values, dtype=np.float64)
        return numbers * SEMICIRCLE_TO_DEGREES if semicircles else numbers
    read = [_degrees(value) if semicircles else _number(value, -math.inf, math.inf) for value in values]
    return np.array([math.nan if value is None else value for value in read], dtype=np.float64)


class _RelativeTimes(ParseError):
    """The records are dated in seconds since the watch was switched on, not by the calendar."""


def _local_clock_base(data: bytes) -> datetime.datetime | None:
    """The watch's local wall-clock time at its relative time 0, from the `activity` message (its `timestamp` in
    relative seconds and `local_timestamp`, the local time then), labelled UTC; None when the file has no such pair.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.DISABLED) as reader:
                for frame in reader:
                    if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "activity":
                        relative = frame.get_value("timestamp", fallback=None)
                        local = frame.get_value("local_timestamp", fallback=None)
                        if isinstance(relative, int) and isinstance(local, datetime.datetime):
                            return _aware(local).replace(tzinfo=datetime.UTC) - datetime.timedelta(seconds=relative)
        except Exception:  # noqa: BLE001 - a damaged file: the reading proper says what is wrong with it
            return None
    return None


def _parse_fit(name: str, data: bytes) -> list[Activity]:
    try:
        return _parse_fit_with(name, data, _FitProcessor())
    except _RelativeTimes:
        base = _local_clock_base(data)
        if base is None:
            raise ParseError(
                f"{name}: the FIT file has relative timestamps only, and no local time to date them by"
            ) from None
    activities = _parse_fit_with(name, data, _FitProcessor(relative_base=base))
    for activity in activities:
        activity.local_clock = True
    return activities


def _parse_fit_with(name: str, data: bytes, processor: _FitProcessor) -> list[Activity]:
    reading = _FitReading()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fitdecode warns about devices' harmless quirks
            # A checksum that does not match is noted, not fatal, when the data read well. fitdecode's own
            # check is off: it adds up the bytes in Python a few at a time, a fifth of the read (`_fit_crc`).
            with fitdecode.FitReader(
                io.BytesIO(data), processor=processor, check_crc=fitdecode.CrcCheck.DISABLED
            ) as reader:
                _read_fit_frames(name, reader, reading, data)
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
    reading.flush()
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


class _FitProcessor(fitdecode.DefaultDataProcessor):
    """fitdecode's default conversions (dates, booleans, times of day), found by a dictionary of the field's
    type: the default looks a method up by name three times per field, a fifth of the read's time."""

    def __init__(self, relative_base: datetime.datetime | None = None) -> None:
        super().__init__()
        self.relative_base = relative_base
        self.by_type = {
            "bool": self.process_type_bool,
            "date_time": self._date_time,
            "local_date_time": self.process_type_local_date_time,
            "localtime_into_day": self.process_type_localtime_into_day,
        }

    def on_process_type(self, reader: fitdecode.FitReader, field_data: fitdecode.FieldData) -> None:
        field = field_data.field  # `field_data.type`, without the property's call
        convert = self.by_type.get((field.type if field else field_data.base_type).name)
        if convert is not None:
            convert(reader, field_data)

    def _date_time(self, reader: fitdecode.FitReader, field_data: fitdecode.FieldData) -> None:
        """A date; a time below 0x10000000 (seconds since the watch was switched on) is dated from the watch's
        local clock when it is known (`relative_base`), else left a number."""
        self.process_type_date_time(reader, field_data)
        value = field_data.value
        if self.relative_base is not None and isinstance(value, int) and value >= 0:
            field_data.value = self.relative_base + datetime.timedelta(seconds=value)

    def on_process_field(self, reader: fitdecode.FitReader, field_data: fitdecode.FieldData) -> None:
        pass  # the default has no conversion by field name

    def on_process_unit(self, reader: fitdecode.FitReader, field_data: fitdecode.FieldData) -> None:
        pass  # nor by unit


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


def _read_fit_frames(name: str, reader: fitdecode.FitReader, reading: _FitReading, data: bytes) -> None:
    for frame in reader:
        if isinstance(frame, fitdecode.FitDataMessage):
            kind = frame.name
            if kind == "record":
                reading.records += 1
                if reading.records > MAX_POINTS_PER_FILE:
                    raise ParseError(_too_many_points(name))
                if not _fit_record(name, frame, reading):
                    return
            elif kind == "session":
                reading.session = {f.name: f.value for f in frame.fields}
                reading.sessions.append(reading.session)
            elif kind == "lap":
                reading.laps.append({f.name: f.value for f in frame.fields})
            elif kind == "sport":
                reading.sport = {f.name: f.value for f in frame.fields}
        elif isinstance(frame, fitdecode.FitHeader):
            reading.checksum_matches &= frame.crc_matched is not False
            header = frame
        elif isinstance(frame, fitdecode.FitCRC):
            end = reading.file_start + header.header_size + header.body_size
            reading.checksum_matches &= _fit_crc(data[reading.file_start : end]) == frame.crc
            reading.file_start = end + 2  # past the checksum: the next FIT file of the stream, if any


def _fit_crc_table() -> list[int]:
    """FIT's CRC-16 of each byte value (the FIT SDK's nibble-wise update, done for both nibbles)."""
    nibbles = [0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401]
    nibbles += [0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400]
    table = []
    for byte in range(256):
        crc = 0
        for nibble in (byte & 0xF, byte >> 4):
            crc = nibbles[crc & 0xF] ^ ((crc >> 4) & 0x0FFF) ^ nibbles[nibble]
        table.append(crc)
    return table


FIT_CRC_TABLE = _fit_crc_table()


def _fit_crc(data: bytes) -> int:
    """The FIT checksum of `data` (as fitdecode computes it), a byte at a time."""
    crc, table = 0, FIT_CRC_TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


def _fit_record(name: str, frame: fitdecode.FitDataMessage, reading: _FitReading) -> bool:
    """Add one record to the reading; False when the record is damage and reading must stop."""
    values = _fit_values(frame)
    when = values.get("timestamp")
    activity = reading.activity
    if not isinstance(when, datetime.datetime):
        if activity is None:
            # Timestamps below 0x10000000 are seconds since power-on, not dates (`_parse_fit` dates them).
            raise _RelativeTimes(f"{name}: the FIT file has relative timestamps only")
        reading.undated += 1
        return True
    when = _aware(when)
    if activity is None:
        activity = reading.activity = Activity(start=when)
    elif (
        when < activity.start or when - activity.start > datetime.timedelta(seconds=reading.last) + FIT_MAX_RECORD_JUMP
    ):
        reading.damage = f"a record is dated {when:%Y-%m-%d %H:%M:%S}"
        return False
    ele = values.get("enhanced_altitude")
    if ele is None:
        ele = values.get("altitude")
    reading.take(
        (when - activity.start).total_seconds(),
        values.get("position_lat"),
        values.get("position_long"),
        ele,
        values.get("heart_rate"),
        values.get("cadence"),
        values.get("distance"),
    )
    return True


FIT_RECORD_FIELDS = frozenset(
    (
        "timestamp",
        "position_lat",
        "position_long",
        "enhanced_altitude",
        "altitude",
        "heart_rate",
        "cadence",
        "distance",
    )
)


def _fit_values(frame: fitdecode.FitDataMessage) -> dict[str, Any]:
    """The record's FIT_RECORD_FIELDS, each the value of its first field, as `frame.get_value(name)` finds it (a
    field answers to its own name and, being a subfield or a component, its parent's) in one pass over the fields."""
    values: dict[str, Any] = {}
    for field_data in frame.fields:
        for named in (field_data.field, field_data.parent_field):
            if named and named.name in FIT_RECORD_FIELDS and named.name not in values:
                values[named.name] = field_data.value
    return values


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
