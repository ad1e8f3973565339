"""What a run's page draws from its samples, worked out once per version of the runner's runs.

The route, charts, heart-rate zones, cadence, splits and laps come from the run's samples, which do not change once
stored. Fetching and unpacking them, the distance along the track and the pace at each sample, the paths, ticks and
the few hundred figures of the tables in the runner's units made most of the page's time; so they are kept, the
tables and charts as FRAGMENT renders them, in the runs cache under the user's runs version (`listcache`, decision
0009): any write to the runner's runs (new samples, another sport, a recomputation) forgets them with their lists.
The key holds all else they depend on: the sport, the units, the profile's heart rates and the year (an estimated
maximum), whether a map is drawn, and the code and template that draw them. The page is not kept: its head, the run's
own figures and notes, the navigation and the forms (with their CSRF tokens) are rendered on every request.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from django.template.loader import get_template, render_to_string
from django.utils.safestring import mark_safe

import project.units
from apps.runs import charts, listcache, stats
from apps.runs.interface import contracts
from apps.runs.interface.service import runs_service
from project.units import units_of
from project.web.templatetags import units as shown_in

FRAGMENT = "runs/_drawn.html"  # the charts, zones, splits, best efforts and laps, as the page prints them


def _drawing() -> str:
    """The code that draws and writes them: a change to it changes the key, so no page shows an older drawing."""
    sources = [Path(module.__file__ or "").read_bytes() for module in (charts, stats, project.units, shown_in)]
    fragment = get_template(FRAGMENT).origin.name  # type: ignore[attr-defined]
    sources += [Path(__file__).read_bytes(), Path(fragment).read_bytes()]
    return hashlib.sha256(b"".join(sources)).hexdigest()[:16]


_drawing_once = functools.cache(_drawing)


@dataclasses.dataclass(frozen=True)
class Viewer:
    """What the drawing depends on besides the run: the runner's units and heart rates, the run's year (an age
    from the birth year), and whether a map is drawn. Part of the cache key."""

    units: str
    resting: int | None
    maximum: int | None
    birth_year: int | None
    year: int
    with_map: bool


def shown(run: contracts.RunDetail, viewer: Viewer) -> dict[str, Any]:
    """What the page draws from the samples: `route` (SVG path) and `route_ends`, `map_route` (the points, when
    `with_map`), `cadence`, `has_charts`, and `drawn` (FRAGMENT, safe HTML); from the cache when this version of
    the runner's runs was drawn before."""
    params = {
        "run_page": run.id,
        "sport": run.sport.value,
        "viewer": dataclasses.astuple(viewer),
        "drawing": _drawing_once(),
    }
    cached, version = listcache.cached_list(user_id=run.user_id, **params)
    if cached is not None:
        drawn = json.loads(cached)
    else:
        drawn = _drawn(run, viewer)
        if version:
            listcache.store_list(user_id=run.user_id, version=version, value=json.dumps(drawn), **params)
    # Rendered by FRAGMENT (escaped as any template is), and kept only in the cache the runs' own lists are kept in.
    drawn["drawn"] = mark_safe(drawn["drawn"])  # noqa: S308
    return drawn


def _drawn(run: contracts.RunDetail, viewer: Viewer) -> dict[str, Any]:
    units, with_map = viewer.units, viewer.with_map
    family = run.family.value
    streams = runs_service.get_run_streams(user_id=run.user_id, run_id=run.id) if run.has_streams else None
    samples = charts.samples_of(streams, family=family) if streams else None
    drawn = charts.profile(samples, family=family, units=units) if samples else None
    zones = None
    if streams and streams.heart_rate:
        zones = charts.heart_rate_zones(
            streams, resting=viewer.resting, maximum=viewer.maximum, birth_year=viewer.birth_year, year=viewer.year
        )
    cadence = charts.cadence_summary(streams, family=family)
    route = charts.route_points(run.polyline) if with_map else []
    html = render_to_string(
        FRAGMENT,
        {
            "run": run,
            "units": units,
            "charts": drawn.charts if drawn else [],
            "chart_points": {"points": drawn.points, "units": drawn.units} if drawn else None,
            "has_heart_rate": bool(streams and any(streams.heart_rate or ())),
            "zones": zones,
            "laps": charts.laps(run, streams),
            "splits": charts.splits(run, samples, units=units),
            "split_unit": units_of(units).distance,
        },
    )
    return {
        "route": charts.route_path(run.polyline),
        "route_ends": charts.route_ends(run.polyline),
        "map_route": [list(point) for point in route] if len(route) >= 2 else [],
        "cadence": dataclasses.asdict(cadence) if cadence else None,
        "has_charts": bool(drawn and drawn.charts),
        "drawn": html,
    }
