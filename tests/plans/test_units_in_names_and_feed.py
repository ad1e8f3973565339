"""Imperial runners read plan sessions in miles and min/mi, and distances named as races are ("10K"), never km."""

import datetime

import icalendar
import pytest

from apps.accounts.interface import contracts as accounts_contracts
from apps.accounts.interface import testing as accounts_testing
from apps.plans import feed
from apps.plans.interface import contracts
from apps.plans.interface.service import plans_service
from apps.races.interface.testing import add_race
from project.web.templatetags.units import distance_name, effort_label


def _session(**fields) -> contracts.Session:
    base = dict(
        id=1, plan_id=1, week=1, date=datetime.date(2026, 12, 1), kind="easy", distance_m=7000.0, duration_s=None,
        zone="easy", target_pace_s_per_km=343.0, feel="chatty", description="Easy", status=contracts.Status.UPCOMING,
        run_id=None,
    )  # fmt: skip
    return contracts.Session(**{**base, **fields})


def test_a_session_title_in_each_system():
    assert feed.session_title(_session()) == "Easy run 7 km at 5:43/km"
    assert feed.session_title(_session(), units="imperial") == "Easy run 4.35 mi at 9:12/mi"  # 343 s x 1.609344
    race = _session(kind="race", distance_m=21097.5, target_pace_s_per_km=None)
    assert feed.session_title(race, units="imperial") == "Race 13.11 mi"
    timed = _session(distance_m=None, duration_s=2700, target_pace_s_per_km=None)
    assert feed.session_title(timed, units="imperial") == "Easy run 45 min"


def test_names_of_distances_in_imperial_say_k_not_km():
    assert distance_name("10 km for beginners", "imperial") == "10K for beginners"
    assert distance_name("8 weeks to a 5 km: three runs", "imperial") == "8 weeks to a 5K: three runs"
    assert distance_name("10 km for beginners", "metric") == "10 km for beginners"
    assert distance_name("Half marathon, intermediate", "imperial") == "Half marathon, intermediate"
    assert [effort_label(key, "imperial") for key in ("400m", "1k", "1mi", "5k", "10k", "half")] == [
        "400m", "1K", "1 mile", "5K", "10K", "Half marathon",
    ]  # fmt: skip
    assert effort_label("5k") == "5 km"


@pytest.mark.django_db
def test_the_calendar_feed_of_an_imperial_runner_is_in_miles(client):
    us = accounts_testing.create_user(email="us@example.com", units=accounts_contracts.Units.IMPERIAL)
    race = add_race(
        added_by_id=us.id, race_date=datetime.date.today() + datetime.timedelta(days=60), distance_m=5000.0,
        timezone="UTC", latitude=None, longitude=None, name="Harbour 5K",
    )  # fmt: skip
    plan = plans_service.create_plan(user_id=us.id, race_id=race.id, template="5k-beginner", training_days=[1, 3, 5])
    response = client.get(f"/plans/calendar/{feed.token(plan.id)}.ics")
    assert response.status_code == 200
    summaries = [str(event["summary"]) for event in icalendar.Calendar.from_ical(response.content).walk("VEVENT")]
    assert summaries[-1] == "Race 3.11 mi"  # 5000 m / 1609.344
    assert not [summary for summary in summaries if "km" in summary]
