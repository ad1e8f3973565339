"""Month summaries equal an independent computation from the runs, in every time zone and any event order."""

import datetime
import random

import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.reports import operations
from apps.reports.interface.service import reports_service
from apps.reports.models import MonthSummary
from apps.runs.interface import contracts as runs_contracts
from apps.runs.interface.service import runs_service
from project.events import outbox
from project.events.models import Delivery, InboxEntry
from tests.reports.independent import Recorded, month_numbers, numbers_of

pytestmark = pytest.mark.django_db
UTC = datetime.UTC

# (time zone, [(local wall time as UTC instant, distance m, moving s, climb m)])
EDGES = {
    # UTC-10 all year: late on the 31st is already the 1st in UTC.
    "Pacific/Honolulu": [
        (datetime.datetime(2026, 2, 1, 9, 30, tzinfo=UTC), 5000.0, 1500.0, 12.0),  # 31 Jan 23:30 local
        (datetime.datetime(2026, 2, 1, 10, 15, tzinfo=UTC), 8000.0, 2520.0, None),  # 1 Feb 00:15 local
        (datetime.datetime(2026, 2, 14, 17, 0, tzinfo=UTC), 12345.6, 3900.5, 40.3),  # 14 Feb 07:00
        (datetime.datetime(2026, 2, 15, 17, 0, tzinfo=UTC), 6000.0, 1850.0, 8.0),  # 15 Feb 07:00
        (datetime.datetime(2026, 3, 1, 9, 50, tzinfo=UTC), 3000.0, 1000.0, 2.0),  # 28 Feb 23:50 local
        (datetime.datetime(2026, 3, 1, 10, 5, tzinfo=UTC), 4000.0, 1300.0, 3.0),  # 1 Mar 00:05 local
    ],
    # UTC+13 all year: early on the 1st is still the last day of the month before in UTC.
    "Pacific/Tongatapu": [
        (datetime.datetime(2026, 1, 31, 10, 55, tzinfo=UTC), 7000.0, 2200.0, 20.0),  # 31 Jan 23:55 local
        (datetime.datetime(2026, 1, 31, 11, 10, tzinfo=UTC), 10000.0, 3000.0, 30.0),  # 1 Feb 00:10 local
        (datetime.datetime(2026, 2, 1, 19, 0, tzinfo=UTC), 5500.5, 1700.2, 11.1),  # 2 Feb 08:00
        (datetime.datetime(2026, 2, 28, 10, 30, tzinfo=UTC), 9000.0, 2800.0, 25.0),  # 28 Feb 23:30 local
        (datetime.datetime(2026, 2, 28, 11, 30, tzinfo=UTC), 6000.0, 1800.0, 15.0),  # 1 Mar 00:30 local
    ],
    # Central Europe: clocks go forward at 02:00 on 29 March 2026, back at 03:00 on 25 October.
    "Europe/Berlin": [
        (datetime.datetime(2026, 3, 29, 0, 30, tzinfo=UTC), 5000.0, 1560.0, 10.0),  # 01:30 CET
        (datetime.datetime(2026, 3, 29, 1, 30, tzinfo=UTC), 5000.0, 1440.0, 10.0),  # 03:30 CEST, same day
        (datetime.datetime(2026, 3, 30, 16, 0, tzinfo=UTC), 11000.0, 3300.0, 55.0),  # 30 Mar
        (datetime.datetime(2026, 3, 31, 21, 30, tzinfo=UTC), 8000.0, 2400.0, 16.0),  # 31 Mar 23:30 CEST
        (datetime.datetime(2026, 3, 31, 22, 30, tzinfo=UTC), 3000.0, 960.0, 4.0),  # 1 Apr 00:30 CEST
        (datetime.datetime(2026, 3, 1, 0, 30, tzinfo=UTC), 4200.0, 1300.0, 6.0),  # 1 Mar 01:30 CET
        (datetime.datetime(2026, 2, 28, 22, 59, tzinfo=UTC), 2500.0, 800.0, 1.0),  # 28 Feb 23:59 CET
    ],
}
MONTHS = [(2026, 1), (2026, 2), (2026, 3), (2026, 4)]


def _record(user_id, start, distance_m, moving_s, climb):
    run = runs_service.record_run(
        draft=runs_contracts.RunDraft(
            user_id=user_id,
            source=runs_contracts.Source.MANUAL,
            start=start,
            distance_m=distance_m,
            elapsed_s=moving_s + 30,
            moving_s=moving_s,
            elevation_gain_m=climb,
        )  # no time zone given: the runs app takes the runner's profile's
    ).run
    return Recorded(run.id, start, run.timezone, distance_m, moving_s, climb)


def _runners(django_capture_on_commit_callbacks):
    """One runner per time zone, their runs recorded with every event delivered as it would be."""
    runners = {}
    for zone, runs in EDGES.items():
        profile = accounts_testing.create_user(email=f"{zone.split('/')[1].lower()}@example.com", timezone=zone)
        with django_capture_on_commit_callbacks(execute=True):
            runners[zone] = (profile, [_record(profile.id, *run) for run in runs])
    return runners


def test_reports_match_an_independent_computation_in_every_time_zone(service_mode, django_capture_on_commit_callbacks):
    runners = _runners(django_capture_on_commit_callbacks)
    for zone, (profile, recorded) in runners.items():
        assert {r.timezone for r in recorded} == {zone}
        for year, month in MONTHS:
            report = reports_service.get_month_report(user_id=profile.id, year=year, month=month)
            assert numbers_of(report.summary) == month_numbers(recorded, year, month), (zone, month)


def test_the_edges_fall_where_the_runner_was(django_capture_on_commit_callbacks):
    """The same data, spelled out: which month each edge run counts in."""
    runners = _runners(django_capture_on_commit_callbacks)
    runs_per_month = {
        zone: [reports_service.get_month_report(user_id=p.id, year=y, month=m).summary.runs for y, m in MONTHS]
        for zone, (p, _) in runners.items()
    }
    assert runs_per_month == {
        "Pacific/Honolulu": [1, 4, 1, 0],
        "Pacific/Tongatapu": [1, 3, 1, 0],
        "Europe/Berlin": [0, 1, 5, 1],
    }
    berlin = reports_service.get_month_report(user_id=runners["Europe/Berlin"][0].id, year=2026, month=3).summary
    # 1 March, then 29, 30 and 31 March (two runs on the day the clocks changed count as one day).
    assert (berlin.active_days, berlin.longest_streak, berlin.distance_m) == (4, 3, 33200.0)


def test_rebuilding_from_runs_service_gives_the_same_numbers(service_mode, django_capture_on_commit_callbacks):
    runners = _runners(django_capture_on_commit_callbacks)
    fields = ["user_id", "year", "month", "runs", "distance_m", "moving_s", "elevation_gain_m", "active_days"]
    fields += ["longest_streak", "longest_run", "fastest_run", "best_efforts", "weekly"]
    from_events = list(MonthSummary.objects.order_by("user_id", "year", "month").values(*fields))
    MonthSummary.objects.all().delete()
    for profile, _ in runners.values():
        operations.rebuild_summaries(user_id=profile.id)
    assert list(MonthSummary.objects.order_by("user_id", "year", "month").values(*fields)) == from_events


def test_events_delivered_twice_and_out_of_order_end_in_the_same_numbers(django_capture_on_commit_callbacks):
    runner = accounts_testing.create_user(email="ada@example.com", timezone="Europe/Berlin")
    first = _record(runner.id, datetime.datetime(2026, 3, 3, 7, tzinfo=UTC), 5000.0, 1500.0, 5.0)
    second = _record(runner.id, datetime.datetime(2026, 3, 4, 7, tzinfo=UTC), 7000.0, 2100.0, 9.0)
    runs_service.update_run(user_id=runner.id, run_id=second.run_id, hidden=True)
    runs_service.delete_run(user_id=runner.id, run_id=first.run_id)
    third = _record(runner.id, datetime.datetime(2026, 3, 5, 7, tzinfo=UTC), 10000.0, 3300.0, 20.0)
    # Nothing was delivered yet (no commit callbacks ran). Deliver the reports' share backwards, twice.
    deliveries = list(
        Delivery.objects.filter(subscriber__startswith="reports.refresh").select_related("event").order_by("-id")
    )
    assert [d.event.name for d in deliveries] == [
        "runs.run_recorded",
        "runs.run_deleted",
        "runs.run_updated",
        "runs.run_recorded",
        "runs.run_recorded",
    ]
    random.Random(5).shuffle(deliveries)
    with django_capture_on_commit_callbacks(execute=True):  # the month's events folded into one refresh each
        for delivery in deliveries + deliveries:
            outbox.handle(**outbox._task_arguments(delivery))
    assert InboxEntry.objects.filter(subscriber__startswith="reports.").count() == 5
    summary = reports_service.get_month_report(user_id=runner.id, year=2026, month=3).summary
    assert numbers_of(summary) == month_numbers([third], 2026, 3)
    assert (summary.runs, summary.distance_m) == (1, 10000.0)


def test_a_refresh_that_read_the_runs_before_a_later_one_does_not_overwrite_it():
    """Two refreshes of one month race: the one that was asked for last stores its numbers."""
    runner = accounts_testing.create_user(email="ada@example.com")
    older = operations._claim(user_id=runner.id, months=[(2026, 3)])
    newer = operations._claim(user_id=runner.id, months=[(2026, 3)])
    numbers = {"runs": 2, "distance_m": 9000.0}
    assert operations._store(user_id=runner.id, values={(2026, 3): numbers}, tickets=newer) == 1
    assert operations._store(user_id=runner.id, values={(2026, 3): {"runs": 1}}, tickets=older) == 0
    row = MonthSummary.objects.get(user_id=runner.id)
    assert (row.runs, row.distance_m, row.requested, row.computed) == (2, 9000.0, 2, 2)


def test_the_rebuild_command_recomputes_every_runners_months(django_capture_on_commit_callbacks):
    import io

    from django.core.management import call_command

    runners = _runners(django_capture_on_commit_callbacks)
    expected = list(
        MonthSummary.objects.order_by("user_id", "year", "month").values("user_id", "year", "month", "runs")
    )
    MonthSummary.objects.update(runs=99, distance_m=0)
    out = io.StringIO()
    call_command("rebuild_summaries", stdout=out)
    assert out.getvalue().splitlines()[-1] == "Rebuilt 9 monthly summaries for 3 users."
    assert (
        list(MonthSummary.objects.order_by("user_id", "year", "month").values("user_id", "year", "month", "runs"))
        == expected
    )

    honolulu = runners["Pacific/Honolulu"][0]
    call_command("rebuild_summaries", "--user", honolulu.email, stdout=(out := io.StringIO()))
    assert out.getvalue().splitlines() == [f"user {honolulu.id}: 3 months", "Rebuilt 3 monthly summaries for 1 user."]
