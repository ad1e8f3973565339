"""A runner adds a race, chooses a plan for it, and sees its next sessions on the dashboard."""

import datetime
import re

import pytest

from apps.accounts.interface import testing as accounts_testing

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-enough-Passw0rd"


def test_add_a_race_choose_a_plan_and_see_the_sessions_on_the_dashboard(live_server, page, log_in):
    accounts_testing.create_user(email="ada@example.com", password=PASSWORD, timezone="Europe/Paris")
    log_in("ada@example.com", PASSWORD)
    # Ten weeks and two days: the plan's first week starts after today in the runner's zone and the server's.
    race_day = datetime.date.today() + datetime.timedelta(days=72)

    page.get_by_role("link", name="Races", exact=True).click()
    page.get_by_role("link", name="Add a race").click()
    page.fill("input[name=name]", "Lyon 10K")
    page.fill("input[name=date]", race_day.isoformat())
    page.select_option("select[name=distance]", "10000.0")
    page.fill("input[name=city]", "Lyon")
    page.fill("input[name=country]", "France")
    page.fill("input[name=latitude]", "45.7640")
    page.fill("input[name=longitude]", "4.8357")
    page.get_by_role("button", name="Save the race").click()
    page.wait_for_url(re.compile(r"/races/\d+/$"))
    assert page.locator("h1").inner_text() == "Lyon 10K"
    page.get_by_role("button", name="I'm running this").click()
    assert page.get_by_text("You're running this race.").first.is_visible()

    page.get_by_role("link", name="Plans", exact=True).click()
    page.get_by_role("button", name="Choose a plan for a race").click()
    page.select_option("select[name=race]", label=f"Lyon 10K — {race_day:%a} {race_day.day} {race_day:%b %Y}")
    page.select_option("select[name=template]", "10k-beginner")
    for day in ("Tuesday", "Thursday", "Saturday", "Sunday"):
        box = page.get_by_label(day)
        if not box.is_checked():
            box.check()
    page.get_by_role("button", name="Make my plan").click()
    page.wait_for_url(re.compile(r"/plans/\d+/$"))
    assert page.locator("h1").inner_text() == "10 km for beginners"
    rows = page.locator("#calendar tbody tr")
    assert rows.count() == 30
    assert rows.last.locator("td").nth(0).inner_text() == f"{race_day:%a} {race_day.day} {race_day:%b %Y}"

    page.get_by_role("link", name="Dashboard").first.click()
    sessions = page.locator("#next-sessions li")
    assert sessions.count() == 5
    assert "for Lyon 10K" in sessions.first.inner_text()  # the first may be the long run
    assert page.locator("#races-card").get_by_role("link", name="Lyon 10K").is_visible()
