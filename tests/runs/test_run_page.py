"""A run's page: its start in its own time zone, charts in the runner's units, heart-rate zones, cadence, laps,
splits with gain and loss, and the route on a map or drawn alone."""

import datetime
import html
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface import contracts
from apps.runs.interface.service import runs_service
from tests.imports import reference
from tests.runs.tracks import draft, track

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
UTC = datetime.UTC
DASH = "\N{EN DASH}"


@pytest.fixture
def runner(client):
    profile = accounts_testing.create_user(email="ada@example.com", password=PASSWORD, timezone="Europe/London")
    client.login(email="ada@example.com", password=PASSWORD)
    return profile


def _profile(runner, **fields):
    accounts_testing.update_profile(runner.id, **fields)


def _page(client, run_id) -> str:
    response = client.get(f"/runs/{run_id}/")
    assert response.status_code == 200
    return response.content.decode()


def _table(content: str, css_class: str) -> list[list[str]]:
    """The body cells of the table of that class, tags stripped."""
    body = re.search(rf'<table class="striped {css_class}">.*?<tbody>(.*?)</tbody>', content, re.S).group(1)
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _json(content: str, element_id: str):
    return json.loads(
        re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', content).group(1)
    )


def _upload(client, django_capture_on_commit_callbacks, name) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/imports/", {"files": [SimpleUploadedFile(name, (reference.FIXTURES / name).read_bytes())]}
        )
    assert response.status_code == 302
    [run] = runs_service.list_runs(user_id=int(client.session["_auth_user_id"])).runs
    return run.id


def test_the_page_gives_the_start_date_and_time_of_day_in_the_runs_own_zone(client, runner):
    paris = runs_service.record_run(draft=draft(runner.id, track([(600, 3.0)]), name="Paris")).run
    new_york = runs_service.record_run(
        draft=draft(
            runner.id,
            track([(600, 3.0)], start_lat=40.78, lon=-73.97),
            name="Central Park",
            start=datetime.datetime(2026, 11, 29, 3, 30, tzinfo=UTC),
        )
    ).run
    assert (paris.timezone, new_york.timezone) == ("Europe/Paris", "America/New_York")
    assert (
        '<time datetime="2026-05-10T09:00:00+02:00">Sun 10 May 2026, 09:00</time> · Run · Europe/Paris · from file'
        in _page(client, paris.id)
    )
    assert (
        '<time datetime="2026-11-28T22:30:00-05:00">Sat 28 Nov 2026, 22:30</time> · Run · America/New_York'
        in _page(client, new_york.id)
    )


def _zoned_streams():
    """600 s at 3 m/s with the heart rate held 100 s at 110 bpm, 100 s at 125, 200 s at 140, 100 s at 150, 60 s
    at 170 and 40 s at 180; then a 300 s pause at 185, which is no time in a zone."""
    streams = track([(600, 3.0)])
    rates = [110] * 100 + [125] * 100 + [140] * 200 + [150] * 100 + [170] * 60 + [180] * 40 + [185]
    time_s = [*streams.time_s, 900.0]
    return contracts.Streams(
        time_s=time_s,
        latitude=[*streams.latitude, streams.latitude[-1]],
        longitude=[*streams.longitude, streams.longitude[-1]],
        heart_rate=[*rates, 100],
    )


def test_time_in_each_heart_rate_zone_from_the_profiles_resting_and_maximum_rates(client, runner):
    _profile(runner, resting_heart_rate=50, max_heart_rate=190)  # reserve 140: zones from 120, 134, 148, 162, 176
    run = runs_service.record_run(draft=draft(runner.id, _zoned_streams())).run
    content = _page(client, run.id)
    assert "By the Karvonen method" in content
    assert "between your resting (50 bpm) and maximum (190 bpm) heart rates" in content
    assert [row[:3] for row in _table(content, "zones")] == [
        ["Zone 1 Recovery", f"120{DASH}133 bpm", "1:40"],
        ["Zone 2 Endurance", f"134{DASH}147 bpm", "3:20"],
        ["Zone 3 Tempo", f"148{DASH}161 bpm", "1:40"],
        ["Zone 4 Threshold", f"162{DASH}175 bpm", "1:00"],
        ["Zone 5 Maximum", "176+ bpm", "0:40"],
    ]
    assert [row[3] for row in _table(content, "zones")] == ["17%", "33%", "17%", "10%", "7%"]
    assert "Below zone 1: 1:40." in content


def test_a_maximum_heart_rate_is_estimated_from_the_birth_year_when_the_profile_has_none(client, runner):
    _profile(runner, resting_heart_rate=50, birth_year=1986)  # 40 in 2026: 180, reserve 130
    run = runs_service.record_run(draft=draft(runner.id, _zoned_streams())).run
    content = _page(client, run.id)
    assert "maximum (180 bpm, estimated from your age as 220 less your age)" in content
    assert [row[1] for row in _table(content, "zones")] == [
        f"115{DASH}127 bpm",
        f"128{DASH}140 bpm",
        f"141{DASH}153 bpm",
        f"154{DASH}166 bpm",
        "167+ bpm",
    ]


def test_without_the_profiles_heart_rates_the_page_says_where_to_set_them(client, runner):
    run = runs_service.record_run(draft=draft(runner.id, _zoned_streams())).run
    content = _page(client, run.id)
    assert "Karvonen" not in content
    assert (
        "To see the time you spent in each heart-rate zone, enter your resting and maximum heart rates in your "
        '<a href="/profile/">profile</a>' in content
    )


def test_laps_show_their_distance_time_pace_and_heart_rate(client, runner):
    streams = _zoned_streams()
    laps = [
        contracts.Lap(start_offset_s=0, elapsed_s=200, distance_m=600),
        contracts.Lap(start_offset_s=200, elapsed_s=400, distance_m=1200),
    ]
    run = runs_service.record_run(draft=draft(runner.id, streams, laps=laps)).run
    assert _table(_page(client, run.id), "laps") == [
        ["1", "0.60 km", "3:20", "5:33 /km", "118 bpm"],  # (100 x 110 + 100 x 125) / 200 = 117.5
        ["2", "1.20 km", "6:40", "5:33 /km", "151 bpm"],  # (200 x 140 + 100 x 150 + 60 x 170 + 40 x 180) / 400
    ]
    _profile(runner, units="imperial")
    assert _table(_page(client, run.id), "laps")[0] == ["1", "0.37 mi", "3:20", "8:56 /mi", "118 bpm"]


def _hills(time_s):
    """Up 20 m over the first 400 s (1200 m at 3 m/s), down 30 m over the next 400 s, flat after."""
    return [100 + 20 * t / 400 if t <= 400 else max(120 - 30 * (t - 400) / 400, 90.0) for t in time_s]


# The climb counts a step of 3 m from the last turning point where it is reached, as the run's own climb (18 m up,
# 27 m down): up at 180, 360, ..., 900 m (100 to 115 m) and at 1080 m (118 m); down from 118 m at 1401, 1521,
# 1641, 1761, 1881, 2001, 2121, 2241 and 2361 m, to 91 m (the last metre down is under the step).


def test_splits_per_kilometre_with_gain_and_loss_in_metres(client, runner):
    run = runs_service.record_run(draft=draft(runner.id, track([(1000, 3.0)], elevation=_hills))).run
    content = _page(client, run.id)
    assert "<div><small>Climb</small><strong>18 m</strong></div>" in content
    assert _table(content, "splits") == [
        # 3 m/s: a kilometre in 333.3 s
        ["1", "1.00 km", "5:33", "5:33 /km", "15 m", "0 m"],
        ["2", "1.00 km", "5:33", "5:33 /km", "3 m", "15 m"],
        ["3", "1.00 km", "5:33", "5:33 /km", "0 m", "12 m"],
    ]


def test_splits_per_mile_with_gain_and_loss_in_feet_for_imperial(client, runner):
    _profile(runner, units="imperial")
    run = runs_service.record_run(draft=draft(runner.id, track([(1000, 3.0)], elevation=_hills))).run
    content = _page(client, run.id)
    assert "<th>Mile</th>" in content
    assert "<div><small>Climb</small><strong>59 ft</strong></div>" in content
    assert _table(content, "splits") == [
        # a mile (1609.3 m) in 536.4 s: up 18 m (59 ft), down 6 m (20 ft); the rest (1390.7 m) down 21 m (69 ft)
        ["1", "1.00 mi", "8:56", "8:56 /mi", "59 ft", "20 ft"],
        ["2", "0.86 mi", "7:44", "8:56 /mi", "0 ft", "69 ft"],
    ]


def test_cadence_and_laps_of_a_real_watch_file(client, runner, django_capture_on_commit_callbacks):
    name = "fit_garmin_venusq_run.fit"
    run_id = _upload(client, django_capture_on_commit_callbacks, name)
    content = _page(client, run_id)
    cadences = [record["cadence"] for record in reference.messages(name, "record") if record.get("cadence")]
    average, maximum = round(sum(cadences) / len(cadences) * 2), max(cadences) * 2  # one foot's, doubled
    assert f"<div><small>Cadence (avg/max)</small><strong>{average}/{maximum} spm</strong></div>" in content
    assert (average, maximum) == (143, 160)
    laps = reference.messages(name, "lap")
    assert [row[1:3] for row in _table(content, "laps")] == [
        [f"{lap['total_distance'] / 1000:.2f} km", _clock(lap["total_elapsed_time"])] for lap in laps
    ]
    assert all(re.fullmatch(r"\d+ bpm", row[4]) for row in _table(content, "laps"))
    assert 'aria-label="Cadence along the run"' in content


def _clock(seconds):
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def test_the_charts_have_axes_in_the_runners_units_and_points_to_read_out(client, runner):
    run = runs_service.record_run(draft=draft(runner.id, track([(1000, 3.0)], elevation=_hills))).run
    content = _page(client, run.id)
    assert re.findall(r"<figcaption>(\w[\w ]*) <small>\(([^)]+)\)</small></figcaption>", content) == [
        ("Pace", "min/km"),
        ("Elevation", "m"),
    ]
    x_ticks = re.search(r'<div class="x-axis" aria-hidden="true">(.*?)</div>', content).group(1)
    assert re.findall(r">([\d.]+)<", x_ticks) == ["0", "1", "2", "3"]
    data = _json(content, "run-chart-points")
    assert data["units"] == {"distance": "km", "pace": "/km", "elevation": "m"}
    assert (data["points"]["distance"][-1], data["points"]["pace"][-1]) == (3.0, 333)

    _profile(runner, units="imperial")
    content = _page(client, run.id)
    assert "(min/mi)" in content
    assert "(ft)" in content
    data = _json(content, "run-chart-points")
    assert data["units"] == {"distance": "mi", "pace": "/mi", "elevation": "ft"}
    assert (data["points"]["distance"][-1], data["points"]["pace"][-1]) == (1.864, 536)  # 3000 m; 8:56 /mi
    assert max(data["points"]["elevation"]) == 394.0  # 120 m


def test_without_a_tile_server_the_route_is_drawn_with_its_start_and_finish(client, runner, settings):
    settings.MAP_TILES_URL = ""
    run = runs_service.record_run(draft=draft(runner.id, track([(600, 3.0)]))).run
    content = _page(client, run.id)
    assert 'aria-label="The route"' in content
    # North along a meridian: the start at the bottom of the drawing, the finish at its top.
    assert '<circle class="route-start" cx="10.0" cy="290.0" r="5"><title>Start</title></circle>' in content
    assert '<circle class="route-finish" cx="10.0" cy="10.0" r="7"><title>Finish</title></circle>' in content
    assert "leaflet" not in content


def test_with_a_tile_server_the_route_is_on_a_map_with_its_attribution(client, runner, settings):
    settings.MAP_TILES_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings.MAP_TILES_ATTRIBUTION = "&copy; Example tiles"
    run = runs_service.record_run(draft=draft(runner.id, track([(600, 3.0)]))).run
    content = _page(client, run.id)
    assert 'aria-label="The route"' not in content
    assert '<div id="run-map" class="run-map" role="region" aria-label="Map of the route"></div>' in content
    assert '<script src="/static/vendor/leaflet/leaflet.js" defer></script>' in content
    data = _json(content, "run-map-data")
    assert (data["tiles"], data["attribution"]) == (
        "https://tiles.example.org/{z}/{x}/{y}.png",
        "&copy; Example tiles",
    )
    assert data["route"][0] == [48.85, 2.35]
    assert data["route"][-1] == [pytest.approx(48.86619, abs=1e-5), 2.35]  # 1800 m north


def test_a_tile_server_needs_an_attribution(monkeypatch):
    import importlib

    import environ

    from project.settings import base

    monkeypatch.setenv("RUNNERLY_MAP_TILES_URL", "https://tiles.example.org/{z}/{x}/{y}.png")
    monkeypatch.setenv("RUNNERLY_MAP_TILES_ATTRIBUTION", " ")
    try:
        with pytest.raises(environ.ImproperlyConfigured, match="RUNNERLY_MAP_TILES_ATTRIBUTION is required"):
            importlib.reload(base)
    finally:
        monkeypatch.undo()
        importlib.reload(base)


def test_a_rides_fast_descents_stay_on_its_speed_chart():
    """Two and a half minutes at 40 km/h in an hour at 25: the chart reaches 40, not the 95th percentile (25)."""
    from apps.runs import charts

    streams = track([(1800, 25 / 3.6), (150, 40 / 3.6), (1800, 25 / 3.6), (60, 0.2)])
    profile = charts.profile(charts.samples_of(streams, family="cycling"), family="cycling")
    [speed] = [chart for chart in profile.charts if chart.key == "speed"]
    assert max(value for value in profile.points["speed"] if value is not None) == 40.0
    assert speed.high >= 40.0
    assert speed.low <= 25.0
