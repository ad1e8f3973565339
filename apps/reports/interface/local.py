"""The in-process ReportsService: the stored rows of `queries` become the interface's DTOs here."""

from __future__ import annotations

from typing import Any

from apps.reports import queries, summaries
from apps.reports.interface import contracts, errors
from apps.reports.interface.service import ReportsService
from apps.runs.interface import contracts as runs_contracts

FIRST_YEAR, LAST_YEAR = runs_contracts.EARLIEST_START.year, runs_contracts.LAST_YEAR


def _check(year: int, month: int = 1) -> None:
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        raise errors.InvalidMonth(f"no month {year}-{month:02d}: the year must be {FIRST_YEAR} to {LAST_YEAR}")


def _totals(year: int, month: int, rows: list[dict]) -> contracts.MonthTotals:
    distance = summaries.total(row["distance_m"] for row in rows)
    moving = summaries.total(row["moving_s"] for row in rows)
    return contracts.MonthTotals(
        year=year,
        month=month,
        runs=sum(row["runs"] for row in rows),
        distance_m=distance,
        moving_s=moving,
        elevation_gain_m=summaries.total(row["elevation_gain_m"] for row in rows),
        active_days=sum(row["active_days"] for row in rows),
        pace_s_per_km=runs_contracts.pace_s_per_km(distance_m=distance, moving_s=moving),
    )


def _month_totals(year: int, month: int, rows: queries.Rows) -> contracts.MonthTotals:
    row = rows.get((year, month))
    return _totals(year, month, [row] if row else [])


def _month_summary(year: int, month: int, history: queries.Rows) -> contracts.MonthSummary:
    row = history.get((year, month))
    if row is None:
        empty = summaries.summarize(year=year, month=month, recorded=[], efforts=[])
        details: dict[str, Any] = {"longest_streak": 0, "longest_run": None, "fastest_run": None, "best_efforts": []}
        return contracts.MonthSummary(**_totals(year, month, []).model_dump(), **details, weekly=empty["weekly"])
    return contracts.MonthSummary(
        **_totals(year, month, [row]).model_dump(),
        longest_streak=row["this_longest_streak"],
        longest_run=row["this_longest_run"],
        fastest_run=row["this_fastest_run"],
        best_efforts=row["best_efforts"],
        weekly=row["this_weekly"],
    )


def _records(summary: contracts.MonthSummary, history: queries.Rows) -> list[contracts.Effort]:
    """The month's best efforts faster than any of an earlier month at that distance (or the first at it)."""
    before: dict[str, float] = {}
    for key, earlier in history.items():
        if key < (summary.year, summary.month):
            for effort in earlier["best_efforts"]:
                best = before.get(effort["distance_key"])
                before[effort["distance_key"]] = (
                    effort["elapsed_s"] if best is None else min(best, effort["elapsed_s"])
                )
    return [
        effort
        for effort in summary.best_efforts
        if effort.distance_key not in before or effort.elapsed_s < before[effort.distance_key]
    ]


class LocalReportsService(ReportsService):
    def get_month_report(self, *, user_id: int, year: int, month: int) -> contracts.MonthReport:
        _check(year, month)
        history = queries.get_history(user_id=user_id, year=year, month=month)
        summary = _month_summary(year, month, history)
        return contracts.MonthReport(
            user_id=user_id,
            summary=summary,
            previous_month=_month_totals(*summaries.previous_month(year, month), history),
            same_month_last_year=_month_totals(year - 1, month, history),
            records=_records(summary, history),
            year_to_date=_totals(year, month, [r for (y, m), r in history.items() if y == year and m <= month]),
            pace_trend=[_month_totals(y, m, history) for y, m in summaries.months_back(year, month, 12)],
        )

    def get_year_overview(self, *, user_id: int, year: int) -> contracts.YearOverview:
        _check(year)
        rows, years = queries.get_year(user_id=user_id, year=year)
        return contracts.YearOverview(
            user_id=user_id,
            year=year,
            months=[_month_totals(year, month, rows) for month in range(1, 13)],
            totals=_totals(year, 12, list(rows.values())),
            years=years,
        )

    def export_user_data(self, *, user_id: int) -> contracts.ReportsExport:
        return contracts.ReportsExport(
            summaries=[
                contracts.MonthSummary(
                    **_totals(row["year"], row["month"], [row]).model_dump(),
                    **{field: row[field] for field in queries.DETAIL_FIELDS},
                )
                for row in queries.list_summaries(user_id=user_id)
            ],
            send_log=[contracts.ReportSent(**row) for row in queries.list_deliveries(user_id=user_id)],
        )
