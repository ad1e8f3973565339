"""A runner connects Strava on its authorize page, sees the runs on the dashboard, and disconnects."""

import re

import pytest

from apps.accounts.interface import testing as accounts_testing

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-enough-Passw0rd"


def test_connect_see_runs_and_disconnect(live_server, page, log_in, fake_strava):
    fake_strava.add_athlete(903, activities=12)
    accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    log_in("ada@example.com", PASSWORD)

    page.get_by_role("link", name="Strava", exact=True).click()
    page.get_by_role("button", name="Connect with Strava").click()
    page.wait_for_selector("#authorize")  # Strava's (fake) authorize page
    assert page.locator("h1").inner_text() == "Authorize Runnerly"
    page.click("#authorize")
    page.wait_for_url(re.compile(r"/strava/$"))
    assert page.get_by_role("status").inner_text() == "Connected to Strava. Your runs are being imported."
    assert (
        page.locator("#strava-sync").inner_text()
        == "History imported: 12 activities. New ones arrive as you record them."
    )

    page.get_by_role("link", name="Dashboard").click()
    rows = page.locator("main table tbody tr")
    assert rows.count() == 10
    newest = fake_strava.athletes[903].activities[-1]
    assert rows.first.locator("td").nth(1).inner_text() == newest["name"] == "Run 100300011"

    page.get_by_role("link", name="Strava", exact=True).click()
    page.locator("details summary").click()
    page.get_by_role("button", name="Disconnect from Strava").click()
    page.wait_for_url(re.compile(r"/strava/$"))
    assert "the 12 runs that came from it are deleted" in page.get_by_role("status").inner_text()
    page.get_by_role("link", name="Dashboard").click()
    assert "No runs yet." in page.content()
