"""The plans pages, feed and API reach plans only through PlansService, so they work unchanged with plans lifted out.

- Over HTTP: PlansService routed to the internal endpoint through the test client, once as is and once with plans
  extracted from the monolith (its tables off limits to the page; only the service's side of each call reads them).
- Statically (tests/architecture/test_web_side.py): no web-side module of apps/plans imports its internals.
- Down: plans extracted and refusing connections, every page answers without a 500 and changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime
import zoneinfo

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse

from apps.accounts.interface import testing as accounts_testing
from apps.plans import feed
from apps.plans.interface import contracts
from apps.plans.interface.service import plans_service
from apps.plans.models import PlannedSession
from apps.races.interface import contracts as races_contracts
from apps.races.interface.testing import add_race
from apps.runs.interface import contracts as runs_contracts
from apps.runs.interface.service import runs_service
from project.rpc.testing import serve_over_test_client

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
ZONE = "Pacific/Auckland"  # far from UTC: "today" is the runner's
TRAINING_DAYS = [1, 3, 5, 6]


def _today() -> datetime.date:
    return datetime.datetime.now(zoneinfo.ZoneInfo(ZONE)).date()


def _day(day: datetime.date) -> str:  # the site's one date format, "Tue 4 Jan 2027"
    return f"{day:%a} {day.day} {day:%b %Y}"


@dataclasses.dataclass
class World:
    ada: object
    race: races_contracts.Race  # Ada's plan is for it
    other_race: races_contracts.Race  # no plan yet
    plan: contracts.Plan  # as created, before any tick
    done_id: int  # ticked off by `run_id`
    run_id: int
    missed_id: int


@pytest.fixture
def world(client, django_capture_on_commit_callbacks) -> World:
    """Ada's 5 km plan, one session done by a run yesterday and one missed the day before; logged in."""
    ada = accounts_testing.create_user(email="ada@example.com", password=PASSWORD, timezone=ZONE)
    race = add_race(
        added_by_id=ada.id, name="Harbour 5K", race_date=_today() + datetime.timedelta(days=60), distance_m=5000.0
    )
    other = add_race(added_by_id=ada.id, race_date=_today() + datetime.timedelta(days=100), distance_m=10000.0)
    plan = plans_service.create_plan(
        user_id=ada.id, race_id=race.id, template="5k-beginner", training_days=TRAINING_DAYS
    )
    easy, intervals = (next(s for s in plan.sessions if s.kind == kind) for kind in ("easy", "intervals"))  # week 1
    yesterday = _today() - datetime.timedelta(days=1)
    PlannedSession.objects.filter(pk=easy.id).update(date=yesterday)
    PlannedSession.objects.filter(pk=intervals.id).update(date=yesterday - datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        run = runs_service.record_run(
            draft=runs_contracts.RunDraft(
                user_id=ada.id,
                source=runs_contracts.Source.MANUAL,
                start=datetime.datetime.combine(yesterday, datetime.time(7), tzinfo=zoneinfo.ZoneInfo(ZONE)),
                distance_m=3000.0,
                elapsed_s=1000.0,
            )
        ).run
    client.login(email="ada@example.com", password=PASSWORD)
    return World(ada, race, other, plan, done_id=easy.id, run_id=run.id, missed_id=intervals.id)


@pytest.fixture(params=["remote", "extracted"])
def remote(request, settings, world) -> World:
    """PlansService over HTTP through the test client; "extracted": and plans' tables off limits to the pages."""
    serve_over_test_client(settings, "plans", extracted=request.param == "extracted")
    return world


# --- a. The pages and the API, with PlansService over HTTP --------------------------------------------------------


def test_the_list_shows_the_runners_plans_and_every_template(client, remote):
    page = client.get("/plans/")
    assert page.status_code == 200
    content = page.content.decode()
    race_date = remote.race.race_date
    assert (
        f'<td><a href="/plans/{remote.plan.id}/">Harbour 5K</a>, {_day(race_date)}</td>\n'
        "  <td>5 km for beginners</td>\n  <td>24</td>"
    ) in content
    templates = content.split('<table class="striped" id="templates">')[1]
    assert templates.count("<tr><td>") == 8
    assert "<tr><td>5 km for beginners</td><td>8</td><td>24</td>" in templates
    assert "<tr><td>Marathon, intermediate</td><td>16</td><td>78</td>" in templates


def test_the_plan_page_shows_its_calendar_done_missed_and_to_come(client, remote):
    page = client.get(f"/plans/{remote.plan.id}/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "<h1>5 km for beginners</h1>" in content
    assert f"For <strong>Harbour 5K</strong> on {_day(remote.race.race_date)}" in content
    assert "training on Tuesday, Thursday, Saturday, Sunday, the long run on Sunday." in content
    assert '<p id="plan-counts">1 done · 1 missed · 22 to come</p>' in content
    assert [content.count(f'<tr class="{status}">') for status in ("done", "missed", "upcoming")] == [1, 1, 22]
    assert '<span class="session done">Easy 3.00 km</span>' in content
    assert f'<a href="/runs/{remote.run_id}/">Done</a>' in content
    assert '<span class="session missed">Intervals 3.20 km</span>' in content
    assert '<span class="session upcoming">Race 5.00 km</span>' in content
    assert "Conversational pace — easy: you could talk in full sentences" in content
    assert f"/plans/calendar/{feed.token(remote.plan.id)}.ics" in content
    assert client.get(f"/plans/{remote.plan.id + 1000}/").status_code == 404


def test_choosing_a_plan_for_a_race_through_the_form(client, remote):
    page = client.get(f"/plans/new/?race={remote.other_race.id}")
    assert page.status_code == 200
    content = page.content.decode()
    assert f'<option value="{remote.other_race.id}" selected>City 10K' in content
    assert '<option value="10k-beginner" selected>10 km for beginners (10 weeks, 30 runs)</option>' in content
    data = {"race": remote.other_race.id, "template": "10k-beginner"}
    refused = client.post("/plans/new/", {**data, "training_days": [6]})  # InvalidPlan comes back over the wire
    assert refused.status_code == 200
    assert "This plan has 3 runs in week 1; choose at least 3 training days." in refused.content.decode()
    made = client.post("/plans/new/", {**data, "training_days": [0, 2, 4]}, follow=True)
    assert made.status_code == 200
    content = made.content.decode()
    assert "Your plan for City 10K is ready." in content
    assert '<p id="plan-counts">0 done · 0 missed · 30 to come</p>' in content
    assert [p.race_name for p in plans_service.list_plans(user_id=remote.ada.id)] == ["Harbour 5K", "City 10K"]


def test_moving_the_training_days_and_deleting_the_plan(client, remote):
    moved = client.post(f"/plans/{remote.plan.id}/days/", {"training_days": [0, 2, 4, 5]}, follow=True)
    content = moved.content.decode()
    assert "Your sessions to come are on your new training days: " in content
    assert "training on Monday, Wednesday, Friday, Saturday, the long run on Saturday." in content
    assert '<p id="plan-counts">1 done · 1 missed · 22 to come</p>' in content
    refused = client.post(f"/plans/{remote.plan.id}/days/", {"training_days": [6]}, follow=True)
    assert "This plan has 3 runs in week 1; choose at least 3 training days." in refused.content.decode()
    deleted = client.post(f"/plans/{remote.plan.id}/delete/", follow=True)
    assert "The plan is deleted." in deleted.content.decode()
    assert '<p class="empty">No plan yet.</p>' in deleted.content.decode()
    assert client.post(f"/plans/{remote.plan.id}/delete/").status_code == 404


def test_changing_the_training_days_lists_every_session_it_moved_once(client, remote):
    before = {s.id: s for s in plans_service.get_plan(user_id=remote.ada.id, plan_id=remote.plan.id).sessions}
    page = client.post(
        f"/plans/{remote.plan.id}/days/", {"training_days": [0, 2, 4, 5], "long_run_day": 5}, follow=True
    )
    after = plans_service.get_plan(user_id=remote.ada.id, plan_id=remote.plan.id).sessions
    changed = [s for s in after if (s.date, s.kind) != (before[s.id].date, before[s.id].kind)]
    assert len(after) == len(before)
    assert len(changed) > 0
    content = page.content.decode()
    assert f"Your sessions to come are on your new training days: {len(changed)} sessions changed, listed below." in (
        content
    )
    listed = content.split('<section id="changes" aria-label="What changed">')[1].split("</section>")[0]
    assert listed.count("<li>") == len(changed)
    long_run = next(s for s in changed if s.kind == "long")
    was = before[long_run.id]
    assert f"<li>{_day(was.date)}: Long {was.distance_m / 1000:.2f} km → {_day(long_run.date)}</li>" in listed
    assert {s.date.weekday() for s in after if s.kind == "long" and s.status == "upcoming"} == {5}
    assert 'id="changes"' not in client.get(f"/plans/{remote.plan.id}/").content.decode()  # shown once


def test_the_long_run_day_is_one_of_the_training_days_or_the_form_says_so(client, remote):
    page = client.get(f"/plans/{remote.plan.id}/")
    assert '<option value="6" selected>Sunday</option>' in page.content.decode()  # the plan's long-run day
    before = plans_service.get_plan(user_id=remote.ada.id, plan_id=remote.plan.id)
    refused = client.post(
        f"/plans/{remote.plan.id}/days/", {"training_days": [0, 2, 4], "long_run_day": 6}, follow=True
    )
    assert "Your long-run day must be one of your training days." in refused.content.decode()
    assert plans_service.get_plan(user_id=remote.ada.id, plan_id=remote.plan.id) == before
    data = {"race": remote.other_race.id, "template": "10k-beginner", "training_days": [0, 2, 4], "long_run_day": 6}
    new = client.post("/plans/new/", data)
    assert new.status_code == 200
    assert "Your long-run day must be one of your training days." in new.content.decode()
    assert [p.race_name for p in plans_service.list_plans(user_id=remote.ada.id)] == ["Harbour 5K"]


def test_the_calendar_feed(client, remote):
    client.logout()  # a calendar app
    response = client.get(f"/plans/calendar/{feed.token(remote.plan.id)}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == "5 km for beginners: Harbour 5K"
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert len(events) == 24
    assert str(events[f"plan-{remote.plan.id}-session-{remote.done_id}@127.0.0.1"]["summary"]) == "Easy run 3 km ✓"
    assert str(events[f"plan-{remote.plan.id}-session-{remote.missed_id}@127.0.0.1"]["summary"]) == "Intervals 3.2 km"
    race_day = f"plan-{remote.plan.id}-session-{remote.plan.sessions[-1].id}@127.0.0.1"
    assert (str(events[race_day]["summary"]), events[race_day].decoded("dtstart")) == (
        "Race 5 km",
        remote.race.race_date,
    )
    assert client.get(f"/plans/calendar/{feed.token(remote.plan.id + 1000)}.ics").status_code == 404
    assert client.get(f"/plans/calendar/{remote.plan.id}:forged.ics").status_code == 404


def test_the_api(client, remote):
    templates = client.get("/api/v1/plan-templates/").json()["templates"]
    assert [(t["slug"], t["weeks"], t["sessions"]) for t in templates[:2]] == [
        ("5k-beginner", 8, 24),
        ("5k-intermediate", 8, 31),
    ]
    assert len(templates) == 8
    (plan,) = client.get("/api/v1/plans/").json()["plans"]
    assert (plan["race_name"], plan["template"]["name"], len(plan["sessions"])) == (
        "Harbour 5K",
        "5 km for beginners",
        24,
    )
    one = client.get(f"/api/v1/plans/{remote.plan.id}/").json()
    assert (one["training_days"], one["race_date"]) == (TRAINING_DAYS, remote.race.race_date.isoformat())
    sessions = client.get(f"/api/v1/plans/{remote.plan.id}/sessions/").json()["sessions"]
    by_id = {s["id"]: s for s in sessions}
    assert (by_id[remote.done_id]["status"], by_id[remote.done_id]["run_id"]) == ("done", remote.run_id)
    assert (by_id[remote.done_id]["distance_m"], by_id[remote.missed_id]["status"]) == (3000.0, "missed")
    assert [s["status"] for s in sessions].count("upcoming") == 22
    patched = client.patch(
        f"/api/v1/plans/{remote.plan.id}/", {"training_days": [0, 2, 4, 5]}, content_type="application/json"
    )
    assert (patched.status_code, patched.json()["training_days"]) == (200, [0, 2, 4, 5])
    assert patched.json()["long_run_day"] == 5  # Sunday is no training day any more: the last one, Saturday
    refused = client.patch(
        f"/api/v1/plans/{remote.plan.id}/",
        {"training_days": [0, 2, 4, 5], "long_run_day": 6},
        content_type="application/json",
    )
    assert (refused.status_code, refused.json()["fields"]) == (
        400,
        {"long_run_day": ["Your long-run day must be one of your training days."]},
    )
    made = client.post(
        "/api/v1/plans/",
        {"race_id": remote.other_race.id, "template": "10k-beginner", "training_days": [0, 2, 4]},
        content_type="application/json",
    )
    assert (made.status_code, made.json()["race_name"], len(made.json()["sessions"])) == (201, "City 10K", 30)
    assert made.json()["long_run_day"] == 4  # not given, no Sunday: Friday
    again = client.post(
        "/api/v1/plans/",
        {"race_id": remote.other_race.id, "template": "10k-beginner", "training_days": [0, 2, 4]},
        content_type="application/json",
    )
    assert (again.status_code, again.json()["code"], again.json()["fields"]) == (
        400,
        "plans.invalid_plan",
        {"race_id": ["You already have a plan for this race."]},
    )
    assert client.delete(f"/api/v1/plans/{made.json()['id']}/").status_code == 204
    missing = client.get(f"/api/v1/plans/{made.json()['id']}/")
    assert (missing.status_code, missing.json()["code"]) == (404, "plans.plan_not_found")


def test_the_pages_query_counts_do_not_grow_with_plans_and_sessions(client, world):
    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    one = queries("/plans/"), queries(f"/plans/{world.plan.id}/")
    plans_service.create_plan(
        user_id=world.ada.id, race_id=world.other_race.id, template="10k-intermediate", training_days=[0, 1, 3, 5, 6]
    )
    for days in (10, 20):
        race = add_race(added_by_id=world.ada.id, race_date=_today() + datetime.timedelta(days=days), distance_m=5000)
        plans_service.create_plan(
            user_id=world.ada.id, race_id=race.id, template="5k-beginner", training_days=[1, 3, 5]
        )
    assert len(plans_service.list_plans(user_id=world.ada.id)) == 4
    assert (queries("/plans/"), queries(f"/plans/{world.plan.id}/")) == one


# --- c. Plans extracted and down: never a 500, nothing changed ----------------------------------------------------

PAGES = {
    # url name: (method, url, data, status, what the answer says)
    "list": ("get", "/plans/", None, 200, 'id="plans-unavailable"'),
    "new": ("get", "/plans/new/?race={race}", None, 200, 'id="plans-unavailable"'),
    "new:post": (
        "post",
        "/plans/new/",
        {"race": "{race}", "template": "10k-beginner", "training_days": [0, 2, 4]},
        503,
        "Training plans are temporarily unavailable, so nothing was changed.",
    ),
    "detail": ("get", "/plans/{plan}/", None, 503, 'id="plans-unavailable"'),
    "days": (
        "post",
        "/plans/{plan}/days/",
        {"training_days": [0, 2, 4, 5]},
        503,
        "Training plans are temporarily unavailable, so nothing was changed.",
    ),
    "delete": (
        "post",
        "/plans/{plan}/delete/",
        {},
        503,
        "Training plans are temporarily unavailable, so nothing was changed.",
    ),
    "feed": ("get", "/plans/calendar/{token}.ics", None, 503, "calendar is temporarily unavailable"),
}
API = {
    "api-plan-templates": [("get", "/api/v1/plan-templates/", None)],
    "api-plans": [
        ("get", "/api/v1/plans/", None),
        ("post", "/api/v1/plans/", {"race_id": "{race}", "template": "10k-beginner", "training_days": [0, 2, 4]}),
    ],
    "api-plan": [
        ("get", "/api/v1/plans/{plan}/", None),
        ("patch", "/api/v1/plans/{plan}/", {"training_days": [0, 2, 4, 5]}),
        ("delete", "/api/v1/plans/{plan}/", None),
    ],
    "api-plan-sessions": [("get", "/api/v1/plans/{plan}/sessions/", None)],
}


def _url_names(module: str) -> set[str]:
    from django.urls import URLResolver

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif pattern.callback.__module__ == module:
                yield pattern.name

    return set(walk(get_resolver().url_patterns))


def test_every_page_and_endpoint_of_plans_is_walked_below():
    assert _url_names("apps.plans.views") == {name.split(":")[0] for name in PAGES}
    assert _url_names("apps.plans.api.views") == set(API)
    assert reverse("plans:feed", args=["x"]) == "/plans/calendar/x.ics"


def _fill(value, world: World):
    ids = {"plan": world.plan.id, "race": world.other_race.id, "token": feed.token(world.plan.id)}
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: _fill(item, world) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, world) for item in value]
    return value


def _as_stored(world: World) -> list:
    return [
        (p.id, p.race_id, p.training_days, [(s.id, s.date, s.run_id) for s in p.sessions])
        for p in plans_service.list_plans(user_id=world.ada.id)
    ]


@pytest.fixture
def down(settings, world, refused_url):
    """Plans lifted out and not answering; afterwards, back to what the test database holds (to check it)."""
    before = _as_stored(world)
    settings.EXTRACTED_APPS = ["plans"]
    settings.SERVICE_ROUTING = {"plans": refused_url}
    settings.RPC_RETRIES = 0
    yield world
    settings.EXTRACTED_APPS = []
    settings.SERVICE_ROUTING = {}
    assert _as_stored(world) == before


@pytest.mark.parametrize("name", sorted(PAGES))
def test_with_plans_down_every_page_answers_without_a_500(client, down, name):
    method, url, data, status, says = PAGES[name]
    if name == "feed":
        client.logout()
    response = getattr(client, method)(_fill(url, down), _fill(data, down) or {})
    assert response.status_code == status, response.content[:500]
    assert says in response.content.decode()
    if status == 503:
        assert response["Retry-After"] == "60"


@pytest.mark.parametrize("name", sorted(API))
def test_with_plans_down_the_api_answers_503_with_its_error_body(client, down, name):
    for method, url, data in API[name]:
        response = getattr(client, method)(_fill(url, down), _fill(data, down), content_type="application/json")
        assert response.status_code == 503, (method, url, response.content[:300])
        assert response.json() == {
            "code": "service_unavailable",
            "message": response.json()["message"],
            "fields": {},
        }
        assert response.json()["message"]


def test_with_plans_down_the_dashboard_says_so_and_shows_the_rest(client, down):
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert "Your training plan is temporarily unavailable." in response.content.decode()
