"""A month's summary from its runs. Pure functions over runs' contracts, no database.

Which runs count: the visible ones of the running sports (run, trail run, treadmill), by their
local start date, which the runs app fixes from where (or, without a position, when in the
runner's time zone) the run started. Sums use `math.fsum`, so the order runs arrive in does not
change a single digit.
"""

from __future__ import annotations

import calendar
import datetime
import math
from collections.abc import Iterable

from apps.reports.interface import contracts
from apps.runs.interface import contracts as runs

RUNNING = list(runs.RUNNING_SPORTS)
FASTEST_RUN_MIN_M = 1000.0
FIELDS = (
    "runs",
    "distance_m",
    "moving_s",
    "elevation_gain_m",
    "active_days",
    "longest_streak",
    "longest_run",
    "fastest_run",
    "best_efforts",
    "weekly",
)


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def months_back(year: int, month: int, count: int) -> list[tuple[int, int]]:
    """`count` months ending with (year, month), oldest first."""
    months = [(year, month)]
    while len(months) < count:
        months.append(previous_month(*months[-1]))
    return months[::-1]


def total(values: Iterable[float]) -> float:
    return round(math.fsum(values), 1)


def longest_streak(days: Iterable[datetime.date]) -> int:
    best = current = 0
    previous: datetime.date | None = None
    for day in sorted(set(days)):
        current = current + 1 if previous is not None and (day - previous).days == 1 else 1
        best, previous = max(best, current), day
    return best


def _ref(run: runs.RunSummary) -> dict:
    return contracts.RunRef(
        run_id=run.id,
        name=run.name,
        local_date=run.local_date,
        distance_m=run.distance_m,
        moving_s=run.moving_s,
        pace_s_per_km=runs.pace_s_per_km(distance_m=run.distance_m, moving_s=run.moving_s),
    ).model_dump(mode="json")


def _weekly(first: datetime.date, last: datetime.date, month_runs: list[runs.RunSummary]) -> list[dict]:
    monday = first - datetime.timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        sunday = monday + datetime.timedelta(days=6)
        distance = total(run.distance_m for run in month_runs if monday <= run.local_date <= sunday)
        weeks.append({"week_start": monday.isoformat(), "distance_m": distance})
        monday += datetime.timedelta(days=7)
    return weeks


def _best_efforts(month_efforts: list[runs.RunEffort]) -> list[dict]:
    """The fastest effort at each distance; on a tie, the earlier run's."""
    best: dict[str, runs.RunEffort] = {}
    for effort in sorted(month_efforts, key=lambda e: (e.local_date, e.run_id)):
        kept = best.get(effort.distance_key)
        if kept is None or effort.elapsed_s < kept.elapsed_s:
            best[effort.distance_key] = effort
    return [
        contracts.Effort(
            distance_key=e.distance_key,
            distance_m=e.distance_m,
            elapsed_s=e.elapsed_s,
            run_id=e.run_id,
            local_date=e.local_date,
        ).model_dump(mode="json")
        for e in sorted(best.values(), key=lambda e: e.distance_m)
    ]


def summarize(
    *, year: int, month: int, recorded: Iterable[runs.RunSummary], efforts: Iterable[runs.RunEffort]
) -> dict:
    """The stored fields of a month's summary, from runs and efforts that may cover more than the month."""
    first, last = month_bounds(year, month)
    month_runs = sorted(
        (run for run in recorded if first <= run.local_date <= last and not run.hidden and run.sport in RUNNING),
        key=lambda run: (run.local_date, run.start, run.id),
    )
    counted = {run.id for run in month_runs}
    paced = [run for run in month_runs if run.distance_m >= FASTEST_RUN_MIN_M and run.moving_s > 0]
    longest = max(month_runs, key=lambda run: run.distance_m, default=None)  # max keeps the first on a tie
    fastest = min(paced, key=lambda run: run.moving_s / run.distance_m, default=None)
    return {
        "runs": len(month_runs),
        "distance_m": total(run.distance_m for run in month_runs),
        "moving_s": total(run.moving_s for run in month_runs),
        "elevation_gain_m": total(run.elevation_gain_m or 0.0 for run in month_runs),
        "active_days": len({run.local_date for run in month_runs}),
        "longest_streak": longest_streak(run.local_date for run in month_runs),
        "longest_run": _ref(longest) if longest else None,
        "fastest_run": _ref(fastest) if fastest else None,
        "best_efforts": _best_efforts([e for e in efforts if e.run_id in counted]),
        "weekly": _weekly(first, last, month_runs),
    }
