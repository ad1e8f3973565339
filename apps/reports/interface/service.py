from __future__ import annotations

import abc

from apps.reports.interface import contracts
from project.rpc import interface as rpc
from project.rpc import routing


class ReportsService(rpc.Service):
    name = "reports"
    local_implementation = "apps.reports.interface.local.LocalReportsService"
    renamed = {
        "month_report": "get_month_report",
        "year_overview": "get_year_overview",
    }  # wire names of callers deployed before 2026-12

    @rpc.kept_per_user
    @abc.abstractmethod
    def get_month_report(self, *, user_id: int, year: int, month: int) -> contracts.MonthReport:
        """A month's summary with its comparisons, records and trend, from the kept summaries.

        A month without runs gives zero totals. Raises `InvalidMonth` for a month outside 1980..2100 or 1..12.
        """

    @rpc.read_only
    @abc.abstractmethod
    def get_year_overview(self, *, user_id: int, year: int) -> contracts.YearOverview:
        """Each month of the year and its total, with the years that have runs. Raises `InvalidMonth`."""

    @rpc.read_only
    @abc.abstractmethod
    def export_user_data(self, *, user_id: int) -> contracts.ReportsExport:
        """Every kept month summary of the user and the report send log (the data export)."""


reports_service: ReportsService = routing.delegator(ReportsService)
