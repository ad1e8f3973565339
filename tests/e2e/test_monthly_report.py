"""A runner opens their reports from the dashboard, then last month's report with its two charts."""

import datetime
import re
import zoneinfo

import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface.testing import record_manual_run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-enough-Passw0rd"


def test_open_the_reports_and_a_months_report_with_its_charts(live_server, page, log_in):
    runner = accounts_testing.create_user(email="ada@example.com", password=PASSWORD, timezone="Europe/Paris")
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Paris")).date()  # the runner's today, not UTC's
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    for day, distance in [(3, 8000.0), (4, 12000.0), (17, 21097.5)]:
        start = datetime.datetime.combine(last_month.replace(day=day), datetime.time(9), tzinfo=datetime.UTC)
        record_manual_run(user_id=runner.id, start=start, distance_m=distance, elapsed_s=distance * 0.3)
    log_in("ada@example.com", PASSWORD)

    card = page.locator("#report-card")
    assert card.locator("h2").inner_text() == f"{last_month:%B %Y}"
    assert "3 runs, 41.10 km" in card.inner_text()

    page.get_by_role("link", name="Reports", exact=True).click()
    page.wait_for_url(re.compile(r"/reports/$"))
    page.get_by_role("link", name=f"{last_month:%B}", exact=True).click()
    page.wait_for_url(re.compile(rf"/reports/{last_month:%Y-%m}/$"))

    assert page.locator("h1").inner_text() == f"{last_month:%B %Y}"
    assert page.locator("#summary .stats div").nth(1).locator("strong").inner_text() == "41.10 km"
    assert page.locator("#streak").inner_text() == "2 days"
    weekly, pace = page.locator("#weekly-chart > svg"), page.locator("#pace-chart > svg")
    assert weekly.is_visible()
    assert pace.is_visible()
    assert weekly.bounding_box()["width"] > 300
    assert "Distance per week" in weekly.text_content()
    assert "Average pace per month" in pace.text_content()
