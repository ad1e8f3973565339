"""Staff find a runner's runs in the admin by the runner's email."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface import testing as runs_testing

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-enough-Passw0rd"
START = datetime.datetime(2026, 3, 2, 7, tzinfo=datetime.UTC)


def test_staff_search_runs_by_email_and_see_that_runners_runs_only(live_server, page):
    get_user_model().objects.create_superuser(email="staff@example.com", password=PASSWORD)
    maya = accounts_testing.create_user(email="maya@example.com")
    ben = accounts_testing.create_user(email="ben@example.com")
    for day, name in enumerate(["Maya's tempo", "Maya's long run"]):
        runs_testing.record_manual_run(user_id=maya.id, start=START + datetime.timedelta(days=day), name=name)
    runs_testing.record_manual_run(user_id=ben.id, start=START, name="Ben's easy run", distance_m=10500)

    page.goto(live_server.url + "/admin/")
    page.fill("input[name=username]", "staff@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    assert page.locator("#site-name").inner_text() == "Runnerly administration"

    page.locator("#runs-run").get_by_role("link", name="Runs").click()
    page.wait_for_url(re.compile(r"/admin/runs/run/$"))
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    page.fill("#searchbar", "Maya@Example.com")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"\?q=Maya%40Example.com$"))

    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    assert sorted(rows.locator("td.field-name").all_inner_texts()) == ["Maya's long run", "Maya's tempo"]
    assert rows.locator("td.field-runner").all_inner_texts() == ["maya@example.com", "maya@example.com"]
    assert rows.locator("td.field-distance").all_inner_texts() == ["5.00 km", "5.00 km"]
