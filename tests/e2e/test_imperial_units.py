"""A runner in imperial units reads miles, feet, min/mi and mph: no "km" and no "/km" on the pages they use,
with a year of demo runs, races and a plan (issue 15, item 4)."""

from __future__ import annotations

import datetime
import io
import re

import pytest

KM = re.compile(r"\bkm\b|/km|km/h")
NO_DISTANCE = {"plans", "plan_new"}  # pages that show no measured distance, so no miles either
# Every week of a long plan is folded; the text of a closed <details> is not rendered, so open them all.
OPEN_ALL = "() => document.querySelectorAll('details').forEach((d) => { d.open = true; })"


@pytest.fixture
def imperial_demo(django_db_blocker):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from apps.accounts.management.commands.seed_demo_user import DEMO_EMAIL
    from apps.plans.interface.service import plans_service
    from apps.races.interface.service import races_service
    from apps.runs.interface.service import runs_service

    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=io.StringIO())
        user = get_user_model().objects.get(email=DEMO_EMAIL)
        user.units = "imperial"
        user.save(update_fields=["units"])
        run = runs_service.list_runs(user_id=user.pk, limit=1).runs[0]
        race = races_service.list_races_of_runner(user_id=user.pk)[0]
        plan = plans_service.list_plans(user_id=user.pk)[0]
    last_month = datetime.date.today().replace(day=1) - datetime.timedelta(days=1)
    return {
        "dashboard": "/dashboard/",
        "run": f"/runs/{run.id}/",
        "runs": "/runs/",
        "report": f"/reports/{last_month:%Y-%m}/",
        "reports": "/reports/",
        "records": "/records/",
        "plan": f"/plans/{plan.id}/",
        "plans": "/plans/",
        "race": f"/races/{race.id}/",
        "races": "/races/",
        "race_new": "/races/new/",
        "plan_new": "/plans/new/",
        "run_new": "/runs/new/",
    }


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_runner_in_imperial_sees_no_km(live_server, page, imperial_demo):
    from apps.accounts.management.commands.seed_demo_user import DEMO_EMAIL, DEMO_PASSWORD

    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", DEMO_EMAIL)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith("/dashboard/"), page.url

    leaks, without_miles = {}, []
    for name, url in imperial_demo.items():
        page.goto(live_server.url + url, wait_until="load")
        page.evaluate(OPEN_ALL)
        text = page.evaluate("document.body.innerText")
        found = [text[max(0, m.start() - 30) : m.end() + 10].replace("\n", " ") for m in KM.finditer(text)]
        if found:
            leaks[name] = found[:5]
        if name not in NO_DISTANCE and not re.search(r"\bmi\b|/mi\b|\bmph\b", text):
            without_miles.append(name)
    assert not leaks, f"km shown to a runner in imperial: {leaks}"
    assert not without_miles, f"no miles on: {without_miles}"
