"""The report's numbers computed again, inside the tests, straight from what was recorded.

Written apart from apps/reports/summaries.py on purpose: local dates come from zoneinfo here, the
weeks from ISO calendar numbers, the streak from a set walk. Only the rounding rule is shared
(a sum to 0.1 m or 0.1 s).
"""

import collections
import datetime
import math
import zoneinfo
from dataclasses import dataclass


@dataclass(frozen=True)
class Recorded:
    run_id: int
    start: datetime.datetime  # aware
    timezone: str
    distance_m: float
    moving_s: float
    elevation_gain_m: float | None = None

    @property
    def local_date(self) -> datetime.date:
        return self.start.astimezone(zoneinfo.ZoneInfo(self.timezone)).date()


def month_numbers(recorded: list[Recorded], year: int, month: int) -> dict:
    runs = [r for r in recorded if (r.local_date.year, r.local_date.month) == (year, month)]
    days = {r.local_date for r in runs}
    streak = 0
    for day in days:
        if day - datetime.timedelta(days=1) not in days:
            length = 1
            while day + datetime.timedelta(days=length) in days:
                length += 1
            streak = max(streak, length)
    weeks: dict[tuple[int, int], float] = collections.defaultdict(float)
    day = datetime.date(year, month, 1)
    while day.month == month:
        weeks[day.isocalendar()[:2]] += 0.0
        day += datetime.timedelta(days=1)
    per_week: dict[tuple[int, int], list[float]] = collections.defaultdict(list)
    for r in runs:
        per_week[r.local_date.isocalendar()[:2]].append(r.distance_m)
    ordered = sorted(runs, key=lambda r: (r.start, r.run_id))
    longest = max(ordered, key=lambda r: r.distance_m) if runs else None
    paced = [r for r in ordered if r.distance_m >= 1000]
    fastest = min(paced, key=lambda r: r.moving_s / r.distance_m) if paced else None
    return {
        "runs": len(runs),
        "distance_m": round(math.fsum(r.distance_m for r in runs), 1),
        "moving_s": round(math.fsum(r.moving_s for r in runs), 1),
        "elevation_gain_m": round(math.fsum(r.elevation_gain_m or 0 for r in runs), 1),
        "active_days": len(days),
        "longest_streak": streak,
        "weekly": [round(math.fsum(per_week[week]), 1) for week in sorted(weeks)],
        "longest_run_id": longest.run_id if longest else None,
        "fastest_run_id": fastest.run_id if fastest else None,
    }


def numbers_of(summary) -> dict:
    """The same keys, read from a ReportsService MonthSummary."""
    return {
        "runs": summary.runs,
        "distance_m": summary.distance_m,
        "moving_s": summary.moving_s,
        "elevation_gain_m": summary.elevation_gain_m,
        "active_days": summary.active_days,
        "longest_streak": summary.longest_streak,
        "weekly": [week.distance_m for week in summary.weekly],
        "longest_run_id": summary.longest_run.run_id if summary.longest_run else None,
        "fastest_run_id": summary.fastest_run.run_id if summary.fastest_run else None,
    }
