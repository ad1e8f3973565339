"""ReportsService in both service modes: comparisons, records, the year, and what a report costs."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.interface import testing as accounts_testing
from apps.reports.interface import contracts, errors
from apps.reports.interface.service import reports_service
from apps.reports.models import MonthSummary
from apps.runs.interface.service import runs_service
from apps.runs.interface.testing import record_manual_run
from tests.runs.tracks import INTERVAL_SEGMENTS, draft, track

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
STEADY = [(600, 1000 / 240)]  # 2.5 km at 4:00/km


@pytest.fixture
def runner():
    return accounts_testing.create_user(email="ada@example.com", timezone="Europe/Paris")


def _track_run(user_id, segments, day):
    return runs_service.record_run(
        draft=draft(user_id, track(segments), start=datetime.datetime(2026, *day, 7, tzinfo=UTC), source_id=str(day))
    ).run


def test_best_efforts_and_the_records_set_in_a_month(service_mode, runner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        february = _track_run(runner.id, STEADY, (2, 10))
        march_fast = _track_run(runner.id, INTERVAL_SEGMENTS, (3, 10))
        march_slow = _track_run(runner.id, STEADY, (3, 12))
        april = _track_run(runner.id, STEADY, (4, 10))
    efforts = {run.id: {e.distance_key: e.elapsed_s for e in run.best_efforts} for run in (february, march_fast)}
    assert efforts[february.id].keys() == {"400m", "1k", "1mi"}

    def keys_and_runs(items):
        return [(e.distance_key, e.run_id, e.elapsed_s) for e in items]

    feb = reports_service.get_month_report(user_id=runner.id, year=2026, month=2)
    expected_feb = [(k, february.id, efforts[february.id][k]) for k in ("400m", "1k", "1mi")]
    assert keys_and_runs(feb.summary.best_efforts) == expected_feb
    assert keys_and_runs(feb.records) == expected_feb  # a first effort at a distance is a record

    march = reports_service.get_month_report(user_id=runner.id, year=2026, month=3)
    expected_march = [(k, march_fast.id, efforts[march_fast.id][k]) for k in ("400m", "1k", "1mi")]
    assert keys_and_runs(march.summary.best_efforts) == expected_march
    assert all(efforts[march_fast.id][k] < efforts[february.id][k] for k in efforts[february.id])
    assert keys_and_runs(march.records) == expected_march
    assert march_slow.id not in {e.run_id for e in march.summary.best_efforts}

    april_report = reports_service.get_month_report(user_id=runner.id, year=2026, month=4)
    assert [e.run_id for e in april_report.summary.best_efforts] == [april.id] * 3
    assert april_report.records == []  # slower than March


def test_comparisons_the_year_to_date_and_the_pace_trend(service_mode, runner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for start, distance, elapsed in [
            (datetime.datetime(2025, 3, 15, 8, tzinfo=UTC), 10000.0, 3000.0),
            (datetime.datetime(2026, 1, 5, 8, tzinfo=UTC), 6000.0, 1800.0),
            (datetime.datetime(2026, 2, 5, 8, tzinfo=UTC), 8000.0, 2560.0),
            (datetime.datetime(2026, 3, 5, 8, tzinfo=UTC), 5000.0, 1400.0),
            (datetime.datetime(2026, 3, 6, 8, tzinfo=UTC), 5000.0, 1500.0),
        ]:
            record_manual_run(user_id=runner.id, start=start, distance_m=distance, elapsed_s=elapsed)
    report = reports_service.get_month_report(user_id=runner.id, year=2026, month=3)

    def totals(year, month, runs, distance, moving, days):
        return contracts.MonthTotals(
            year=year,
            month=month,
            runs=runs,
            distance_m=distance,
            moving_s=moving,
            elevation_gain_m=0.0,
            active_days=days,
            pace_s_per_km=round(moving / distance * 1000, 1) if runs else None,
        )

    assert report.previous_month == totals(2026, 2, 1, 8000.0, 2560.0, 1)
    assert report.same_month_last_year == totals(2025, 3, 1, 10000.0, 3000.0, 1)
    assert report.year_to_date == totals(2026, 3, 4, 24000.0, 7260.0, 4)
    assert [(m.year, m.month) for m in report.pace_trend][:2] == [(2025, 4), (2025, 5)]
    assert [m.pace_s_per_km for m in report.pace_trend][-3:] == [300.0, 320.0, 290.0]
    assert report.pace_trend[0].pace_s_per_km is None

    year = reports_service.get_year_overview(user_id=runner.id, year=2026)
    assert [m.runs for m in year.months] == [1, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert year.totals == totals(2026, 12, 4, 24000.0, 7260.0, 4)
    assert year.years == [2026, 2025]


def test_a_month_without_runs_is_an_empty_report_not_an_error(service_mode, runner):
    report = reports_service.get_month_report(user_id=runner.id, year=2026, month=2)
    assert (report.summary.runs, report.summary.distance_m, report.summary.pace_s_per_km) == (0, 0.0, None)
    assert [w.week_start for w in report.summary.weekly] == [
        datetime.date(2026, 1, 26),
        datetime.date(2026, 2, 2),
        datetime.date(2026, 2, 9),
        datetime.date(2026, 2, 16),
        datetime.date(2026, 2, 23),
    ]
    assert report.records == []
    assert reports_service.get_year_overview(user_id=runner.id, year=2026).years == []


@pytest.mark.parametrize(("year", "month"), [(2026, 13), (2026, 0), (1970, 5), (2200, 1)])
def test_an_impossible_month_is_refused(service_mode, runner, year, month):
    with pytest.raises(errors.InvalidMonth, match=f"no month {year}-{month:02d}"):
        reports_service.get_month_report(user_id=runner.id, year=year, month=month)


def test_another_runners_summaries_are_never_in_a_report(service_mode, runner, django_capture_on_commit_callbacks):
    other = accounts_testing.create_user(email="other@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        record_manual_run(user_id=other.id, start=datetime.datetime(2026, 3, 5, 8, tzinfo=UTC))
    assert reports_service.get_month_report(user_id=runner.id, year=2026, month=3).summary.runs == 0
    assert reports_service.get_month_report(user_id=other.id, year=2026, month=3).summary.runs == 1


def _history(user_id, months):
    MonthSummary.objects.bulk_create(
        MonthSummary(
            user_id=user_id,
            year=2026 - i // 12,
            month=12 - i % 12,
            runs=10,
            distance_m=80000.0,
            moving_s=24000.0,
            active_days=10,
            best_efforts=[
                {
                    "distance_key": "5k",
                    "distance_m": 5000.0,
                    "elapsed_s": 1500.0 - i,
                    "run_id": i,
                    "local_date": "2026-01-01",
                }
            ],
        )
        for i in range(months)
    )


@pytest.mark.parametrize("months", [3, 120])
def test_a_report_is_one_query_however_long_the_history(runner, months):
    _history(runner.id, months)
    with CaptureQueriesContext(connection) as queries:
        report = reports_service.get_month_report(user_id=runner.id, year=2026, month=12)
    assert len(queries) == 1
    assert report.summary.runs == 10
    assert report.records == []  # each earlier month was faster
    with CaptureQueriesContext(connection) as queries:
        reports_service.get_year_overview(user_id=runner.id, year=2026)
    assert len(queries) == 2
