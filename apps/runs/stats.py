"""What a run's numbers are, computed once from its samples. Pure functions: no Django, no I/O.

The stored samples are never changed. Best efforts, splits and the climb are computed on cleaned
copies: a position a body could not have reached in the time (a GPS teleport, a car drive inside a
walk, a jump while standing still) adds no distance, and an altitude step faster than anyone climbs
(a barometer settling at the start) adds no climb. The thresholds and their sources are in
docs/decisions/0017-cleaned-streams-per-sport-family.md.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polyline as polyline_codec

from apps.runs.interface import contracts
from project.geo import haversine_m, haversine_m_arrays
from project.units import METRES_PER_MILE

MOVING_SPEED_M_S = contracts.MOVING_SPEED_M_S
MAX_SAMPLE_GAP_S = contracts.MAX_SAMPLE_GAP_S
ELEVATION_HYSTERESIS_M = 3.0  # climbs and descents smaller than this are GPS noise
POLYLINE_MAX_POINTS = 400

MAX_CLIMB_RATE_M_S = 5.0  # an altitude step faster than this is the sensor, not the runner
SETTLING_TAIL_RATE_M_S = 1.0  # right after such a step, steps this fast the same way are its tail
SETTLING_WINDOW_S = 300.0  # a barometer settles in the first minutes after it is switched on
GLITCH_LOOKAHEAD_S = 60.0  # a track back within reach after this long (or this many points) was a glitch
GLITCH_LOOKAHEAD_POINTS = 20
MIN_SAMPLE_S = 1.0  # files keep whole seconds: two samples are at least this far apart in truth

# Standard distances per family: best efforts and records exist for these only.
BEST_EFFORT_DISTANCES: dict[str, dict[str, float]] = {
    "running": {
        "400m": 400.0,
        "1k": 1000.0,
        "1mi": METRES_PER_MILE,
        "5k": 5000.0,
        "10k": 10000.0,
        "half": 21097.5,
        "marathon": 42195.0,
    },
    "walking": {"1k": 1000.0, "5k": 5000.0, "10k": 10000.0, "half": 21097.5, "marathon": 42195.0},
    "cycling": {"10k": 10000.0, "20k": 20000.0, "40k": 40000.0, "100k": 100000.0},
    "other": {},
}
SPLIT_FAMILIES = ("running", "walking")
Floats = (
    Sequence[float] | npt.NDArray[np.float64]
)  # a distance stream, as a list or as the array computed here  # splits per kilometre; a ride's are meaningless


def cumulative_distance(latitude: Sequence[float | None], longitude: Sequence[float | None]) -> list[float]:
    """Distance from the start at each sample; a sample without a position adds nothing."""
    return _Track.of(latitude, longitude).cumulative().tolist()


@dataclass(frozen=True)
class _Track:
    """The samples with a position, and the great-circle metres of each leg between two of them (measured once)."""

    size: int  # samples, with or without a position
    placed: npt.NDArray[np.intp]
    legs: npt.NDArray[np.float64]

    @classmethod
    def of(cls, latitude: Sequence[float | None], longitude: Sequence[float | None]) -> _Track:
        lat, lon = _floats(latitude), _floats(longitude)
        placed = np.flatnonzero(~(np.isnan(lat) | np.isnan(lon)))
        lat, lon = lat[placed], lon[placed]
        return cls(len(latitude), placed, haversine_m_arrays(lat[:-1], lon[:-1], lat[1:], lon[1:]))

    def cumulative(self, steps: npt.NDArray[np.float64] | None = None) -> npt.NDArray[np.float64]:
        """The running total at each sample of `steps` (one per placed sample; by default the legs)."""
        if steps is None:
            steps = np.concatenate(([0.0], self.legs)) if len(self.placed) else np.zeros(0)
        per_sample = np.zeros(self.size)
        per_sample[self.placed] = steps
        return np.cumsum(per_sample)  # in order, as a loop adds them


def _floats(values: Sequence[float | None]) -> npt.NDArray[np.float64]:
    return np.array(values, dtype=np.float64)  # None is NaN


def cleaned_distance(
    time_s: Sequence[float],
    latitude: Sequence[float | None],
    longitude: Sequence[float | None],
    *,
    max_speed: float,
) -> list[float]:
    """Distance from the start at each sample, counting only moves a body could make.

    A position farther from the last kept one than `max_speed` allows is skipped when a later
    position (within GLITCH_LOOKAHEAD_S and GLITCH_LOOKAHEAD_POINTS) is within reach of the last
    kept one: a spike, or a stretch of drift, is replaced by the straight line to where the track
    resumes, covered at an even speed. When no position comes within reach (a drive inside a
    walk), the track is followed but its moves add nothing.
    """
    track = _Track.of(latitude, longitude)
    return _cleaned_track(time_s, latitude, longitude, track, max_speed=max_speed).tolist()


def _cleaned_track(
    time_s: Sequence[float],
    latitude: Sequence[float | None],
    longitude: Sequence[float | None],
    track: _Track,
    *,
    max_speed: float,
) -> npt.NDArray[np.float64]:
    """`cleaned_distance` of `track`: the legs within reach add up at once; each one out of reach is
    looked at alone (`_resume`), the skipped samples then spread along the straight line to where it resumes."""
    t = np.asarray(time_s, dtype=np.float64)
    placed, steps = track.placed, np.concatenate(([0.0], track.legs)) if len(track.placed) else np.zeros(0)
    within = track.legs <= max_speed * np.maximum(np.diff(t[placed]), MIN_SAMPLE_S)
    bridges, settled = [], 0  # legs up to `settled` are counted
    for k in (np.flatnonzero(~within) + 1).tolist():
        if k <= settled:
            continue
        anchor, first = int(placed[k - 1]), int(placed[k])
        resume = _resume(time_s, latitude, longitude, anchor, first, max_speed)
        if resume is None:  # followed, adding nothing
            steps[k], settled = 0.0, k
            continue
        settled = int(np.searchsorted(placed, resume))
        steps[k:settled] = 0.0
        steps[settled] = _reachable(time_s, latitude, longitude, anchor, resume, max_speed) or 0.0
        bridges.append((first, resume, anchor, float(steps[settled])))
    out = track.cumulative(steps)
    for first, resume, anchor, bridge in bridges:
        span = (time_s[resume] - time_s[anchor]) or 1.0
        out[first:resume] = out[anchor] + bridge * (t[first:resume] - time_s[anchor]) / span
    return out


def _reachable(
    time_s: Sequence[float],
    latitude: Sequence[float | None],
    longitude: Sequence[float | None],
    a: int,
    b: int,
    max_speed: float,
) -> float | None:
    """The metres from sample a to b when a body could cover them in the time between; else None."""
    step = haversine_m(latitude[a], longitude[a], latitude[b], longitude[b])  # type: ignore[arg-type]
    return step if step <= max_speed * max(time_s[b] - time_s[a], MIN_SAMPLE_S) else None


def _resume(
    time_s: Sequence[float],
    latitude: Sequence[float | None],
    longitude: Sequence[float | None],
    anchor: int,
    first: int,
    max_speed: float,
) -> int | None:
    """The first positioned sample after `first`, within the lookahead, that is within reach of `anchor`."""
    for k in range(first + 1, len(time_s)):
        if k - first > GLITCH_LOOKAHEAD_POINTS or time_s[k] - time_s[first] > GLITCH_LOOKAHEAD_S:
            return None
        placed = latitude[k] is not None and longitude[k] is not None
        if placed and _reachable(time_s, latitude, longitude, anchor, k, max_speed) is not None:
            return k
    return None


def cleaned_counter(time_s: Sequence[float], distance_m: Sequence[float | None], *, max_speed: float) -> list[float]:
    """A device's cumulative distance counting only its moves forward no faster than `max_speed`.

    Each reading is measured from the last one accepted: a spike (or a dip) is passed over and
    the distance resumes where the counter comes back. A counter that moves on plausibly from a
    new level for GLITCH_LOOKAHEAD_POINTS readings (a jump it keeps, a reset) is followed from
    there: the jump adds nothing, the moves after it count.
    """
    out, total = [], 0.0
    base: tuple[float, float] | None = None  # (reading, time) last accepted
    level: tuple[float, float] | None = None  # where the counter went instead, and since when
    streak = 0

    def reachable(origin: tuple[float, float], value: float, when: float) -> bool:
        return 0 <= value - origin[0] <= max_speed * max(when - origin[1], MIN_SAMPLE_S)

    for k, value in enumerate(distance_m):
        if value is not None:
            when = time_s[k]
            if base is None or reachable(base, value, when):
                total += value - base[0] if base is not None else 0.0
                base, level, streak = (value, when), None, 0
            elif level is not None and reachable(level, value, when):
                streak += 1
                if streak >= GLITCH_LOOKAHEAD_POINTS:
                    total += value - level[0]
                    base, level, streak = (value, when), None, 0
            else:
                level, streak = (value, when), 0
        out.append(total)
    return out


def settled_elevation(time_s: Sequence[float], elevation_m: Sequence[float | None]) -> list[float | None]:
    """Altitudes without the sensor's jumps: steps faster than MAX_CLIMB_RATE_M_S.

    In the first SETTLING_WINDOW_S a barometer settles: each such step is taken out with its tail
    (the following steps the same way faster than SETTLING_TAIL_RATE_M_S). Later, a jump whose way
    back (within GLITCH_LOOKAHEAD_S) is a fast step too is a spike and its samples are left out, as
    is a jump with no sample after it; a jump that stays is kept (the sensor correcting a drift).
    The last altitude is kept; the earlier ones move.
    """
    if not _has_fast_step(time_s, elevation_m):
        return list(elevation_m)  # nothing to take out (the common case): as the walk below would leave it
    n = len(elevation_m)
    out: list[float | None] = [None] * n
    offset, previous, settling = 0.0, None, 0.0
    first = time_s[0] if n else 0.0

    def fast(a: int, b: int) -> bool:
        rate = (elevation_m[b] - elevation_m[a]) / max(time_s[b] - time_s[a], MIN_SAMPLE_S)  # type: ignore[operator]
        return abs(rate) > MAX_CLIMB_RATE_M_S

    def way_back(k: int, level: float, step: float) -> int | None:
        """The first sample after k, within GLITCH_LOOKAHEAD_S, back near `level` by a fast step."""
        last = k
        for m in range(k + 1, n):
            if time_s[m] - time_s[k] > GLITCH_LOOKAHEAD_S:
                return None
            if elevation_m[m] is None:
                continue
            if abs(elevation_m[m] - level) <= abs(step) / 2 and fast(last, m):  # type: ignore[operator]
                return m
            last = m
        return n if k == final else None

    final = max((m for m in range(n) if elevation_m[m] is not None), default=-1)  # no sample after it
    k = 0
    while k < n:
        value = elevation_m[k]
        if value is None:
            k += 1
            continue
        if previous is not None:
            before = elevation_m[previous]
            step = value - before  # type: ignore[operator]
            rate = step / max(time_s[k] - time_s[previous], MIN_SAMPLE_S)
            is_fast = abs(rate) > MAX_CLIMB_RATE_M_S
            if time_s[previous] - first <= SETTLING_WINDOW_S and (
                is_fast or (rate * settling > 0 and abs(rate) > SETTLING_TAIL_RATE_M_S)
            ):
                offset -= step
                settling = rate
            else:
                settling = 0.0
                back = way_back(k, before, step) if is_fast else None  # type: ignore[arg-type]
                if back is not None:
                    k = back  # a spike: its samples stay None
                    continue
        out[k] = value + offset
        previous = k
        k += 1
    return [None if value is None else value - offset for value in out]


def _has_fast_step(time_s: Sequence[float], elevation_m: Sequence[float | None]) -> bool:
    """Whether any altitude step (between two known altitudes) is faster than MAX_CLIMB_RATE_M_S."""
    elevation = _floats(elevation_m)
    known = np.flatnonzero(~np.isnan(elevation))
    seconds = np.maximum(np.diff(np.asarray(time_s, dtype=np.float64)[known]), MIN_SAMPLE_S)
    return bool(np.any(np.abs(np.diff(elevation[known]) / seconds) > MAX_CLIMB_RATE_M_S))


def forward_filled(values: Sequence[float | None]) -> list[float] | None:
    """The device's cumulative distance with gaps filled from the last known value."""
    out, last = [], None
    for value in values:
        if value is not None:
            last = value
        out.append(last if last is not None else 0.0)
    return out if last is not None else None


def moving_time(time_s: Sequence[float], distance_m: Floats) -> float:
    """The seconds of the legs no longer than MAX_SAMPLE_GAP_S covered at MOVING_SPEED_M_S or more."""
    seconds, metres = np.diff(np.asarray(time_s, dtype=np.float64)), np.diff(np.asarray(distance_m, dtype=np.float64))
    timed = (seconds > 0) & (seconds <= MAX_SAMPLE_GAP_S)
    moving = seconds[timed][metres[timed] / seconds[timed] >= MOVING_SPEED_M_S]
    return float(np.cumsum(moving)[-1]) if len(moving) else 0.0  # added in order, as a loop adds them


def elevation_change(elevation_m: Sequence[float | None]) -> tuple[float, float] | None:
    """Gain and loss, counting only changes of at least ELEVATION_HYSTERESIS_M from the last turning point."""
    points = [value for value in elevation_m if value is not None]
    if len(points) < 2:
        return None
    gain = loss = 0.0
    anchor = points[0]
    for value in points[1:]:
        if value - anchor >= ELEVATION_HYSTERESIS_M:
            gain += value - anchor
            anchor = value
        elif anchor - value >= ELEVATION_HYSTERESIS_M:
            loss += anchor - value
            anchor = value
    return gain, loss


def time_at_distance(target: float, time_s: Sequence[float], distance_m: Sequence[float]) -> float:
    """The time at which the cumulative distance reaches `target`, interpolated between samples."""
    j = bisect.bisect_left(distance_m, target)
    if j == 0:
        return time_s[0]
    if j >= len(distance_m):
        return time_s[-1]
    d0, d1 = distance_m[j - 1], distance_m[j]
    if d1 == d0:
        return time_s[j]
    return time_s[j - 1] + (time_s[j] - time_s[j - 1]) * (target - d0) / (d1 - d0)


def splits(
    time_s: Sequence[float], distance_m: Sequence[float], elevation_m: Sequence[float | None] | None = None
) -> list[dict[str, float | int | None]]:
    """One entry per full kilometre, and one for the rest when it is at least 50 m."""
    total = distance_m[-1] if distance_m else 0.0
    out: list[dict[str, float | int | None]] = []
    boundaries = [float(km * 1000) for km in range(1, int(total // 1000) + 1)]
    if total - (boundaries[-1] if boundaries else 0.0) >= 50:
        boundaries.append(total)
    start_distance, start_time = 0.0, time_s[0] if time_s else 0.0
    for index, boundary in enumerate(boundaries, start=1):
        end_time = time_at_distance(boundary, time_s, distance_m)
        out.append(
            {
                "index": index,
                "distance_m": round(boundary - start_distance, 1),
                "elapsed_s": round(end_time - start_time, 1),
                "elevation_change_m": _elevation_between(start_distance, boundary, distance_m, elevation_m),
            }
        )
        start_distance, start_time = boundary, end_time
    return out


def _elevation_between(
    start: float, end: float, distance_m: Sequence[float], elevation_m: Sequence[float | None] | None
) -> float | None:
    if not elevation_m:
        return None
    i = min(bisect.bisect_left(distance_m, start), len(distance_m) - 1)
    j = min(bisect.bisect_left(distance_m, end), len(distance_m) - 1)
    first, last = elevation_m[i], elevation_m[j]
    return round(last - first, 1) if first is not None and last is not None else None


def best_efforts(
    time_s: Sequence[float], distance_m: Floats, distances: dict[str, float]
) -> list[dict[str, float | str]]:
    """The fastest stretch of each standard distance inside the run.

    A window ends at every sample; its start is interpolated at exactly `distance` before that
    sample, so a stretch that begins between two samples is measured exactly when the pace
    between them is even. The distance never decreases, so each window's start is found by a binary search.
    """
    out: list[dict[str, float | str]] = []
    t, d = np.asarray(time_s, dtype=np.float64), np.asarray(distance_m, dtype=np.float64)
    total = float(d[-1]) if len(d) else 0.0
    for key, target in distances.items():
        if total < target:
            break
        found = _best_window(t, d, target)
        if found is not None:
            elapsed, start = found
            out.append(
                {"distance_key": key, "distance_m": target, "elapsed_s": round(elapsed, 3), "start_offset_s": start}
            )
    return out


def _best_window(t: npt.NDArray[np.float64], d: npt.NDArray[np.float64], target: float) -> tuple[float, float] | None:
    """(elapsed, start offset) of the fastest window of `target` metres ending at a sample, the first of equals."""
    ends = np.flatnonzero(d - target >= 0)
    if not len(ends):
        return None
    start_distance = d[ends] - target
    # The window starts between sample i (the last at or before its start, before its end) and i + 1.
    i = np.maximum(np.minimum(ends - 1, np.searchsorted(d, start_distance, side="right") - 1), 0)
    after = np.minimum(i + 1, ends)
    d0, d1, t0, t1 = d[i], d[after], t[i], t[after]
    even = d1 == d0
    start = np.where(even, t0, t0 + (t1 - t0) * (start_distance - d0) / np.where(even, 1.0, d1 - d0))
    elapsed = t[ends] - start
    best = int(np.argmin(elapsed))
    return float(elapsed[best]), float(start[best] - t[0])


def encoded_polyline(latitude: Sequence[float | None], longitude: Sequence[float | None]) -> str:
    """The track thinned to about POLYLINE_MAX_POINTS positions (every step-th, and the last), encoded."""
    lat, lon = _floats(latitude), _floats(longitude)
    placed = np.flatnonzero(~(np.isnan(lat) | np.isnan(lon)))
    if len(placed) < 2:
        return ""
    kept = placed[:: max(1, math.ceil(len(placed) / POLYLINE_MAX_POINTS))].tolist()
    last = int(placed[-1])
    if (lat[kept[-1]], lon[kept[-1]]) != (lat[last], lon[last]):
        kept.append(last)
    return polyline_codec.encode(list(zip(lat[kept].tolist(), lon[kept].tolist(), strict=True)), 5)


@dataclass
class ComputedStats:
    elapsed_s: float
    moving_s: float
    distance_m: float
    elevation_gain_m: float | None = None
    elevation_loss_m: float | None = None
    average_heart_rate: int | None = None
    max_heart_rate: int | None = None
    average_cadence: float | None = None
    splits: list[dict[str, float | int | None]] = field(default_factory=list)
    best_efforts: list[dict[str, float | str]] = field(default_factory=list)
    polyline: str = ""


def _mean(values: Sequence[int | None] | None, *, positive: bool = True) -> float | None:
    usable = [v for v in values or () if v is not None and (v > 0 or not positive)]
    return sum(usable) / len(usable) if usable else None


def has_track(latitude: Sequence[float | None] | None, longitude: Sequence[float | None] | None) -> bool:
    return bool(latitude and longitude and sum(1 for v in latitude if v is not None) >= 2)


def distance_along(
    time_s: Sequence[float],
    latitude: Sequence[float | None] | None,
    longitude: Sequence[float | None] | None,
    device_distance_m: Sequence[float | None] | None,
    *,
    family: str,
) -> tuple[list[float], list[float]]:
    """(cleaned, raw) distance from the start at each sample: from the track, else the device's counter.

    The cleaned one counts no move faster than the family's limit (contracts.MAX_SPEED_M_S); the raw
    one is what moving time is measured on.
    """
    cleaned, raw = _distances(time_s, latitude, longitude, device_distance_m, family=family)
    return cleaned.tolist(), raw.tolist()


def _distances(
    time_s: Sequence[float],
    latitude: Sequence[float | None] | None,
    longitude: Sequence[float | None] | None,
    device_distance_m: Sequence[float | None] | None,
    *,
    family: str,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """`distance_along` as arrays, the track's legs measured once for both."""
    max_speed = contracts.MAX_SPEED_M_S[contracts.Family(family)]
    if has_track(latitude, longitude):
        track = _Track.of(latitude, longitude)  # type: ignore[arg-type]
        cleaned = _cleaned_track(time_s, latitude, longitude, track, max_speed=max_speed)  # type: ignore[arg-type]
        return cleaned, track.cumulative()
    raw = forward_filled(device_distance_m or []) or [0.0] * len(time_s)
    cleaned_list = cleaned_counter(time_s, device_distance_m or raw, max_speed=max_speed)
    return np.array(cleaned_list, dtype=np.float64), np.array(raw, dtype=np.float64)


def compute(
    *,
    time_s: Sequence[float],
    latitude: Sequence[float | None] | None = None,
    longitude: Sequence[float | None] | None = None,
    elevation_m: Sequence[float | None] | None = None,
    heart_rate: Sequence[int | None] | None = None,
    cadence: Sequence[int | None] | None = None,
    device_distance_m: Sequence[float | None] | None = None,
    family: str = "running",
) -> ComputedStats:
    """Every stat of a recording of a sport of `family`.

    Distance comes from the track, else from the device's own counter, without the moves faster
    than the family allows; so do the splits and best efforts. Moving time counts the raw samples.
    """
    distance, raw = _distances(time_s, latitude, longitude, device_distance_m, family=family)
    settled = settled_elevation(time_s, elevation_m) if elevation_m else None
    elevation = elevation_change(settled) if settled else None
    heart_rates = [v for v in heart_rate or () if v]
    average_hr = _mean(heart_rate)
    average_cadence = _mean(cadence)
    return ComputedStats(
        elapsed_s=(time_s[-1] - time_s[0]) if time_s else 0.0,
        moving_s=moving_time(time_s, raw),
        distance_m=float(distance[-1]) if len(distance) else 0.0,
        elevation_gain_m=round(elevation[0], 1) if elevation else None,
        elevation_loss_m=round(elevation[1], 1) if elevation else None,
        average_heart_rate=round(average_hr) if average_hr else None,
        max_heart_rate=max(heart_rates) if heart_rates else None,
        average_cadence=round(average_cadence, 1) if average_cadence else None,
        splits=splits(time_s, distance.tolist(), settled) if family in SPLIT_FAMILIES else [],
        best_efforts=best_efforts(time_s, distance, BEST_EFFORT_DISTANCES[family]),
        polyline=encoded_polyline(latitude, longitude) if has_track(latitude, longitude) else "",  # type: ignore[arg-type]
    )
