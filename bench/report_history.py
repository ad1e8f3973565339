"""A monthly report for a runner with ten years of daily runs: from kept summaries, against computing
it from the runs, in one run.

  report      ReportsService.get_month_report, which reads the kept month summaries (one query);
  from runs   what a report costs without them: every run and best effort of the history through
              RunsService (pages of 200, a year of efforts at a time, runs' page cache cleared first),
              each month summarised again.
Both are timed as the best of N repetitions (timeit's advice) and their queries counted; the two
must agree on the month's numbers, or the bench stops.
Run: DJANGO_SETTINGS_MODULE=project.settings.test .venv/bin/python bench/report_history.py [--quick]
(DATABASE_URL=postgres://... for PostgreSQL; SQLite in memory otherwise.)
"""

import datetime
import random
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
django.setup()

from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402

QUICK = "--quick" in sys.argv  # for CI: one year, one repetition; it must keep running, figures are not used
REPEATS = 1 if QUICK else 5
YEARS = 1 if QUICK else 10
KEYS = [("400m", 400.0, 0.24), ("1k", 1000.0, 0.25), ("5k", 5000.0, 0.27), ("10k", 10000.0, 0.28)]


def best_of(function) -> tuple[float, object]:
    times, result = [], None
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def daily_runs(user_id: int, last_day: datetime.date) -> int:
    """One run a day for ten years, with best efforts, written straight into runs' tables (fast set-up)."""
    from apps.runs import queries
    from apps.runs.models import BestEffort, Run

    rng = random.Random(42)
    first_day = last_day.replace(year=last_day.year - YEARS) + datetime.timedelta(days=1)
    runs, day = [], first_day
    while day <= last_day:
        distance = rng.choice([5000.0, 8000.0, 10000.0, 12000.0, 21100.0])
        moving = round(distance * rng.uniform(0.27, 0.33), 1)
        start = datetime.datetime.combine(day, datetime.time(7), tzinfo=datetime.UTC)
        runs.append(
            Run(
                user_id=user_id,
                source="manual",
                name="Daily run",
                start=start,
                timezone="UTC",
                local_date=day,
                elapsed_s=moving + 60,
                moving_s=moving,
                distance_m=distance,
                elevation_gain_m=round(rng.uniform(0, 120), 1),
            )
        )
        day += datetime.timedelta(days=1)
    Run.objects.bulk_create(runs, batch_size=1000)
    efforts = [
        BestEffort(
            run=run,
            user_id=user_id,
            distance_key=key,
            distance_m=metres,
            elapsed_s=round(metres * per_metre * rng.uniform(0.95, 1.1), 1),
            start_offset_s=0.0,
        )
        for run in Run.objects.filter(user_id=user_id)
        for key, metres, per_metre in KEYS
        if metres <= run.distance_m
    ]
    BestEffort.objects.bulk_create(efforts, batch_size=2000)
    queries.forget_lists(user_id)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as autovacuum would have them on a live database
    return len(runs)


def report_from_runs(user_id: int, year: int, month: int) -> dict:
    """The month's summary, its neighbours and the records, computed from the runs with no summary kept."""
    from django.core.cache import cache

    from apps.reports import operations, summaries
    from apps.runs.interface.service import runs_service

    cache.clear()  # cold, as an on-demand computation mostly would be: runs' cached pages do not help
    months = sorted({(m.year, m.month) for m in runs_service.list_active_months(user_id=user_id)})
    computed = {}
    for y in sorted({y for y, _ in months}):
        first, last = summaries.month_bounds(y, 1)[0], summaries.month_bounds(y, 12)[1]
        recorded, efforts = operations._fetch(user_id=user_id, first=first, last=last)
        for yy, mm in months:
            if yy == y:
                computed[(yy, mm)] = summaries.summarize(year=yy, month=mm, recorded=recorded, efforts=efforts)
    return computed[(year, month)]


def main() -> None:
    from apps.accounts.interface import testing as accounts_testing
    from apps.reports import operations
    from apps.reports.interface.service import ReportsService
    from project.rpc import routing

    reports_service = routing.implementation(ReportsService)  # the service's work each time, nothing kept

    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        user = accounts_testing.create_user(email="bench@example.com")
        last_day = datetime.date(2026, 10, 31)
        runs = daily_runs(user.id, last_day)
        started = time.perf_counter()
        months = operations.rebuild_summaries(user_id=user.id)
        rebuild_s = time.perf_counter() - started
        with CaptureQueriesContext(connection) as report_queries:
            reports_service.get_month_report(user_id=user.id, year=2026, month=10)
        with CaptureQueriesContext(connection) as runs_queries:
            report_from_runs(user.id, 2026, 10)
        report_s, report = best_of(lambda: reports_service.get_month_report(user_id=user.id, year=2026, month=10))
        runs_s, from_runs = best_of(lambda: report_from_runs(user.id, 2026, 10))
        assert (report.summary.runs, report.summary.distance_m) == (from_runs["runs"], from_runs["distance_m"])
        assert [e.model_dump(mode="json") for e in report.summary.best_efforts] == from_runs["best_efforts"]
        print(
            f"history: {runs} daily runs over {YEARS} years, {months} monthly summaries (rebuilt in {rebuild_s:.2f} s)"
        )
        print(f"{'':12} {'queries':>8} {'ms':>9}")
        print(f"{'report':12} {len(report_queries):>8} {report_s * 1000:>9.2f}")
        print(f"{'from runs':12} {len(runs_queries):>8} {runs_s * 1000:>9.2f}")
        print(f"ratio report / from runs: {report_s / runs_s:.4f} ({runs_s / report_s:.0f}x faster from summaries)")
        with CaptureQueriesContext(connection) as refresh_queries:
            operations.refresh_summaries(user_id=user.id, months=[(2026, 10)])
        refresh_s, _ = best_of(lambda: operations.refresh_summaries(user_id=user.id, months=[(2026, 10)]))
        print(f"keeping it: one event's refresh of a month: {len(refresh_queries)} queries, {refresh_s * 1000:.2f} ms")
        print(f"database: {connection.vendor}; best of {REPEATS}")
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
