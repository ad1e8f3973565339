"""SVG for a run's page: the route from its polyline, and pace, elevation and heart rate against distance.

Drawn server-side as plain path data: no tile server is reachable and no JavaScript is needed. The web
side draws them from what RunsService hands out (a `RunDetail`'s polyline, `get_run_streams`): contracts
in, no models, so the run page draws the same charts when runs is its own service.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polyline as polyline_codec

from apps.runs import stats
from apps.runs.interface import contracts

WIDTH, HEIGHT = 600.0, 160.0
ROUTE_SIZE = 300.0
MAX_POINTS = 300
PACE_WINDOW_S = 30.0


@dataclass(frozen=True)
class Chart:
    title: str
    path: str
    low: float
    high: float
    unit: str
    inverted: bool = False  # pace: faster (smaller) is drawn higher


def route_path(encoded: str) -> str:
    points = polyline_codec.decode(encoded, 5) if encoded else []
    if len(points) < 2:
        return ""
    lat0 = math.radians(sum(lat for lat, _ in points) / len(points))
    xs = [lon * math.cos(lat0) for _, lon in points]
    ys = [-lat for lat, _ in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    scale = (ROUTE_SIZE - 20) / span
    return "M" + " L".join(
        f"{10 + (x - min(xs)) * scale:.1f},{10 + (y - min(ys)) * scale:.1f}" for x, y in zip(xs, ys, strict=True)
    )


def _series_path(xs: list[float], ys: list[float], low: float, high: float, *, inverted: bool) -> str:
    x_span = (xs[-1] - xs[0]) or 1.0
    y_span = (high - low) or 1.0
    step = max(1, len(xs) // MAX_POINTS)
    coordinates = []
    for x, y in list(zip(xs, ys, strict=True))[::step]:
        fraction = (y - low) / y_span
        top = fraction if inverted else 1 - fraction
        coordinates.append(f"{(x - xs[0]) / x_span * WIDTH:.1f},{5 + top * (HEIGHT - 10):.1f}")
    return "M" + " L".join(coordinates)


def charts(streams: contracts.Streams, *, family: str = "running") -> list[Chart]:
    """Pace (speed for rides), elevation (settled, as the climb is counted) and heart rate against distance."""
    time_s = streams.time_s
    distance = (
        stats.distance_along(time_s, streams.latitude, streams.longitude, streams.distance_m, family=family)[0]
        if len(time_s) >= 2
        else None
    )
    if len(time_s) < 2 or not distance or distance[-1] <= 0:
        return []
    km = [d / 1000 for d in distance]
    out = []
    pace_x, pace_y = [], []
    fastest = 36.0 if family == "cycling" else 120.0  # s/km: 100 km/h on a bike, 2:00/km on foot
    j = 0
    for i in range(len(time_s)):
        while time_s[i] - time_s[j] > PACE_WINDOW_S:
            j += 1
        moved = distance[i] - distance[j]
        if i > j and moved > 0:
            pace_x.append(km[i])
            pace_y.append(min(max((time_s[i] - time_s[j]) / moved * 1000, fastest), 900.0))
    if len(pace_x) > 1:
        ordered = sorted(pace_y)
        low, high = ordered[len(ordered) // 20], ordered[-len(ordered) // 20 - 1]  # 5th to 95th percentile
        clipped = [min(max(y, low), high) for y in pace_y]
        if family == "cycling":
            speeds = [3600 / y for y in clipped]
            out.append(
                Chart(
                    "Speed",
                    _series_path(pace_x, speeds, 3600 / high, 3600 / low, inverted=False),
                    3600 / high,
                    3600 / low,
                    "km/h",
                )
            )
        else:
            out.append(Chart("Pace", _series_path(pace_x, clipped, low, high, inverted=True), low, high, "s/km", True))
    elevation = streams.elevation_m
    settled = stats.settled_elevation(time_s, elevation) if elevation else None
    for values, title, unit in ((settled, "Elevation", "m"), (streams.heart_rate, "Heart rate", "bpm")):
        if not values:
            continue
        pairs = [(x, float(y)) for x, y in zip(km, values, strict=True) if y is not None and (y or unit == "m")]
        if len(pairs) > 1:
            ys = [y for _, y in pairs]
            out.append(
                Chart(
                    title,
                    _series_path([x for x, _ in pairs], ys, min(ys), max(ys), inverted=False),
                    min(ys),
                    max(ys),
                    unit,
                )
            )
    return out
