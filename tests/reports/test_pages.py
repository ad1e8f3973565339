"""The report pages, the dashboard card and the unsubscribe link."""

import datetime
import zoneinfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.interface import testing as accounts_testing
from apps.accounts.interface.service import accounts_service
from apps.reports import mailing
from apps.reports.models import MonthSummary
from apps.runs.interface.testing import record_manual_run
from tests.reports.test_service import _history

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
UTC = datetime.UTC


@pytest.fixture
def runner(client):
    profile = accounts_testing.create_user(email="ada@example.com", password=PASSWORD, timezone="Europe/Paris")
    client.login(email="ada@example.com", password=PASSWORD)
    return profile


def test_the_report_pages_need_a_login(client):
    for url in ["/reports/", "/reports/2026-10/"]:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={url}")


def test_a_months_report_shows_its_numbers_and_both_charts(client, runner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = record_manual_run(
            user_id=runner.id, start=datetime.datetime(2026, 10, 4, 8, tzinfo=UTC), distance_m=21097.5, elapsed_s=6300
        )
        record_manual_run(
            user_id=runner.id, start=datetime.datetime(2026, 10, 5, 8, tzinfo=UTC), distance_m=5000, elapsed_s=1500
        )
    page = client.get("/reports/2026-10/").content.decode()
    assert "<h1>October 2026</h1>" in page
    assert "<strong>26.10 km</strong>" in page
    assert 'id="streak">2 days<' in page
    assert f'href="/runs/{run.id}/"' in page  # the longest run
    # Each chart is one <svg>, holding a drawing for a phone, a tablet and a desktop (see test_charts.py).
    assert page.count('<svg class="report-chart" role="img"') == 2
    assert page.count('<svg class="for-') == 6
    assert (
        'aria-label="Distance per week: week of 28 Sep 21.1 km, week of 5 Oct 5.0 km, week of 12 Oct 0.0 km,' in page
    )
    assert "Distance per week, Monday to Sunday" in page
    assert "Average pace per month, last 12 months" in page
    assert 'href="/static/reports/report.css"' in page


def test_a_chart_is_drawn_once_for_the_same_numbers_then_comes_from_the_cache(client, runner):
    from apps.reports import views

    client.get("/reports/2026-02/")
    keys = [key.removeprefix(":1:") for key in cache._cache if ":reports:chart:" in key]  # locmem's own keys
    assert len(keys) == 2  # the two charts, each with its three drawings
    assert all(key.startswith(f"reports:chart:v{views.CHART_VERSION}:") for key in keys)
    for key in keys:
        cache.set(key, f'<svg class="report-chart" id="cached-{key.split(":")[3]}"></svg>')
    again = client.get("/reports/2026-02/").content.decode()
    assert ('id="cached-weekly"' in again, 'id="cached-pace"' in again) == (True, True)
    # Other numbers (a month with its own weeks) are drawn, not taken from another month's charts.
    other = client.get("/reports/2026-03/").content.decode()
    assert ("cached-weekly" in other, "cached-pace" in other, other.count('<svg class="report-chart"')) == (
        False,
        False,
        2,
    )


def test_a_month_without_runs_says_so(client, runner):
    page = client.get("/reports/2026-02/").content.decode()
    assert 'id="no-runs"' in page
    assert page.count('<svg class="report-chart"') == 2  # empty charts, still drawn


@pytest.mark.parametrize("url", ["/reports/2026-13/", "/reports/1970-01/", "/reports/2999-01/", "/reports/?year=x"])
def test_impossible_or_future_months_are_not_found(client, runner, url):
    assert client.get(url).status_code == 404


def test_the_reports_list_shows_the_year_month_by_month(client, runner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record_manual_run(user_id=runner.id, start=datetime.datetime(2025, 3, 5, 8, tzinfo=UTC), distance_m=8000)
    page = client.get("/reports/?year=2025").content.decode()
    assert '<a href="/reports/2025-03/">March</a>' in page
    assert '<a href="/reports/2025-12/">December</a>' in page
    assert "2025: 1 run, 8.00 km" in page
    empty = client.get("/reports/?year=2024").content.decode()
    assert "No runs in 2024" in empty
    assert '<a href="?year=2025">2025</a>' in empty


@pytest.mark.parametrize("url", ["/reports/2026-10/", "/dashboard/", "/reports/"])
def test_report_pages_and_the_dashboard_cost_the_same_queries_for_3_months_as_for_120(client, runner, url):
    _history(runner.id, 3)
    cache.clear()  # the dashboard's runs list is cached: measure both from cold
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    MonthSummary.objects.all().delete()
    _history(runner.id, 120)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_the_dashboard_card_shows_last_month(client, runner, django_capture_on_commit_callbacks):
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Paris")).date()  # the runner's today
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        record_manual_run(
            user_id=runner.id,
            start=datetime.datetime.combine(last_month.replace(day=15), datetime.time(9), tzinfo=UTC),
            distance_m=12000,
        )
    page = client.get("/dashboard/").content.decode()
    card = page[page.index('id="report-card"') : page.index("Last runs")]
    assert "<strong>1 run</strong>, <strong>12.00 km</strong>" in card
    assert f'href="/reports/{last_month:%Y-%m}/"' in card


def test_the_unsubscribe_link_works_without_logging_in(client):
    runner = accounts_testing.create_user(email="bo@example.com")
    url = f"/reports/unsubscribe/{mailing.unsubscribe_token(runner.id)}/"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "bo@example.com will no longer get the monthly report" in confirm.content.decode()
    assert accounts_service.get_user(user_id=runner.id).wants_monthly_report is True  # a GET changes nothing
    done = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert (done.status_code, 'id="unsubscribed"' in done.content.decode()) == (200, True)
    assert accounts_service.get_user(user_id=runner.id).wants_monthly_report is False


def test_a_tampered_unsubscribe_link_is_refused(client):
    runner = accounts_testing.create_user(email="bo@example.com")
    other = accounts_testing.create_user(email="cy@example.com")
    token = mailing.unsubscribe_token(runner.id)
    signature = token.rsplit(":", 1)[1]
    forged = mailing.unsubscribe_token(other.id).rsplit(":", 1)[0] + ":" + signature
    for bad in [forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "made-up"]:
        response = client.post(f"/reports/unsubscribe/{bad}/")
        assert response.status_code == 400
        assert "This unsubscribe link is not valid" in response.content.decode()
    assert [accounts_service.get_user(user_id=u.id).wants_monthly_report for u in (runner, other)] == [True, True]


def test_deleting_the_account_deletes_its_summaries_and_send_log(client, runner, django_capture_on_commit_callbacks):
    from apps.reports import operations
    from apps.reports.models import ReportDelivery

    other = accounts_testing.create_user(email="bo@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        record_manual_run(user_id=runner.id, start=datetime.datetime(2026, 3, 5, 8, tzinfo=UTC))
        record_manual_run(user_id=other.id, start=datetime.datetime(2026, 3, 5, 8, tzinfo=UTC))
    operations.skip_delivery(user_id=runner.id, year=2026, month=2)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/profile/delete/", {"password": PASSWORD})
    assert list(MonthSummary.objects.values_list("user_id", flat=True)) == [other.id]
    assert ReportDelivery.objects.count() == 0


def test_with_the_reports_service_down_the_dashboard_and_report_pages_say_so(client, runner, settings):
    import socket

    with socket.socket() as closed:  # bound, never listening: every call is refused
        closed.bind(("127.0.0.1", 0))
        settings.SERVICE_ROUTING = {"reports": f"http://127.0.0.1:{closed.getsockname()[1]}"}
        settings.RPC_RETRIES = 0
        dashboard = client.get("/dashboard/")
        month = client.get("/reports/2026-10/")
        index = client.get("/reports/")
    assert dashboard.status_code == 200
    assert "Your monthly report is temporarily unavailable" in dashboard.content.decode()
    assert "<h2>Next sessions</h2>" in dashboard.content.decode()  # the rest of the page is there
    for page in (month, index):
        assert page.status_code == 200
        assert 'id="reports-unavailable"' in page.content.decode()
