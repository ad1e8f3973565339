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

import polyline as polyline_codec

from apps.runs.interface import contracts
from project.geo import haversine_m
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
SPLIT_FAMILIES = ("running", "walking")  # splits per kilometre; a ride's are meaningless


def cumulative_distance(latitude: Sequence[float | None], longitude: Sequence[float | None]) -> list[float]:
    """Distance from the start at each sample; a sample without a position adds nothing."""
    total, out = 0.0, []
    previous: tuple[float, float] | None = None
    for lat, lon in zip(latitude, longitude, strict=True):
        if lat is not None and lon is not None:
            if previous is not None:
                total += haversine_m(previous[0], previous[1], lat, lon)
            previous = (lat, lon)
        out.append(total)
    return out


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
    n = len(time_s)
    out = [0.0] * n
    total, anchor = 0.0, None

    def positioned(k: int) -> bool:
        return latitude[k] is not None and longitude[k] is not None

    def reachable(a: int, b: int) -> float | None:
        """The distance from a to b when a body could cover it in the time, else None."""
        step = haversine_m(latitude[a], longitude[a], latitude[b], longitude[b])  # type: ignore[arg-type]
        return step if step <= max_speed * max(time_s[b] - time_s[a], MIN_SAMPLE_S) else None

    i = 0
    while i < n:
        if not positioned(i):
            out[i] = total
            i += 1
            continue
        step = reachable(anchor, i) if anchor is not None else 0.0
        if step is None:
            resume = None
            for k in range(i + 1, n):
                if k - i > GLITCH_LOOKAHEAD_POINTS or time_s[k] - time_s[i] > GLITCH_LOOKAHEAD_S:
                    break
                if positioned(k) and reachable(anchor, k) is not None:  # type: ignore[arg-type]
                    resume = k
                    break
            if resume is not None:
                # The skipped samples get the straight line to `resume`, spread over their times.
                bridge = reachable(anchor, resume) or 0.0  # type: ignore[arg-type]
                span = (time_s[resume] - time_s[anchor]) or 1.0  # type: ignore[index]
                for k in range(i, resume):
                    out[k] = total + bridge * (time_s[k] - time_s[anchor]) / span  # type: ignore[index]
                i = resume
                continue
            step = 0.0
        total += step
        anchor = i
        out[i] = total
        i += 1
    return out


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


def forward_filled(values: Sequence[float | None]) -> list[float] | None:
    """The device's cumulative distance with gaps filled from the last known value."""
    out, last = [], None
    for value in values:
        if value is not None:
            last = value
        out.append(last if last is not None else 0.0)
    return out if last is not None else None


def moving_time(time_s: Sequence[float], distance_m: Sequence[float]) -> float:
    moving = 0.0
    for i in range(1, len(time_s)):
        dt = time_s[i] - time_s[i - 1]
        if 0 < dt <= MAX_SAMPLE_GAP_S and (distance_m[i] - distance_m[i - 1]) / dt >= MOVING_SPEED_M_S:
            moving += dt
    return moving


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
    time_s: Sequence[float], distance_m: Sequence[float], distances: dict[str, float]
) -> list[dict[str, float | str]]:
    """The fastest stretch of each standard distance inside the run.

    A window ends at every sample; its start is interpolated at exactly `distance` before that
    sample, so a stretch that begins between two samples is measured exactly when the pace
    between them is even. O(n) per distance with a moving start pointer.
    """
    out: list[dict[str, float | str]] = []
    total = distance_m[-1] if distance_m else 0.0
    for key, target in distances.items():
        if total < target:
            break
        best: tuple[float, float] | None = None
        i = 0
        for j in range(len(distance_m)):
            start_distance = distance_m[j] - target
            if start_distance < 0:
                continue
            while i + 1 < j and distance_m[i + 1] <= start_distance:
                i += 1
            d0, d1 = distance_m[i], distance_m[i + 1] if i + 1 <= j else distance_m[i]
            t0, t1 = time_s[i], time_s[i + 1] if i + 1 <= j else time_s[i]
            start_time = t0 if d1 == d0 else t0 + (t1 - t0) * (start_distance - d0) / (d1 - d0)
            elapsed = time_s[j] - start_time
            if best is None or elapsed < best[0]:
                best = (elapsed, start_time - time_s[0])
        if best is not None:
            out.append(
                {"distance_key": key, "distance_m": target, "elapsed_s": round(best[0], 3), "start_offset_s": best[1]}
            )
    return out


def encoded_polyline(latitude: Sequence[float | None], longitude: Sequence[float | None]) -> str:
    points = [(lat, lon) for lat, lon in zip(latitude, longitude, strict=True) if lat is not None and lon is not None]
    if len(points) < 2:
        return ""
    step = max(1, math.ceil(len(points) / POLYLINE_MAX_POINTS))
    kept = points[::step]
    if kept[-1] != points[-1]:
        kept.append(points[-1])
    return polyline_codec.encode(kept, 5)


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
    max_speed = contracts.MAX_SPEED_M_S[contracts.Family(family)]
    if has_track(latitude, longitude):
        raw = cumulative_distance(latitude, longitude)  # type: ignore[arg-type]
        return cleaned_distance(time_s, latitude, longitude, max_speed=max_speed), raw  # type: ignore[arg-type]
    raw = forward_filled(device_distance_m or []) or [0.0] * len(time_s)
    return cleaned_counter(time_s, device_distance_m or raw, max_speed=max_speed), raw


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
    distance, raw = distance_along(time_s, latitude, longitude, device_distance_m, family=family)
    settled = settled_elevation(time_s, elevation_m) if elevation_m else None
    elevation = elevation_change(settled) if settled else None
    heart_rates = [v for v in heart_rate or () if v]
    average_hr = _mean(heart_rate)
    average_cadence = _mean(cadence)
    return ComputedStats(
        elapsed_s=(time_s[-1] - time_s[0]) if time_s else 0.0,
        moving_s=moving_time(time_s, raw),
        distance_m=distance[-1] if distance else 0.0,
        elevation_gain_m=round(elevation[0], 1) if elevation else None,
        elevation_loss_m=round(elevation[1], 1) if elevation else None,
        average_heart_rate=round(average_hr) if average_hr else None,
        max_heart_rate=max(heart_rates) if heart_rates else None,
        average_cadence=round(average_cadence, 1) if average_cadence else None,
        splits=splits(time_s, distance, settled) if family in SPLIT_FAMILIES else [],
        best_efforts=best_efforts(time_s, distance, BEST_EFFORT_DISTANCES[family]),
        polyline=encoded_polyline(latitude, longitude) if has_track(latitude, longitude) else "",  # type: ignore[arg-type]
    )
