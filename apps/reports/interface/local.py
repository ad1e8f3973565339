"""The in-process ReportsService."""

from __future__ import annotations

from apps.reports import queries
from apps.reports.interface import contracts, errors
from apps.reports.interface.service import ReportsService
from apps.runs.interface import contracts as runs_contracts

FIRST_YEAR, LAST_YEAR = runs_contracts.EARLIEST_START.year, runs_contracts.LAST_YEAR


def _check(year: int, month: int = 1) -> None:
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        raise errors.InvalidMonth(f"no month {year}-{month:02d}: the year must be {FIRST_YEAR} to {LAST_YEAR}")


class LocalReportsService(ReportsService):
    def month_report(self, *, user_id: int, year: int, month: int) -> contracts.MonthReport:
        _check(year, month)
        return queries.month_report(user_id=user_id, year=year, month=month)

    def year_overview(self, *, user_id: int, year: int) -> contracts.YearOverview:
        _check(year)
        return queries.year_overview(user_id=user_id, year=year)

    def export_user_data(self, *, user_id: int) -> contracts.ReportsExport:
        return queries.user_data(user_id=user_id)
