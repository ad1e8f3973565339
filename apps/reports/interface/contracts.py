"""What the reports app hands out. No Django: these cross the wire as JSON."""

from __future__ import annotations

import datetime

from project.rpc.contracts import Contract


class MonthTotals(Contract):
    """A month's totals over the runner's visible runs (run, trail run, treadmill), by local start date."""

    year: int
    month: int
    runs: int
    distance_m: float
    moving_s: float
    elevation_gain_m: float
    active_days: int
    pace_s_per_km: float | None  # moving time over distance


class RunRef(Contract):
    run_id: int
    name: str
    local_date: datetime.date
    distance_m: float
    moving_s: float
    pace_s_per_km: float | None


class Effort(Contract):
    """The fastest time over a standard distance inside one run."""

    distance_key: str
    distance_m: float
    elapsed_s: float
    run_id: int
    local_date: datetime.date


class WeekDistance(Contract):
    week_start: datetime.date  # a Monday; the first week may start in the month before
    distance_m: float  # of the days of this week that fall in the month


class MonthSummary(MonthTotals):
    longest_streak: int  # consecutive days with a run, inside the month
    longest_run: RunRef | None
    fastest_run: RunRef | None  # the best average pace among runs of at least 1 km
    best_efforts: list[Effort]  # the month's fastest at each distance, shortest first
    weekly: list[WeekDistance]


class MonthReport(Contract):
    user_id: int
    summary: MonthSummary
    previous_month: MonthTotals
    same_month_last_year: MonthTotals
    records: list[Effort]  # best efforts of the month faster than any before it
    year_to_date: MonthTotals  # January to this month; `month` is this month
    pace_trend: list[MonthTotals]  # the twelve months ending with this one, oldest first


class YearOverview(Contract):
    user_id: int
    year: int
    months: list[MonthTotals]  # January to December
    totals: MonthTotals  # the whole year; `month` is 12
    years: list[int]  # every year with runs, newest first (to browse)


class ReportSent(Contract):
    """One line of the send log: what became of a month's report email."""

    year: int
    month: int
    status: str  # sending, sent, skipped (no runs), failed
    email: str
    attempts: int
    claimed_at: datetime.datetime
    sent_at: datetime.datetime | None
    error: str


class ReportsExport(Contract):
    """What the reports app holds about a runner, for their data export."""

    summaries: list[MonthSummary]  # oldest month first
    send_log: list[ReportSent]  # oldest month first
