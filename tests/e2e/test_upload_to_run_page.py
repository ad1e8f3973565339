"""A runner uploads a GPX file, sees the run on the dashboard, and opens its page."""

import re

import pytest

from apps.accounts.interface import testing as accounts_testing
from tests.imports import reference

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-enough-Passw0rd"


def test_upload_a_file_and_see_the_run_on_the_dashboard(live_server, page, log_in):
    accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    log_in("ada@example.com", PASSWORD)

    page.get_by_role("link", name="Upload", exact=True).click()
    page.set_input_files("input[name=files]", str(reference.FIXTURES / "gpx11_strava_run_hr.gpx"))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/imports/jobs/[0-9a-f-]+/$"))
    assert page.locator("#job-status").inner_text() == "Done"
    assert page.locator("#job-counts").inner_text() == "1 imported · 0 already there · 0 failed"

    page.get_by_role("link", name="Dashboard").first.click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    row = page.locator("main table tbody tr").first
    assert row.locator("td").nth(1).inner_text() == "Greeting SF with a dumb, dumb route"
    assert row.locator("td").nth(2).inner_text() == "Run"
    assert row.locator("td").nth(3).inner_text() == "3.51 km"  # 3.57 km raw, less an 82 m/s GPS jump (decision 0017)

    row.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/runs/\d+/$"))
    assert page.locator("h1").inner_text() == "Greeting SF with a dumb, dumb route"
    assert page.locator("svg[aria-label='The route'] path").count() == 1
    assert page.locator("svg[aria-label='Heart rate along the run']").count() == 1
