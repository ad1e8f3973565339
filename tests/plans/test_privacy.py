"""A second runner walks every plans and races endpoint: races are visible but not theirs to change;
plans and sessions do not exist for them. A new endpoint fails this test until it is listed here."""

import datetime

import pytest
from django.urls import get_resolver

from apps.accounts.interface import testing as accounts_testing
from apps.plans import feed
from apps.plans.interface.service import plans_service
from apps.races.interface.service import races_service
from apps.races.interface.testing import add_race

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"


def _routes(prefixes):
    found = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, route)
            elif any(route.startswith(p) for p in prefixes):
                found.add(route)

    walk(get_resolver().url_patterns)
    return found


@pytest.fixture
def owned(client):
    ada = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    race = add_race(added_by_id=ada.id, race_date=datetime.date.today() + datetime.timedelta(days=60), distance_m=5000)
    races_service.set_running(user_id=ada.id, race_id=race.id, running=True)
    plan = plans_service.create_plan(user_id=ada.id, race_id=race.id, template="5k-beginner", training_days=[1, 3, 6])
    accounts_testing.create_user(email="bob@example.com", password=PASSWORD)
    client.login(email="bob@example.com", password=PASSWORD)
    return race, plan


def test_a_second_runner_can_see_races_but_not_change_them_and_never_sees_a_plan(client, owned):
    race, plan = owned
    r, p = race.id, plan.id
    json = {"content_type": "application/json"}
    walked = {
        # races: everyone sees them; only their author (or staff) changes them
        "races/": [("get", "/races/", {}, 200)],
        "races/new/": [("get", "/races/new/", {}, 200)],
        "races/<int:race_id>/": [("get", f"/races/{r}/", {}, 200)],
        "races/<int:race_id>/edit/": [("get", f"/races/{r}/edit/", {}, 403), ("post", f"/races/{r}/edit/", {}, 403)],
        "races/<int:race_id>/running/": [("post", f"/races/{r}/running/", {"data": {"running": "no"}}, 302)],
        "races/<int:race_id>/result/": [("post", f"/races/{r}/result/", {"data": {"run_id": 1}}, 302)],
        "api/v1/races/": [("get", "/api/v1/races/", {}, 200)],
        "api/v1/races/<int:race_id>/": [
            ("get", f"/api/v1/races/{r}/", {}, 200),
            ("patch", f"/api/v1/races/{r}/", {"data": {"name": "x"}, **json}, 403),
        ],
        "api/v1/races/<int:race_id>/registration/": [("delete", f"/api/v1/races/{r}/registration/", {}, 200)],
        "api/v1/races/<int:race_id>/result/": [
            ("put", f"/api/v1/races/{r}/result/", {"data": {"run_id": 1}, **json}, 400)
        ],
        # plans: another runner's plan does not exist
        "plans/": [("get", "/plans/", {}, 200)],
        "plans/new/": [("get", "/plans/new/", {}, 200)],
        "plans/<int:plan_id>/": [("get", f"/plans/{p}/", {}, 404)],
        "plans/<int:plan_id>/days/": [("post", f"/plans/{p}/days/", {"data": {"training_days": [0]}}, 404)],
        "plans/<int:plan_id>/delete/": [("post", f"/plans/{p}/delete/", {}, 404)],
        "plans/calendar/<str:token>.ics": [("get", f"/plans/calendar/{p}:forged.ics", {}, 404)],
        "api/v1/plan-templates/": [("get", "/api/v1/plan-templates/", {}, 200)],
        "api/v1/plans/": [("get", "/api/v1/plans/", {}, 200)],
        "api/v1/plans/<int:plan_id>/": [
            ("get", f"/api/v1/plans/{p}/", {}, 404),
            ("patch", f"/api/v1/plans/{p}/", {"data": {"training_days": [0]}, **json}, 404),
            ("delete", f"/api/v1/plans/{p}/", {}, 404),
        ],
        "api/v1/plans/<int:plan_id>/sessions/": [("get", f"/api/v1/plans/{p}/sessions/", {}, 404)],
    }
    assert _routes(["races/", "plans/", "api/v1/races/", "api/v1/plans/", "api/v1/plan-templates/"]) == set(walked)
    for route, calls in walked.items():
        for method, url, kwargs, expected in calls:
            response = getattr(client, method)(url, **kwargs)
            assert response.status_code == expected, (route, method, response.content[:300])
    assert client.get("/api/v1/plans/").json() == {"plans": []}
    assert "5k-beginner" not in client.get("/plans/").content.decode().split("The plans")[0]
    # Nothing of Ada's changed: her race, her registration, her plan.
    assert races_service.get_race(race_id=r).name == "City 10K"
    assert races_service.get_race(race_id=r).runners == 1
    assert plans_service.get_plan(user_id=plan.user_id, plan_id=p).training_days == [1, 3, 6]
    assert client.get(f"/plans/calendar/{feed.token(p)}.ics").status_code == 200  # the owner's private link works
