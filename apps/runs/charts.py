"""What a run's page draws and tabulates from the samples: charts against distance, heart-rate zones, laps, splits.

All of it in the runner's units (km, m, min/km, km/h or mi, ft, min/mi, mph). The charts are SVG built here, with
their axes' ticks placed as fractions of the plot so the page can letter them legibly at any width; a little
JavaScript (static/runs/run.js) moves one cursor across them and reads out the point under the pointer. The web
side draws them from what RunsService hands out (a `RunDetail`, `get_run_streams`): contracts in, no models, so
the run page is the same when runs is its own service.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import polyline as polyline_codec

from apps.runs import stats
from apps.runs.interface import contracts
from project.units import clock, units_of

WIDTH, HEIGHT = 600.0, 160.0
ROUTE_SIZE = 300.0
MAX_POINTS = 400  # drawn and read out; a longer recording is sampled evenly along its samples
PACE_WINDOW_S = 30.0
SLOWEST_PACE_S_PER_KM = 900.0  # slower than 15:00/km is standing, drawn at this

# Karvonen: a zone is a share of the heart-rate reserve (maximum less resting) above the resting rate.
ZONES = (
    ("Zone 1", "Recovery", 0.5, 0.6),
    ("Zone 2", "Endurance", 0.6, 0.7),
    ("Zone 3", "Tempo", 0.7, 0.8),
    ("Zone 4", "Threshold", 0.8, 0.9),
    ("Zone 5", "Maximum", 0.9, 1.0),
)
# Cadence of runs and walks is recorded for one foot (FIT, TCX, GPX extensions, Strava): shown for both.
STEP_FAMILIES = ("running", "walking")
SPLIT_MIN_REST_M = 50.0  # the distance left after the last full split is one more when at least this


@dataclass(frozen=True)
class Tick:
    at: float  # percent of the plot: from the left for distance, from the top for values
    label: str
    svg: float  # the same place in the chart's WIDTH by HEIGHT viewBox


@dataclass(frozen=True)
class Chart:
    key: str  # pace, speed, elevation, heart_rate, cadence: the point's field it draws
    title: str
    unit: str
    path: str
    low: float
    high: float
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    inverted: bool = False  # pace: faster (smaller) is drawn higher


@dataclass(frozen=True)
class Profile:
    """The charts of a run and the points they are drawn through, in the runner's units."""

    charts: list[Chart]
    points: dict[str, list[float | None]]  # distance, pace or speed, elevation, heart_rate, cadence
    units: dict[str, str]  # each field's unit, for the read-out


@dataclass(frozen=True)
class ZoneTime:
    name: str
    label: str
    low_bpm: int
    high_bpm: int | None  # None: the top zone, open above
    seconds: float
    percent: float


@dataclass(frozen=True)
class HeartRateZones:
    resting: int
    maximum: int
    estimated_maximum: bool  # from the birth year (220 less the age), the profile has none
    zones: list[ZoneTime]
    below_seconds: float  # under zone 1's floor


@dataclass(frozen=True)
class LapRow:
    index: int
    distance_m: float
    elapsed_s: float
    pace_s_per_km: float | None
    speed_kmh: float | None
    average_heart_rate: int | None


@dataclass(frozen=True)
class SplitRow:
    index: int
    distance_m: float
    elapsed_s: float
    pace_s_per_km: float | None
    gain_m: float | None
    loss_m: float | None
    average_heart_rate: int | None = None


@dataclass(frozen=True)
class Cadence:
    average: int
    maximum: int
    unit: str  # spm (steps, both feet) or rpm (pedal turns)


@dataclass
class Samples:
    """The recording's channels on one distance axis (cleaned, as the run's distance is counted)."""

    time_s: list[float]
    distance_m: list[float]
    elevation_m: list[float | None] | None
    heart_rate: list[int | None] | None
    cadence: list[int | None] | None
    pace: list[float | None] = field(default_factory=list)  # s/km over the last PACE_WINDOW_S


def route_path(encoded: str) -> str:
    points = route_points(encoded)
    if len(points) < 2:
        return ""
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in _route_xy(points))


def route_points(encoded: str) -> list[tuple[float, float]]:
    """(latitude, longitude) of the route's stored polyline."""
    return [tuple(point) for point in polyline_codec.decode(encoded, 5)] if encoded else []  # type: ignore[misc]


def route_ends(encoded: str) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Where the SVG route starts and finishes, in its viewBox."""
    points = route_points(encoded)
    if len(points) < 2:
        return None
    xy = _route_xy(points)
    return xy[0], xy[-1]


def _route_xy(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    lat0 = math.radians(sum(lat for lat, _ in points) / len(points))
    xs = [lon * math.cos(lat0) for _, lon in points]
    ys = [-lat for lat, _ in points]
    left, top = min(xs), min(ys)
    span = max(max(xs) - left, max(ys) - top) or 1.0
    scale = (ROUTE_SIZE - 20) / span
    return [(10 + (x - left) * scale, 10 + (y - top) * scale) for x, y in zip(xs, ys, strict=True)]


def samples_of(streams: contracts.Streams, *, family: str) -> Samples | None:
    """The channels on the distance axis, with the pace at each sample; None when they make no distance."""
    time_s = streams.time_s
    if len(time_s) < 2:
        return None
    distance = stats.distance_along(time_s, streams.latitude, streams.longitude, streams.distance_m, family=family)[0]
    if not distance or distance[-1] <= 0:
        return None
    settled = stats.settled_elevation(time_s, streams.elevation_m) if streams.elevation_m else None
    samples = Samples(time_s, distance, settled, streams.heart_rate, streams.cadence)
    fastest = 36.0 if family == "cycling" else 120.0  # s/km: 100 km/h on a bike, 2:00/km on foot
    j = 0
    for i in range(len(time_s)):
        while time_s[i] - time_s[j] > PACE_WINDOW_S:
            j += 1
        moved = distance[i] - distance[j]
        pace = (time_s[i] - time_s[j]) / moved * 1000 if i > j and moved > 0 else None
        samples.pace.append(None if pace is None else min(max(pace, fastest), SLOWEST_PACE_S_PER_KM))
    return samples


def profile(samples: Samples, *, family: str = "running", units: str = "metric") -> Profile:
    """Pace (speed for rides), elevation (settled, as the climb is counted), heart rate and cadence against
    distance, with the points under them."""
    scale = units_of(units)
    n = len(samples.time_s)
    step = max(1, math.ceil(n / MAX_POINTS))
    kept = list(range(0, n, step))
    if kept[-1] != n - 1:
        kept.append(n - 1)
    distance = [samples.distance_m[i] / scale.metres_per_distance for i in kept]
    total = distance[-1]
    cycling = family == "cycling"
    per_unit = scale.metres_per_distance / 1000  # km (or miles) per displayed unit, as a share of a km
    points: dict[str, list[float | None]] = {"distance": [round(d, 3) for d in distance]}
    field_units = {"distance": scale.distance}
    pace = [samples.pace[i] for i in kept]
    if cycling:
        points["speed"] = [None if p is None else round(3600 / p / per_unit, 1) for p in pace]
        field_units["speed"] = scale.speed
    else:
        points["pace"] = [None if p is None else round(p * per_unit) for p in pace]
        field_units["pace"] = f"/{scale.distance}"
    if samples.elevation_m and any(v is not None for v in samples.elevation_m):
        points["elevation"] = [_rounded(samples.elevation_m[i], 1 / scale.metres_per_elevation, 0) for i in kept]
        field_units["elevation"] = scale.elevation
    if samples.heart_rate and any(samples.heart_rate):
        points["heart_rate"] = [samples.heart_rate[i] or None for i in kept]
        field_units["heart_rate"] = "bpm"
    if samples.cadence and any(samples.cadence):
        factor = 2 if family in STEP_FAMILIES else 1
        points["cadence"] = [(samples.cadence[i] or 0) * factor or None for i in kept]
        field_units["cadence"] = "spm" if family in STEP_FAMILIES else "rpm"

    x_ticks = _distance_ticks(total)
    charts = []
    for key, title, unit in (
        ("speed", "Speed", scale.speed),
        ("pace", "Pace", scale.pace),
        ("elevation", "Elevation", scale.elevation),
        ("heart_rate", "Heart rate", "bpm"),
        ("cadence", "Cadence", field_units.get("cadence", "")),
    ):
        values = points.get(key)
        usable = [v for v in values or () if v is not None]
        if len(usable) < 2:
            continue
        inverted = key == "pace"
        low, high = _range(key, usable)
        ticks, low, high = _value_ticks(key, low, high, inverted=inverted)
        path = _series_path(distance, values, low, high, total=total, inverted=inverted)  # type: ignore[arg-type]
        charts.append(Chart(key, title, unit, path, low, high, ticks, x_ticks, inverted))
    return Profile(charts=charts, points=points, units=field_units)


def _rounded(value: float | None, factor: float, digits: int) -> float | None:
    return None if value is None else round(value * factor, digits) or 0.0


def _range(key: str, values: list[float]) -> tuple[float, float]:
    """The span a chart shows. Pace and speed leave out their slowest 5% (stops, standing) and fastest 1% (a GPS
    jump, already averaged over PACE_WINDOW_S): a ride's fast descents, a few minutes of an hour, stay on the chart.
    Cadence leaves out 5% either way (zeros while coasting, a double count)."""
    ordered = sorted(values)
    if len(ordered) < 20 or key not in ("pace", "speed", "cadence"):
        return ordered[0], ordered[-1]
    few, fewer = len(ordered) // 20, len(ordered) // 100
    if key == "speed":  # slow is low
        return ordered[few], ordered[-fewer - 1]
    if key == "pace":  # slow is a larger number
        return ordered[fewer], ordered[-few - 1]
    return ordered[few], ordered[-few - 1]


MIN_SPANS = {"pace": 60.0, "speed": 5.0, "elevation": 20.0, "heart_rate": 20.0, "cadence": 10.0}
PACE_STEPS = (5, 10, 15, 20, 30, 60, 120, 300, 600)


def _nice_step(span: float, *, target: int = 4) -> float:
    raw = span / target
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for multiple in (1, 2, 2.5, 5, 10):
        if multiple * magnitude >= raw:
            return multiple * magnitude
    return 10 * magnitude


def _value_ticks(key: str, low: float, high: float, *, inverted: bool) -> tuple[list[Tick], float, float]:
    """Ticks at round values; the span widened to whole steps (and at least MIN_SPANS, so a flat run looks flat)."""
    if high - low < MIN_SPANS[key]:
        middle = (high + low) / 2
        low, high = middle - MIN_SPANS[key] / 2, middle + MIN_SPANS[key] / 2
        if key != "elevation":
            low = max(low, 0.0)
    if key == "pace":
        step = float(next((s for s in PACE_STEPS if s >= (high - low) / 4), PACE_STEPS[-1]))
    else:
        step = _nice_step(high - low)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    ticks = []
    value = low
    while value <= high + step / 1000:
        fraction = (value - low) / (high - low)
        top = fraction if inverted else 1 - fraction
        label = clock(value) if key == "pace" else _number(value, step)
        ticks.append(Tick(round(top * 100, 2), label, round(top * HEIGHT, 1)))
        value += step
    return ticks, low, high


def _distance_ticks(total: float) -> list[Tick]:
    step = _nice_step(total, target=5)
    ticks = []
    value = 0.0
    while value <= total + step / 1000:
        ticks.append(Tick(round(value / total * 100, 2), _number(value, step), round(value / total * WIDTH, 1)))
        value += step
    return ticks


def _number(value: float, step: float) -> str:
    decimals = 0 if step >= 1 else (1 if step * 10 >= 1 - 1e-9 else 2)
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _series_path(
    xs: Sequence[float], ys: Sequence[float | None], low: float, high: float, *, total: float, inverted: bool
) -> str:
    """Path data in the WIDTH by HEIGHT box; a gap in the values (no reading) lifts the pen."""
    span = (high - low) or 1.0
    parts, pen_down = [], False
    for x, y in zip(xs, ys, strict=True):
        if y is None:
            pen_down = False
            continue
        fraction = (min(max(y, low), high) - low) / span
        top = fraction if inverted else 1 - fraction
        parts.append(f"{'L' if pen_down else 'M'}{x / total * WIDTH:.1f},{top * HEIGHT:.1f}")
        pen_down = True
    return " ".join(parts)


def heart_rate_zones(
    streams: contracts.Streams, *, resting: int | None, maximum: int | None, birth_year: int | None, year: int
) -> HeartRateZones | None:
    """Time in each Karvonen zone. Each interval between two samples counts at the first one's rate; a gap
    over MAX_SAMPLE_GAP_S (a pause) counts nothing. None without a resting rate and a maximum (or birth year)."""
    estimated = False
    if maximum is None and birth_year is not None:
        maximum, estimated = 220 - (year - birth_year), True
    if resting is None or maximum is None or maximum <= resting or not streams.heart_rate:
        return None
    reserve = maximum - resting
    floors = [resting + share * reserve for _, _, share, _ in ZONES]
    seconds = [0.0] * len(ZONES)
    below = 0.0
    time_s, rates = streams.time_s, streams.heart_rate
    for i in range(1, len(time_s)):
        dt, rate = time_s[i] - time_s[i - 1], rates[i - 1]
        if not rate or not 0 < dt <= contracts.MAX_SAMPLE_GAP_S:
            continue
        zone = bisect.bisect_right(floors, rate) - 1
        if zone < 0:
            below += dt
        else:
            seconds[zone] += dt
    total = sum(seconds) + below
    zones = [
        ZoneTime(
            name,
            label,
            math.ceil(floors[k]),
            math.ceil(floors[k + 1]) - 1 if k + 1 < len(ZONES) else None,
            seconds[k],
            round(seconds[k] / total * 100, 1) if total else 0.0,
        )
        for k, (name, label, _, _) in enumerate(ZONES)
    ]
    return HeartRateZones(resting, maximum, estimated, zones, below)


def _mean_rate(streams: contracts.Streams | Samples | None, start_s: float, end_s: float) -> int | None:
    """The mean of the heart-rate samples from start_s (included) to end_s (excluded), as the run's average is."""
    if streams is None or not streams.heart_rate:
        return None
    i, j = bisect.bisect_left(streams.time_s, start_s), bisect.bisect_left(streams.time_s, end_s)
    rates = [rate for rate in streams.heart_rate[i:j] if rate]
    return round(sum(rates) / len(rates)) if rates else None


def laps(run: contracts.RunDetail, streams: contracts.Streams | Samples | None) -> list[LapRow]:
    """The recorded laps with their pace (elapsed time over distance, as splits) or speed, and heart rate."""
    rows = []
    for index, lap in enumerate(run.laps, start=1):
        moving = lap.distance_m >= contracts.PACE_MIN_DISTANCE_M and lap.elapsed_s > 0
        rows.append(
            LapRow(
                index,
                lap.distance_m,
                lap.elapsed_s,
                lap.elapsed_s / lap.distance_m * 1000 if moving else None,
                lap.distance_m / lap.elapsed_s * 3.6 if moving else None,
                _mean_rate(streams, lap.start_offset_s, lap.start_offset_s + lap.elapsed_s),
            )
        )
    return rows


def splits(run: contracts.RunDetail, samples: Samples | None, *, units: str = "metric") -> list[SplitRow]:
    """Splits per kilometre or per mile, with their gain and loss (as the run's climb is counted) and heart rate.

    From the samples when there are some, else the stored per-kilometre splits (a run without samples has none
    stored either unless its source gave them) without gain and loss. Rides have none.
    """
    if run.family.value not in stats.SPLIT_FAMILIES:
        return []
    if samples is None:
        return [
            SplitRow(
                s.index,
                s.distance_m,
                s.elapsed_s,
                contracts.pace_s_per_km(distance_m=s.distance_m, moving_s=s.elapsed_s),
                None,
                None,
            )
            for s in run.splits
        ]
    length = units_of(units).metres_per_distance
    time_s, distance = samples.time_s, samples.distance_m
    total = distance[-1]
    boundaries = [length * k for k in range(1, int(total // length) + 1)]
    if total - (boundaries[-1] if boundaries else 0.0) >= SPLIT_MIN_REST_M:
        boundaries.append(total)
    climbs = [[0.0, 0.0] for _ in boundaries]
    for k, gain, loss in _elevation_steps(samples.elevation_m or []):
        split = min(bisect.bisect_left(boundaries, distance[k]), len(boundaries) - 1)
        climbs[split][0] += gain
        climbs[split][1] += loss
    has_elevation = any(value is not None for value in samples.elevation_m or ())
    rows = []
    start_m, start_s = 0.0, time_s[0]
    for index, end_m in enumerate(boundaries, start=1):
        end_s = stats.time_at_distance(end_m, time_s, distance)
        gain, loss = climbs[index - 1]
        rows.append(
            SplitRow(
                index,
                round(end_m - start_m, 1),
                round(end_s - start_s, 1),
                contracts.pace_s_per_km(distance_m=end_m - start_m, moving_s=end_s - start_s),
                round(gain, 1) if has_elevation else None,
                round(loss, 1) if has_elevation else None,
                _mean_rate(samples, start_s, end_s),
            )
        )
        start_m, start_s = end_m, end_s
    return rows


def _elevation_steps(elevation_m: Sequence[float | None]) -> list[tuple[int, float, float]]:
    """(sample, gain, loss) at each sample where the run's climb counts a step: stats.elevation_change's rule
    (ELEVATION_HYSTERESIS_M from the last turning point) over the whole run, so the splits add up to its climb."""
    steps: list[tuple[int, float, float]] = []
    anchor = None
    for k, value in enumerate(elevation_m):
        if value is None:
            continue
        if anchor is None:
            anchor = value
        elif value - anchor >= stats.ELEVATION_HYSTERESIS_M:
            steps.append((k, value - anchor, 0.0))
            anchor = value
        elif anchor - value >= stats.ELEVATION_HYSTERESIS_M:
            steps.append((k, 0.0, anchor - value))
            anchor = value
    return steps


def cadence_summary(streams: contracts.Streams | None, *, family: str) -> Cadence | None:
    """Average and maximum cadence while moving (readings above zero): steps per minute for runs and walks (the
    files' one-foot count doubled), pedal turns per minute for rides."""
    if streams is None or not streams.cadence:
        return None
    readings = [value for value in streams.cadence if value]
    if not readings:
        return None
    factor = 2 if family in STEP_FAMILIES else 1
    unit = "spm" if family in STEP_FAMILIES else "rpm"
    return Cadence(round(sum(readings) / len(readings) * factor), max(readings) * factor, unit)
