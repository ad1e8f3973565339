"""The runs pages and API reach runs' data through RunsService only, so they work with runs lifted out.

a. Every page and endpoint with the service routed over HTTP (through the test client) and runs' tables off
   limits to the page's side (settings.EXTRACTED_APPS, as in a monolith with runs extracted): only the
   service's side of each call, the internal endpoint, may read them. Exact values on the pages.
b. No module of the web side imports runs' internals: tests/architecture/test_web_side.py.
c. With runs extracted and down, no page answers 500 and nothing is stored; the API answers 503 in JSON.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface import contracts, errors
from apps.runs.interface.service import runs_service
from project.rpc.testing import serve_over_test_client
from tests.runs.helpers import bulk_runs
from tests.runs.tracks import INTERVAL_SEGMENTS, draft, track

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
UTC = datetime.UTC
NOTHING = "\N{EN DASH}"  # how the pages show an unknown value


def service_side():
    """Look at runs' tables as the service does (the test's own checks)."""
    return override_settings(EXTRACTED_APPS=[])


def _extract(settings, down_at: str | None = None) -> None:
    """Runs lifted out: served over HTTP through the test client, or `down_at` a URL that refuses connections."""
    if down_at is None:
        serve_over_test_client(settings, "runs")
    else:
        settings.SERVICE_ROUTING = {"runs": down_at}
        settings.RPC_RETRIES = 0
        settings.EXTRACTED_APPS = ["runs"]


@pytest.fixture
def runner(client):
    profile = accounts_testing.create_user(email="ada@example.com", password=PASSWORD, timezone="Europe/Paris")
    client.login(email="ada@example.com", password=PASSWORD)
    return profile


def _with_heart_rate_and_elevation(streams: contracts.Streams) -> contracts.Streams:
    n = len(streams.time_s)
    return contracts.Streams(
        time_s=streams.time_s,
        latitude=streams.latitude,
        longitude=streams.longitude,
        elevation_m=[35.0 + 20.0 * i / n for i in range(n)],
        heart_rate=[120 + (40 * i) // n for i in range(n)],
    )


@pytest.fixture
def recorded(runner):
    """Four runs recorded through the service before it is lifted out: a track, a long run, a ride, a duplicate."""
    intervals = runs_service.record_run(
        draft=draft(
            runner.id,
            _with_heart_rate_and_elevation(track(INTERVAL_SEGMENTS)),
            source_id="intervals.gpx",
            name="Intervals",
            start=datetime.datetime(2026, 5, 12, 17, 0, tzinfo=UTC),
        )
    ).run
    long_run = runs_service.record_run(
        draft=contracts.RunDraft(
            user_id=runner.id,
            source=contracts.Source.MANUAL,
            name="Sunday long run",
            start=datetime.datetime(2026, 5, 10, 7, 0, tzinfo=UTC),
            distance_m=21100.0,
            elapsed_s=6330.0,
            notes="Windy on the way back",
        )
    ).run
    ride = runs_service.record_run(
        draft=contracts.RunDraft(
            user_id=runner.id,
            source=contracts.Source.MANUAL,
            name="Commute",
            sport=contracts.Sport.RIDE,
            start=datetime.datetime(2026, 5, 11, 6, 30, tzinfo=UTC),
            distance_m=20000.0,
            elapsed_s=2400.0,
        )
    ).run
    duplicate = runs_service.record_run(
        draft=contracts.RunDraft(
            user_id=runner.id,
            source=contracts.Source.STRAVA,
            source_id="9001",
            name="Long run (watch)",
            start=datetime.datetime(2026, 5, 10, 7, 0, 30, tzinfo=UTC),
            distance_m=21000.0,
            elapsed_s=6300.0,
        )
    ).run
    assert (duplicate.hidden, duplicate.duplicate_of_id) == (True, long_run.id)
    return {"intervals": intervals, "long_run": long_run, "ride": ride, "duplicate": duplicate}


@pytest.fixture
def elsewhere(recorded, settings):
    """Runs lifted out: its calls go over HTTP; its tables are off limits here (the page's side)."""
    _extract(settings)
    return recorded


def _rows(content: str) -> list[list[str]]:
    """The cells of the runs table, tags stripped."""
    body = content.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def _figures(content: str) -> list[str]:
    return re.findall(r'<figure class="(?:chart|route)">.*?</figure>', content, re.S)


# a. Pages and API over HTTP ------------------------------------------------------------------------------


def test_the_runs_list_over_http(client, elsewhere):
    response = client.get("/runs/")
    assert response.status_code == 200
    assert _rows(response.content.decode()) == [
        ["Tue 12 May 2026", "Intervals", "Run", "3.00 km", "11:20", "3:47 /km", "18 m"],
        ["Mon 11 May 2026", "Commute", "Ride", "20.00 km", "40:00", "30.0 km/h", NOTHING],
        ["Sun 10 May 2026", "Sunday long run", "Run", "21.10 km", "1:45:30", "5:00 /km", NOTHING],
    ]
    assert "Older runs" not in response.content.decode()
    rides = client.get("/runs/", {"sport": "ride"}).content.decode()
    assert [row[1] for row in _rows(rides)] == ["Commute"]
    running = client.get("/runs/", {"sport": "running"}).content.decode()
    assert [row[1] for row in _rows(running)] == ["Intervals", "Sunday long run"]
    one_day = client.get("/runs/", {"from": "2026-05-11", "to": "2026-05-11"}).content.decode()
    assert [row[1] for row in _rows(one_day)] == ["Commute"]
    assert '<option value="trail_run">Trail run</option>' in response.content.decode()


def test_the_runs_list_pages_with_the_services_cursor(client, runner, settings):
    bulk_runs(runner.id, 30)
    _extract(settings)
    first = client.get("/runs/").content.decode()
    assert [row[1] for row in _rows(first)] == [f"Run {i}" for i in range(29, 4, -1)]
    cursor = re.search(r'cursor=([^"&]+)"', first).group(1)
    second = client.get("/runs/", {"cursor": cursor}).content.decode()
    assert [row[1] for row in _rows(second)] == ["Run 4", "Run 3", "Run 2", "Run 1", "Run 0"]
    assert "Older runs" not in second
    assert client.get("/runs/", {"cursor": "forged"})["Location"] == "/runs/"  # InvalidCursor, over the wire


def test_a_run_page_over_http_shows_its_numbers_and_the_same_charts(client, recorded, settings):
    intervals = recorded["intervals"]
    local = client.get(f"/runs/{intervals.id}/").content.decode()
    _extract(settings)
    response = client.get(f"/runs/{intervals.id}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Intervals</h1>" in content
    assert "Tue 12 May 2026, 19:00</time> · Run · Europe/Paris · from file" in content  # the start in its zone
    assert "<div><small>Distance</small><strong>3.00 km</strong></div>" in content
    assert "<div><small>Pace</small><strong>3:47 /km</strong></div>" in content
    assert "<div><small>Climb</small><strong>18 m</strong></div>" in content
    assert "<div><small>Heart rate (avg/max)</small><strong>139/159</strong></div>" in content
    assert "<td>1 km</td><td>3:20</td><td>3:20 /km</td>" in content  # best effort
    assert content.count("<td>1.00 km</td>") == 3  # three full splits
    figures = _figures(content)
    assert [re.search(r'aria-label="([^"]+)"', figure).group(1) for figure in figures] == [
        "The route",
        "Pace along the run",
        "Elevation along the run",
        "Heart rate along the run",
    ]
    assert figures == _figures(local)  # drawn from the streams the service hands out: the same SVG


def test_a_manual_run_and_a_ride_over_http(client, elsewhere):
    long_run = client.get(f"/runs/{elsewhere['long_run'].id}/").content.decode()
    assert "<h1>Sunday long run</h1>" in long_run
    assert "<div><small>Distance</small><strong>21.10 km</strong></div>" in long_run
    assert "<div><small>Pace</small><strong>5:00 /km</strong></div>" in long_run
    assert "<p>Windy on the way back</p>" in long_run
    assert _figures(long_run) == []
    ride = client.get(f"/runs/{elsewhere['ride'].id}/").content.decode()
    assert "<div><small>Speed</small><strong>30.0 km/h</strong></div>" in ride


def test_entering_a_run_by_hand_over_http(client, elsewhere):
    form = {"date": "2026-05-13", "start_time": "00:30", "distance": "8", "duration": "44:00", "sport": "trail_run"}
    response = client.post("/runs/new/", {**form, "name": "Hills", "notes": "muddy"})
    assert response.status_code == 302
    run_id = int(response["Location"].split("/")[2])
    run = runs_service.get_run(user_id=elsewhere["intervals"].user_id, run_id=run_id)
    assert (run.name, run.sport, run.distance_m, run.elapsed_s, run.notes) == (
        "Hills",
        "trail_run",
        8000.0,
        2640.0,
        "muddy",
    )
    assert (run.timezone, run.local_date) == ("Europe/Paris", datetime.date(2026, 5, 13))
    assert run.start == datetime.datetime(2026, 5, 12, 22, 30, tzinfo=UTC)
    page = client.get(response["Location"]).content.decode()
    assert "Run saved." in page
    assert "<div><small>Pace</small><strong>5:30 /km</strong></div>" in page


def test_a_manual_run_the_service_refuses_is_a_form_error_over_http(client, elsewhere):
    form = {"date": "1975-05-01", "start_time": "07:00", "distance": "5", "duration": "25:00", "sport": "run"}
    response = client.post("/runs/new/", form)
    assert response.status_code == 200
    assert response.context["form"].errors["date"] == ["must be between 1980 and today"]  # InvalidRun's fields
    bad = client.post("/runs/new/", {**form, "date": "2026-05-01", "duration": "soon"})
    assert bad.context["form"].errors["duration"] == ["Enter the time as h:mm:ss, mm:ss or minutes, e.g. 45:30."]
    user_id = elsewhere["intervals"].user_id
    assert len(runs_service.list_runs(user_id=user_id, include_hidden=True).runs) == 4


def test_editing_keeping_and_deleting_over_http(client, elsewhere, django_capture_on_commit_callbacks):
    user_id = elsewhere["intervals"].user_id
    long_run, duplicate = elsewhere["long_run"], elsewhere["duplicate"]
    edit = client.get(f"/runs/{long_run.id}/edit/").content.decode()
    assert 'value="Sunday long run"' in edit
    assert "Windy on the way back</textarea>" in edit
    shown = dict(re.findall(r'<input type="(?:date|time|number|text)" name="(\w+)" value="([^"]*)"', edit))
    assert set(shown) == {"date", "start_time", "distance", "duration", "name"}  # entered by hand: all of it
    with django_capture_on_commit_callbacks(execute=True):  # the write forgets the runner's kept runs on commit
        response = client.post(
            f"/runs/{long_run.id}/edit/", {**shown, "name": "Half", "sport": "trail_run", "notes": "hilly"}
        )
    assert response["Location"] == f"/runs/{long_run.id}/"
    changed = runs_service.get_run(user_id=user_id, run_id=long_run.id)
    assert (changed.name, changed.sport, changed.notes) == ("Half", "trail_run", "hilly")

    page = client.get(f"/runs/{duplicate.id}/").content.decode()
    assert f'This run looks like one you already have (<a href="/runs/{long_run.id}/">see it</a>)' in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/runs/{duplicate.id}/keep/")["Location"] == f"/runs/{duplicate.id}/"
    kept = runs_service.get_run(user_id=user_id, run_id=duplicate.id)
    assert (kept.hidden, kept.duplicate_of_id) == (False, None)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/runs/{elsewhere['ride'].id}/delete/")["Location"] == "/runs/"
    with pytest.raises(errors.RunNotFound):
        runs_service.get_run(user_id=user_id, run_id=elsewhere["ride"].id)
    assert [row[1] for row in _rows(client.get("/runs/").content.decode())] == [
        "Intervals",
        "Long run (watch)",
        "Half",
    ]


def test_another_runners_run_is_404_over_http(client, elsewhere):
    accounts_testing.create_user(email="bob@example.com", password=PASSWORD)
    client.logout()
    client.login(email="bob@example.com", password=PASSWORD)
    run_id = elsewhere["intervals"].id
    for url in (f"/runs/{run_id}/", f"/runs/{run_id}/edit/"):
        assert client.get(url).status_code == 404
    for url in (f"/runs/{run_id}/edit/", f"/runs/{run_id}/keep/", f"/runs/{run_id}/delete/"):
        assert client.post(url, {"name": "mine", "sport": "run"}).status_code == 404
    assert runs_service.get_run(user_id=elsewhere["intervals"].user_id, run_id=run_id).name == "Intervals"


def test_the_records_page_over_http(client, elsewhere):
    content = client.get("/records/").content.decode()
    running = content.split('<section id="records-running">', 1)[1].split("</section>", 1)[0]
    assert [re.sub(r"<[^>]+>", "", row) for row in re.findall(r"<tr><td>.*?</tr>", running)] == [
        "400 m1:203:20 /kmIntervals, run, Tue 12 May 2026",
        "1 km3:203:20 /kmIntervals, run, Tue 12 May 2026",
        "1 mile5:463:35 /kmIntervals, run, Tue 12 May 2026",
    ]
    assert f'href="/runs/{elsewhere["intervals"].id}/"' in running


@pytest.fixture
def api(runner):
    from django.contrib.auth import get_user_model

    client = APIClient()
    client.force_authenticate(user=get_user_model().objects.get(pk=runner.id))
    return client


def test_the_api_over_http(api, elsewhere, django_capture_on_commit_callbacks):
    listed = api.get("/api/v1/runs/", {"limit": 2}).json()
    assert [(run["name"], run["distance_m"], run["sport"]) for run in listed["runs"]] == [
        ("Intervals", 3000.0, "run"),
        ("Commute", 20000.0, "ride"),
    ]
    rest = api.get("/api/v1/runs/", {"limit": 2, "cursor": listed["next_cursor"]}).json()
    assert ([run["name"] for run in rest["runs"]], rest["next_cursor"]) == (["Sunday long run"], None)
    hidden = api.get("/api/v1/runs/", {"include_hidden": "true", "sport": "run"}).json()
    assert [run["name"] for run in hidden["runs"]] == ["Intervals", "Long run (watch)", "Sunday long run"]

    manual = {"start": "2026-05-14T07:30:00+02:00", "distance_m": 10000, "elapsed_s": 3000, "name": "Tempo"}
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post("/api/v1/runs/", manual, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["pace_s_per_km"], body["local_date"], body["timezone"]) == (
        "Tempo",
        300.0,
        "2026-05-14",
        "Europe/Paris",
    )
    assert api.get(f"/api/v1/runs/{body['id']}/").json() == body
    assert [run["name"] for run in api.get("/api/v1/runs/", {"limit": 2}).json()["runs"]] == ["Tempo", "Intervals"]
    with django_capture_on_commit_callbacks(execute=True):
        changed = api.patch(f"/api/v1/runs/{body['id']}/", {"notes": "steady", "sport": "treadmill"}, format="json")
    assert (changed.json()["notes"], changed.json()["sport"]) == ("steady", "treadmill")
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/v1/runs/{body['id']}/").status_code == 204
    missing = api.get(f"/api/v1/runs/{body['id']}/")
    assert (missing.status_code, missing.json()["code"]) == (404, "runs.run_not_found")

    records = api.get("/api/v1/records/").json()["records"]
    assert [(r["family"], r["distance_key"], round(r["elapsed_s"]), r["run_name"]) for r in records] == [
        ("running", "400m", 80, "Intervals"),
        ("running", "1k", 200, "Intervals"),
        ("running", "1mi", 346, "Intervals"),
    ]
    month = api.get("/api/v1/months/2026/5/").json()
    assert (month["runs"], month["distance_m"], month["elapsed_s"]) == (2, 24100.0, 7010.0)
    cycling = api.get("/api/v1/months/2026/5/", {"family": "cycling"}).json()
    assert (cycling["runs"], cycling["distance_m"]) == (1, 20000.0)
    assert api.get("/api/v1/runs/", {"cursor": "garbage"}).json()["code"] == "runs.invalid_cursor"


def test_the_run_page_costs_the_same_queries_for_a_short_and_a_long_track(client, runner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    short = runs_service.record_run(draft=draft(runner.id, track([(600, 3.0)]), source_id="short")).run
    long = runs_service.record_run(
        draft=draft(
            runner.id,
            track([(3 * 3600, 3.0)]),
            source_id="long",
            start=datetime.datetime(2026, 5, 11, 7, tzinfo=UTC),
        )
    ).run
    counts = []
    for run in (short, long):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/runs/{run.id}/").status_code == 200
        counts.append(len(queries.captured_queries))
    # user (the session is read from the cache); the run with its streams' presence, its best efforts; its samples
    assert counts == [4, 4]


def test_the_forms_choices_are_the_stored_ones():
    from apps.runs.models import Run

    assert Run.Sport.choices == contracts.SPORT_CHOICES


# c. Runs extracted and down ------------------------------------------------------------------------------

PAGES = [
    # (url name, method, status, what it says)
    ("list", "get", 200, "Your runs are temporarily unavailable. Try again in a minute."),
    ("records", "get", 200, "Your records are temporarily unavailable. Try again in a minute."),
    ("new", "get", 200, "Enter a run by hand"),  # the form needs no service
    ("new", "post", 503, "Your runs are temporarily unavailable, so this run was not saved."),
    ("detail", "get", 503, "Your runs are temporarily unavailable. Try again in a minute."),
    ("edit", "get", 503, "Your runs are temporarily unavailable. Try again in a minute."),
    ("edit", "post", 503, "Your runs are temporarily unavailable, so nothing was changed."),
    ("keep", "post", 503, "Your runs are temporarily unavailable, so nothing was changed."),
    ("delete", "post", 503, "Your runs are temporarily unavailable, so nothing was changed."),
]
FORM = {"date": "2026-05-13", "start_time": "07:00", "distance": "8", "duration": "44:00", "sport": "run"}


def _stored():
    from apps.runs.models import BestEffort, Run
    from project.events.models import OutboxEvent

    with service_side():
        return (
            sorted(Run.objects.values_list("id", "name", "sport", "hidden", "notes")),
            BestEffort.objects.count(),
            OutboxEvent.objects.count(),
        )


def test_every_page_of_runs_is_covered_when_it_is_down():
    from apps.runs import urls

    assert {name for name, *_ in PAGES} == {pattern.name for pattern in urls.urlpatterns}


@pytest.mark.parametrize(("name", "method", "status", "says"), PAGES)
def test_with_runs_down_no_page_answers_500_and_nothing_is_stored(
    client, recorded, settings, refused_url, name, method, status, says
):
    before = _stored()
    _extract(settings, down_at=refused_url)
    args = [recorded["long_run"].id] if name in ("detail", "edit", "keep", "delete") else []
    data = {**FORM, "name": "Changed", "notes": "x"} if method == "post" else None
    response = getattr(client, method)(reverse(f"runs:{name}", args=args), data)
    assert response.status_code == status
    content = response.content.decode()
    assert says in content
    if status == 503:
        assert response["Retry-After"] == "60"
    if name == "new" and method == "post":
        assert 'value="8"' in content  # the form comes back as filled in, to be sent again
    assert _stored() == before


API = [
    ("api-runs", "get", None),
    ("api-runs", "post", {"start": "2026-05-14T07:30:00+02:00", "distance_m": 10000, "elapsed_s": 3000}),
    ("api-run", "get", None),
    ("api-run", "patch", {"notes": "x"}),
    ("api-run", "delete", None),
    ("api-records", "get", None),
    ("api-month-summary", "get", None),
]


def test_every_endpoint_of_runs_is_covered_when_it_is_down():
    from apps.runs.api import urls

    assert {name for name, *_ in API} == {pattern.name for pattern in urls.urlpatterns}


@pytest.mark.parametrize(("name", "method", "body"), API)
def test_with_runs_down_the_api_answers_503_in_json(api, recorded, settings, refused_url, name, method, body):
    before = _stored()
    _extract(settings, down_at=refused_url)
    args = {"api-run": [recorded["long_run"].id], "api-month-summary": [2026, 5]}.get(name, [])
    response = getattr(api, method)(reverse(name, args=args), body, format="json")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "service_unavailable"
    assert response.json()["message"].startswith("the runs service is unavailable")
    assert _stored() == before
