"""The runner's pages: runs list, run page, manual entry, edit, delete, records, dashboard."""

import datetime
import zoneinfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface import contracts
from apps.runs.interface import testing as runs_testing
from apps.runs.interface.service import runs_service
from apps.runs.models import Run
from tests.runs.helpers import bulk_runs
from tests.runs.tracks import INTERVAL_SEGMENTS, draft, track

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
# Tomorrow where the runner lives: within a day of now, yet in the future for someone typing in their own zone.
TOMORROW_IN_PARIS = (
    datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Paris")).date() + datetime.timedelta(days=1)
).isoformat()


@pytest.fixture
def runner(client):
    profile = accounts_testing.create_user(email="ada@example.com", password=PASSWORD, timezone="Europe/Paris")
    client.login(email="ada@example.com", password=PASSWORD)
    return profile


def _queries(client, url):
    cache.clear()  # every section computed, none kept from the last view (project/rpc/versions.py)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("url", ["/runs/", "/dashboard/", "/api/v1/runs/"])
def test_list_pages_cost_the_same_queries_for_5_runs_as_for_500(client, runner, url):
    bulk_runs(runner.id, 5)
    few = _queries(client, url)
    bulk_runs(runner.id, 495, start=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))
    assert _queries(client, url) == few
    assert few <= 12  # session, user, and one or two per section of the dashboard (each a service call)


def test_the_runs_page_filters_by_sport_and_dates_and_pages(client, runner):
    bulk_runs(runner.id, 30)
    Run.objects.filter(name="Run 3").update(sport="ride")
    page = client.get("/runs/").content.decode()
    assert page.count('href="/runs/') >= 25
    assert "Older runs" in page
    rides = client.get("/runs/", {"sport": "ride"}).content.decode()
    assert "Run 3" in rides
    assert "Run 4" not in rides
    one_day = client.get("/runs/", {"from": "2026-01-02", "to": "2026-01-02"}).content.decode()
    # Run i starts i hours after 07:00 on 1 January: 2 January holds runs 17 to 29.
    assert ">Run 17<" in one_day
    assert ">Run 16<" not in one_day
    assert ">Run 29<" in one_day


def test_an_empty_runs_page_says_what_to_do(client, runner):
    content = client.get("/runs/").content.decode()
    assert "No runs match." in content
    assert 'href="/imports/"' in content


def test_a_runs_page_shows_stats_route_charts_splits_and_best_efforts(client, runner):
    run = runs_service.record_run(draft=draft(runner.id, track(INTERVAL_SEGMENTS), name="Intervals")).run
    content = client.get(f"/runs/{run.id}/").content.decode()
    assert "<h1>Intervals</h1>" in content
    assert "3.00 km" in content
    assert 'aria-label="The route"' in content
    assert 'aria-label="Pace along the run"' in content
    assert 'aria-label="Elevation along the run"' not in content  # the track has no elevation
    assert "<td>1 km</td><td>3:20</td><td>3:20 /km</td>" in content


def test_another_users_run_page_is_404(client, runner):
    other = accounts_testing.create_user(email="bob@example.com")
    run = runs_testing.record_manual_run(
        user_id=other.id, start=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC), elapsed_s=600, distance_m=2000
    )
    for url in (f"/runs/{run.id}/", f"/runs/{run.id}/edit/"):
        assert client.get(url).status_code == 404
    for url in (f"/runs/{run.id}/delete/", f"/runs/{run.id}/keep/"):
        assert client.post(url).status_code == 404
    assert Run.objects.filter(pk=run.id).exists()


def test_entering_a_run_by_hand_in_the_runners_units_and_time_zone(client, runner):
    accounts_testing.update_profile(runner.id, units="imperial")
    response = client.post(
        "/runs/new/",
        {
            "date": "2026-03-01",
            "start_time": "00:30",
            "distance": "3.1",
            "duration": "27:45",
            "sport": "run",
            "name": "",
        },
    )
    run = Run.objects.get()
    assert response["Location"] == f"/runs/{run.id}/"
    assert (run.distance_m, run.elapsed_s, run.timezone) == (4989.0, 1665.0, "Europe/Paris")
    assert run.start == datetime.datetime(2026, 2, 28, 23, 30, tzinfo=datetime.UTC)
    assert run.local_date == datetime.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"duration": "soon"}, "duration", "Enter the time as h:mm:ss, mm:ss or minutes, e.g. 45:30."),
        ({"duration": "0:00"}, "duration", "The time must be more than zero."),
        ({"distance": "-1"}, "distance", "Ensure this value is greater than or equal to 0."),
        ({"distance": "0"}, "distance", "Enter the distance you covered (more than 0)."),
        ({"duration": "90:75"}, "duration", "Minutes and seconds go up to 59, e.g. 1:05:30."),
        (
            {"distance": "1000", "duration": "50:00"},
            "duration",
            "1000 km in 50:00 is faster than anyone moves on a run: check the distance and the time.",
        ),
        (
            {"distance": "150", "duration": "1:00:00", "sport": "ride"},
            "duration",
            "150 km in 1:00:00 is faster than anyone moves on a ride: check the distance and the time.",
        ),
        ({"date": "2999-01-01"}, "date", "A run cannot start in the future."),
        ({"date": TOMORROW_IN_PARIS, "start_time": "00:01"}, "date", "A run cannot start in the future."),
    ],
)
def test_a_bad_manual_run_is_a_form_error_and_nothing_is_stored(client, runner, changes, field, error):
    data = {"date": "2026-03-01", "start_time": "07:00", "distance": "5", "duration": "25:00", "sport": "run"}
    response = client.post("/runs/new/", {**data, **changes})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [error]
    assert Run.objects.count() == 0


def test_editing_and_deleting_a_run(client, runner):
    run = runs_service.record_run(draft=draft(runner.id, track(INTERVAL_SEGMENTS))).run
    client.post(f"/runs/{run.id}/edit/", {"name": "Track session", "sport": "trail_run", "notes": "hot"})
    assert Run.objects.values_list("name", "sport", "notes").get() == ("Track session", "trail_run", "hot")
    response = client.post(f"/runs/{run.id}/delete/")
    assert response["Location"] == "/runs/"
    assert Run.objects.count() == 0


def test_a_duplicate_is_shown_to_be_resolved_and_can_be_kept(client, runner):
    start = datetime.datetime(2026, 5, 10, 7, tzinfo=datetime.UTC)
    manual = {"user_id": runner.id, "source": "manual", "start": start, "elapsed_s": 1500, "distance_m": 5000}
    runs_service.record_run(draft=contracts.RunDraft(**manual, source_id="a"))
    duplicate = runs_service.record_run(draft=contracts.RunDraft(**manual, source_id="b")).run
    content = client.get(f"/runs/{duplicate.id}/").content.decode()
    assert "This run looks like one you already have" in content
    client.post(f"/runs/{duplicate.id}/keep/")
    assert Run.objects.get(pk=duplicate.id).hidden is False


def test_the_records_page_lists_the_fastest_efforts(client, runner):
    runs_service.record_run(draft=draft(runner.id, track(INTERVAL_SEGMENTS), name="Intervals"))
    content = client.get("/records/").content.decode()
    assert "<td>1 km</td><td>3:20</td><td>3:20 /km</td>" in content


def test_the_dashboard_shows_this_month_in_the_runners_time_zone(client, runner, settings):
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    # A minute into the runner's today: this month in Paris whatever the hour (half an hour ago was last
    # month in Paris between 23:00 and 23:30 UTC on a month's last day).
    today = datetime.datetime.combine(datetime.datetime.now(paris).date(), datetime.time(0, 1), tzinfo=paris)
    runs_service.record_run(
        draft=contracts.RunDraft(
            user_id=runner.id,
            source="manual",
            start=today,
            elapsed_s=1500,
            distance_m=5000,
        )
    )
    content = client.get("/dashboard/").content.decode()
    assert "<div><small>Runs</small><strong>1</strong></div>" in content
    assert "5.00 km" in content


def test_the_dashboard_says_when_the_runs_service_is_unavailable(client, runner, settings):
    settings.SERVICE_ROUTING = {"runs": "http://127.0.0.1:9"}  # nothing listens there
    settings.RPC_RETRIES = 0
    response = client.get("/dashboard/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Your totals are temporarily unavailable." in content
    assert "Your runs are temporarily unavailable." in content


def test_a_run_entered_by_hand_can_be_corrected_whole_and_its_old_month_forgets_it(
    client, runner, django_capture_on_commit_callbacks
):
    from apps.reports.interface.service import reports_service

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/runs/new/",
            {
                "name": "Easy",
                "sport": "run",
                "date": "2026-04-30",
                "start_time": "23:30",
                "distance": "8",
                "duration": "45:00",
            },
        )
    run = Run.objects.get()
    page = client.get(f"/runs/{run.id}/edit/").content.decode()
    for shown in ['value="2026-04-30"', 'value="23:30"', 'value="8.0"', 'value="45:00"']:  # the run's zone: Paris
        assert shown in page, shown
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/runs/{run.id}/edit/",
            {
                "name": "Easy, corrected",
                "sport": "run",
                "date": "2026-05-01",
                "start_time": "06:15",
                "distance": "10.5",
                "duration": "52:30",
                "average_heart_rate": "148",
                "notes": "",
            },
        )
    assert (response.status_code, response["Location"]) == (302, f"/runs/{run.id}/")
    run.refresh_from_db()
    assert (run.name, run.local_date, run.distance_m, run.elapsed_s, run.moving_s, run.average_heart_rate) == (
        "Easy, corrected",
        datetime.date(2026, 5, 1),
        10500.0,
        3150.0,
        3150.0,
        148,
    )
    assert run.start == datetime.datetime(2026, 5, 1, 4, 15, tzinfo=datetime.UTC)  # 06:15 in Paris (summer time)
    april = reports_service.get_month_report(user_id=runner.id, year=2026, month=4).summary
    may = reports_service.get_month_report(user_id=runner.id, year=2026, month=5).summary
    assert ((april.runs, april.distance_m), (may.runs, may.distance_m)) == ((0, 0.0), (1, 10500.0))


def test_a_recorded_run_keeps_its_numbers_and_a_bad_correction_is_a_form_error(client, runner):
    from apps.runs.interface import errors

    recorded = runs_service.record_run(draft=draft(runner.id, track(INTERVAL_SEGMENTS))).run
    page = client.get(f"/runs/{recorded.id}/edit/").content.decode()
    assert 'name="distance"' not in page
    assert "come from its recording" in page
    with pytest.raises(errors.InvalidRun, match="only a run entered by hand"):
        runs_service.update_run(user_id=runner.id, run_id=recorded.id, distance_m=1000.0)
    manual = runs_testing.record_manual_run(
        user_id=runner.id, start=datetime.datetime(2026, 5, 2, 7, tzinfo=datetime.UTC)
    )
    response = client.post(
        f"/runs/{manual.id}/edit/",
        {
            "sport": "run",
            "date": "2026-05-02",
            "start_time": "07:00",
            "distance": "5",
            "duration": "25:00",
            "average_heart_rate": "300",
        },
    )
    assert response.context["form"].errors == {
        "average_heart_rate": ["Ensure this value is less than or equal to 250."]
    }
    with pytest.raises(errors.InvalidRun, match="elapsed_s must be above"):
        runs_service.update_run(user_id=runner.id, run_id=manual.id, elapsed_s=float("nan"))
    with pytest.raises(errors.InvalidRun, match="faster than anyone moves on a run"):
        runs_service.update_run(user_id=runner.id, run_id=manual.id, elapsed_s=60.0)  # its 5 km in a minute
    assert Run.objects.get(pk=manual.id).elapsed_s == manual.elapsed_s
