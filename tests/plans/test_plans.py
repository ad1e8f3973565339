"""Plans: laid out exactly from the template, ticked off by runs in any event order, private, in a calendar."""

import datetime
import itertools
import random
import zoneinfo
from collections import Counter

import icalendar
import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.plans import feed
from apps.plans.interface import errors
from apps.plans.interface.service import plans_service
from apps.plans.models import PlannedSession, PlanTemplate
from apps.races.interface import contracts as races_contracts
from apps.races.interface.service import races_service
from apps.races.interface.testing import add_race
from apps.runs.interface import contracts as runs_contracts
from apps.runs.interface.service import runs_service
from project.events import outbox
from project.events.models import Delivery
from project.rpc.errors import ServiceUnavailable

pytestmark = pytest.mark.django_db
ZONE = "Pacific/Auckland"  # far from UTC: "today" is the runner's, not the server's
TRAINING_DAYS = [1, 3, 5, 6]  # Tuesday, Thursday, Saturday, Sunday


def _today():
    return datetime.datetime.now(zoneinfo.ZoneInfo(ZONE)).date()


@pytest.fixture
def ada():
    return accounts_testing.create_user(email="ada@example.com", password="a-long-enough-Passw0rd", timezone=ZONE)


def _race(user_id, days_away, distance_m=42195.0):
    return add_race(
        added_by_id=user_id,
        race_date=_today() + datetime.timedelta(days=days_away),
        distance_m=distance_m,
        timezone=ZONE,
        latitude=None,
        longitude=None,
        name="Harbour Marathon",
    )


def test_a_marathon_16_weeks_away_gets_exactly_the_templates_sessions_on_the_chosen_days(service_mode, ada):
    race = _race(ada.id, 16 * 7)
    plan = plans_service.create_plan(
        user_id=ada.id, race_id=race.id, template="marathon-beginner", training_days=TRAINING_DAYS
    )
    template = PlanTemplate.objects.get(slug="marathon-beginner")
    expected = list(template.sessions.values_list("week", "kind", "distance_m", "duration_s"))
    assert Counter((s.week, s.kind, s.distance_m, s.duration_s) for s in plan.sessions) == Counter(expected)
    assert [s.week for s in plan.sessions] == sorted(s.week for s in plan.sessions)
    assert plan.skipped_weeks == 0
    assert plan.long_run_day == 6  # not chosen: Sunday, a training day
    assert {s.date.weekday() for s in plan.sessions if s.kind == "long"} == {6}
    assert plan.sessions[-1].date == race.race_date
    assert plan.sessions[-1].kind == "race"
    assert all(s.date.weekday() in TRAINING_DAYS for s in plan.sessions[:-1])
    assert all(s.date > _today() for s in plan.sessions)
    for s in plan.sessions:  # each in its own week: week w ends (16 - w) weeks before race day
        week_end = race.race_date - datetime.timedelta(days=7 * (16 - s.week))
        assert week_end - datetime.timedelta(days=6) <= s.date <= week_end
    assert [s.date for s in plan.sessions] == sorted(s.date for s in plan.sessions)
    assert {s.status for s in plan.sessions} == {"upcoming"}
    assert plan.pace_basis == ""  # no history: the sessions say how they should feel
    easy = next(s for s in plan.sessions if s.kind == "easy")
    assert easy.target_pace_s_per_km is None
    assert easy.feel == "easy: you could talk in full sentences"


def test_joining_a_12_week_plan_5_weeks_before_the_race_skips_the_early_weeks(service_mode, ada):
    race = _race(ada.id, 5 * 7, distance_m=21097.5)
    plan = plans_service.create_plan(
        user_id=ada.id, race_id=race.id, template="half-beginner", training_days=[0, 2, 4]
    )
    assert plan.skipped_weeks == 7
    template = PlanTemplate.objects.get(slug="half-beginner")
    assert Counter((s.week, s.kind) for s in plan.sessions) == Counter(
        template.sessions.filter(week__gt=7).values_list("week", "kind")
    )
    assert plan.long_run_day == 4  # no Sunday: the last training day, Friday
    assert {s.date.weekday() for s in plan.sessions if s.kind == "long"} == {4}
    assert plan.sessions[-1].date == race.race_date


def test_a_plan_that_cannot_be_made_says_why(service_mode, ada):
    race = _race(ada.id, 100)
    with pytest.raises(errors.InvalidPlan, match="choose at least 4 training days"):
        plans_service.create_plan(user_id=ada.id, race_id=race.id, template="marathon-beginner", training_days=[5, 6])
    with pytest.raises(errors.InvalidPlan, match="no plan template 'ultra'"):
        plans_service.create_plan(user_id=ada.id, race_id=race.id, template="ultra", training_days=TRAINING_DAYS)
    with pytest.raises(errors.InvalidPlan, match="training days are weekdays"):
        plans_service.create_plan(user_id=ada.id, race_id=race.id, template="5k-beginner", training_days=[7])
    plans_service.create_plan(user_id=ada.id, race_id=race.id, template="5k-beginner", training_days=TRAINING_DAYS)
    with pytest.raises(errors.InvalidPlan, match="you already have a plan for this race"):
        plans_service.create_plan(user_id=ada.id, race_id=race.id, template="5k-beginner", training_days=TRAINING_DAYS)


def test_the_long_run_goes_on_the_chosen_day_and_a_hard_session_with_no_room_becomes_easy(service_mode, ada):
    race = _race(ada.id, 12 * 7 + 3, distance_m=21097.5)
    plan = plans_service.create_plan(
        user_id=ada.id, race_id=race.id, template="half-intermediate", training_days=[0, 1, 2, 3], long_run_day=2
    )
    assert plan.long_run_day == 2
    assert {s.date.weekday() for s in plan.sessions if s.kind == "long"} == {2}
    # Monday to Thursday with the long run on Wednesday: Tuesday and Thursday are next to it, Monday is the only
    # day left for a hard session. Intervals keep it; the tempo run is an easy run of the same length.
    eased = [s for s in plan.sessions if s.description.startswith("Easy instead")]
    assert len(eased) == 11  # weeks 1 to 11; the race week has no tempo run
    assert {(s.kind, s.zone, s.description) for s in eased} == {
        ("easy", "easy", "Easy instead of tempo run: a hard day is next to it")
    }
    assert {s.date.weekday() for s in plan.sessions if s.kind == "intervals"} == {0}
    hard = sorted(s.date for s in plan.sessions if s.kind in ("intervals", "tempo", "long", "race"))
    assert [(a, b) for a, b in itertools.pairwise(hard) if (b - a).days == 1] == []
    with pytest.raises(errors.InvalidPlan, match="Your long-run day must be one of your training days") as refused:
        plans_service.set_training_days(user_id=ada.id, plan_id=plan.id, training_days=[0, 1, 3], long_run_day=2)
    assert refused.value.fields == {"long_run_day": ["Your long-run day must be one of your training days."]}
    moved = plans_service.set_training_days(user_id=ada.id, plan_id=plan.id, training_days=[1, 3, 5, 6])
    assert moved.long_run_day == 6  # Wednesday is no training day any more: Sunday
    assert [s for s in moved.sessions if s.description.startswith("Easy instead")] == []  # room again: tempo back
    assert Counter(s.kind for s in moved.sessions) == Counter(
        PlanTemplate.objects.get(slug="half-intermediate").sessions.values_list("kind", flat=True)
    )


def test_target_paces_come_from_recent_best_efforts_by_riegel(ada):
    from tests.runs.tracks import INTERVAL_SEGMENTS, draft, track

    yesterday = datetime.datetime.combine(_today() - datetime.timedelta(days=1), datetime.time(7))
    run = runs_service.record_run(
        draft=draft(ada.id, track(INTERVAL_SEGMENTS), start=yesterday.replace(tzinfo=datetime.UTC))
    ).run
    one_k = next(e for e in run.best_efforts if e.distance_key == "1k")
    plan = plans_service.create_plan(
        user_id=ada.id,
        race_id=_race(ada.id, 60, distance_m=5000.0).id,
        template="5k-beginner",
        training_days=TRAINING_DAYS,
    )
    riegel_5k = one_k.elapsed_s * (5000 / 1000) ** 1.06  # the fastest prediction comes from the 1 km here
    race_session = plan.sessions[-1]
    assert race_session.target_pace_s_per_km == round(riegel_5k / 5, 1)
    assert plan.pace_basis.startswith("From your 1k in 3:20 on ")


def _lay_on(session_id, date):
    PlannedSession.objects.filter(pk=session_id).update(date=date)


def _run(user_id, date, distance_m, hour=7):
    start = datetime.datetime.combine(date, datetime.time(hour), tzinfo=zoneinfo.ZoneInfo(ZONE))
    return runs_service.record_run(
        draft=runs_contracts.RunDraft(
            user_id=user_id,
            source=runs_contracts.Source.MANUAL,
            start=start,
            distance_m=distance_m,
            elapsed_s=distance_m * 0.33,
        )
    ).run


def _session(user_id, plan_id, session_id):
    return next(s for s in plans_service.get_plan(user_id=user_id, plan_id=plan_id).sessions if s.id == session_id)


def test_a_matching_run_ticks_its_session_off_once_and_deleting_it_reopens_it(
    service_mode, ada, django_capture_on_commit_callbacks
):
    plan = plans_service.create_plan(
        user_id=ada.id, race_id=_race(ada.id, 112).id, template="marathon-beginner", training_days=TRAINING_DAYS
    )
    easy = next(s for s in plan.sessions if s.kind == "easy")  # easy 8 km, in week 1
    day = _today() - datetime.timedelta(days=1)
    _lay_on(easy.id, day)  # as if the plan had started a week ago
    with django_capture_on_commit_callbacks(execute=True):
        too_far = _run(ada.id, day, 15000.0, hour=6)  # does not fit 8 km (±25 %)
    assert _session(ada.id, plan.id, easy.id).status == "missed"
    with django_capture_on_commit_callbacks(execute=True):
        fits = _run(ada.id, day, 8400.0, hour=7)
        _run(ada.id, day, 8000.0, hour=18)  # a second fitting run that day ticks nothing more
    sessions = plans_service.get_plan(user_id=ada.id, plan_id=plan.id).sessions
    assert (_session(ada.id, plan.id, easy.id).status, _session(ada.id, plan.id, easy.id).run_id) == ("done", fits.id)
    assert sum(s.status == "done" for s in sessions) == 1
    with django_capture_on_commit_callbacks(execute=True):
        runs_service.delete_run(user_id=ada.id, run_id=fits.id)
    after = _session(ada.id, plan.id, easy.id)
    assert after.status == "done"  # the evening run fits too, and now takes it
    assert after.run_id not in (fits.id, too_far.id)


def test_events_twice_and_in_any_order_end_in_the_same_ticks(ada, django_capture_on_commit_callbacks):
    plan = plans_service.create_plan(
        user_id=ada.id, race_id=_race(ada.id, 112).id, template="marathon-beginner", training_days=TRAINING_DAYS
    )
    day = _today() - datetime.timedelta(days=2)
    easy = next(s for s in plan.sessions if s.kind == "easy")  # easy 8 km
    _lay_on(easy.id, day)
    first = _run(ada.id, day, 8000.0, hour=6)
    second = _run(ada.id, day, 8100.0, hour=8)
    runs_service.delete_run(user_id=ada.id, run_id=first.id)  # nothing delivered yet: no commit callback ran
    deliveries = list(Delivery.objects.filter(subscriber__startswith="plans.tick").select_related("event"))
    assert sorted(d.event.name for d in deliveries) == ["runs.run_deleted", "runs.run_recorded", "runs.run_recorded"]
    for seed in (1, 2):
        random.Random(seed).shuffle(deliveries)
        with django_capture_on_commit_callbacks(execute=True):  # the day's events folded into one tick
            for delivery in deliveries + deliveries:
                outbox.handle(**outbox._task_arguments(delivery))
        session = _session(ada.id, plan.id, easy.id)
        assert (session.status, session.run_id) == ("done", second.id)


def test_moving_the_race_or_the_training_days_moves_what_is_not_done(ada, django_capture_on_commit_callbacks):
    race = _race(ada.id, 112)
    plan = plans_service.create_plan(
        user_id=ada.id, race_id=race.id, template="marathon-beginner", training_days=TRAINING_DAYS
    )
    moved = plans_service.set_training_days(user_id=ada.id, plan_id=plan.id, training_days=[0, 2, 4, 5])
    assert all(s.date.weekday() in [0, 2, 4, 5] for s in moved.sessions[:-1])
    assert len(moved.sessions) == len(plan.sessions)
    later = race.race_date + datetime.timedelta(days=14)
    start = race.starts_at.astimezone(zoneinfo.ZoneInfo(race.timezone)).time()
    fields = race.model_dump(include={"name", "timezone", "distance_m", "city", "country", "latitude", "longitude"})
    draft = races_contracts.RaceDraft(**fields, race_date=later, start_time=start, website=race.website)
    with django_capture_on_commit_callbacks(execute=True):
        races_service.update_race(race_id=race.id, user_id=ada.id, is_staff=False, draft=draft)
    again = plans_service.get_plan(user_id=ada.id, plan_id=plan.id)
    assert again.race_date == later
    assert again.sessions[-1].date == later
    assert again.skipped_weeks == 0


def test_renaming_the_race_renames_it_in_its_plans_and_their_sessions(ada, django_capture_on_commit_callbacks):
    race = _race(ada.id, 84)
    plan = plans_service.create_plan(
        user_id=ada.id, race_id=race.id, template="marathon-beginner", training_days=TRAINING_DAYS
    )
    today = _today()
    assert {s.race_name for s in plans_service.list_upcoming_sessions(user_id=ada.id, today=today)} == {race.name}
    start = race.starts_at.astimezone(zoneinfo.ZoneInfo(race.timezone)).time()
    fields = race.model_dump(include={"timezone", "distance_m", "city", "country", "latitude", "longitude"})
    draft = races_contracts.RaceDraft(
        **fields, name="Harbour Marathon 2027", race_date=race.race_date, start_time=start, website=race.website
    )
    with django_capture_on_commit_callbacks(execute=True):  # races.race_renamed, then the kept sessions forgotten
        races_service.update_race(race_id=race.id, user_id=ada.id, is_staff=False, draft=draft)
    assert plans_service.get_plan(user_id=ada.id, plan_id=plan.id).race_name == "Harbour Marathon 2027"
    assert {s.race_name for s in plans_service.list_upcoming_sessions(user_id=ada.id, today=today)} == {
        "Harbour Marathon 2027"
    }


def test_plans_are_private_to_their_runner(service_mode, ada):
    bob = accounts_testing.create_user(email="bob@example.com")
    plan = plans_service.create_plan(
        user_id=ada.id, race_id=_race(ada.id, 60, 5000.0).id, template="5k-beginner", training_days=TRAINING_DAYS
    )
    with pytest.raises(errors.PlanNotFound):
        plans_service.get_plan(user_id=bob.id, plan_id=plan.id)
    with pytest.raises(errors.PlanNotFound):
        plans_service.set_training_days(user_id=bob.id, plan_id=plan.id, training_days=[0])
    with pytest.raises(errors.PlanNotFound):
        plans_service.delete_plan(user_id=bob.id, plan_id=plan.id)
    assert plans_service.list_plans(user_id=bob.id) == []
    assert plans_service.list_upcoming_sessions(user_id=bob.id) == []
    assert [s.id for s in plans_service.list_upcoming_sessions(user_id=ada.id, limit=2)] == [
        s.id for s in plan.sessions[:2]
    ]
    assert {s.race_name for s in plans_service.list_upcoming_sessions(user_id=ada.id)} == {
        plan.race_name
    }  # which plan


def test_given_the_runners_today_the_next_sessions_need_no_call_to_accounts(ada, settings, refused_url):
    plan = plans_service.create_plan(
        user_id=ada.id, race_id=_race(ada.id, 60, 5000.0).id, template="5k-beginner", training_days=TRAINING_DAYS
    )
    settings.SERVICE_ROUTING = {"accounts": refused_url}  # accounts down: the runner's time zone cannot be asked
    settings.RPC_RETRIES = 0
    upcoming = plans_service.list_upcoming_sessions(user_id=ada.id, limit=2, today=_today())
    assert [s.id for s in upcoming] == [s.id for s in plan.sessions[:2]]
    with pytest.raises(ServiceUnavailable):
        plans_service.list_upcoming_sessions(user_id=ada.id, limit=2)  # without it, accounts is asked


def test_the_calendar_feed_is_valid_icalendar_and_a_tampered_url_is_refused(client, ada):
    plan = plans_service.create_plan(
        user_id=ada.id, race_id=_race(ada.id, 60, 5000.0).id, template="5k-beginner", training_days=TRAINING_DAYS
    )
    token = feed.token(plan.id)
    response = client.get(f"/plans/calendar/{token}.ics")  # no login: a calendar app fetches it
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == len(plan.sessions)
    assert [e.decoded("dtstart") for e in events] == [s.date for s in plan.sessions]
    assert str(events[-1]["summary"]) == "Race 5 km"
    assert str(events[0]["uid"]) == f"plan-{plan.id}-session-{plan.sessions[0].id}@127.0.0.1"
    forged = f"{plan.id + 1}:{token.split(':')[1]}"
    assert client.get(f"/plans/calendar/{forged}.ics").status_code == 404
    assert client.get(f"/plans/calendar/{token[:-1]}x.ics").status_code == 404


def test_deleting_an_account_deletes_its_plans(client, ada, django_capture_on_commit_callbacks):
    plans_service.create_plan(
        user_id=ada.id, race_id=_race(ada.id, 60, 5000.0).id, template="5k-beginner", training_days=TRAINING_DAYS
    )
    client.login(email="ada@example.com", password="a-long-enough-Passw0rd")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/profile/delete/", {"password": "a-long-enough-Passw0rd"})
    assert PlannedSession.objects.count() == 0
    assert races_service.find_races().total == 1  # the race stays for others


def test_templates_are_data_loaded_once_and_edits_in_the_admin_are_kept():
    from apps.plans.fixtures_loader import load_templates_if_empty

    assert PlanTemplate.objects.count() == 8
    PlanTemplate.objects.filter(slug="5k-beginner").update(name="Couch to 5K")
    assert load_templates_if_empty() == 0
    assert PlanTemplate.objects.get(slug="5k-beginner").name == "Couch to 5K"
    PlanTemplate.objects.all().delete()
    assert load_templates_if_empty() == 8
    assert sorted(PlanTemplate.objects.values_list("weeks", flat=True)) == [8, 8, 10, 10, 12, 12, 16, 16]
