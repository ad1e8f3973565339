from __future__ import annotations

import abc
import datetime

from apps.runs.interface import contracts
from project.rpc import interface as rpc
from project.rpc import routing

MAX_PAGE_SIZE = 200
MAX_EXPORT_PAGE_SIZE = 20  # runs with their samples: a 10-hour run's are a few MB


class RunsService(rpc.Service):
    name = "runs"
    local_implementation = "apps.runs.interface.local.LocalRunsService"
    renamed = {
        "month_summary": "get_month_summary",
        "personal_records": "list_personal_records",
    }  # wire names of callers deployed before 2026-12

    @rpc.idempotent
    @abc.abstractmethod
    def record_run(self, *, draft: contracts.RunDraft) -> contracts.RecordedRun:
        """Store a run and compute its stats. The same (user, source, source_id) is stored once.

        A run that starts within 60 s of one of the user's runs and whose distance is within 3%
        is kept hidden as its duplicate. Raises `InvalidRun` when nothing sensible can be stored.
        """

    @rpc.kept_per_user
    @abc.abstractmethod
    def get_run(self, *, user_id: int, run_id: int) -> contracts.RunDetail:
        """One of the user's runs. Raises `RunNotFound` (also for another user's run)."""

    @rpc.read_only
    @abc.abstractmethod
    def get_run_streams(self, *, user_id: int, run_id: int) -> contracts.Streams | None:
        """The samples of one of the user's runs, as recorded (None when it has none): its page draws them.

        Raises `RunNotFound` (also for another user's run).
        """

    @rpc.read_only
    @abc.abstractmethod
    def list_runs(
        self,
        *,
        user_id: int,
        start_date: datetime.date | None = None,
        end_date: datetime.date | None = None,
        sports: list[contracts.Sport] | None = None,
        include_hidden: bool = False,
        cursor: str | None = None,
        limit: int = 50,
    ) -> contracts.RunPage:
        """The user's runs, newest first, by local start date (inclusive bounds) and sport.

        Page with `next_cursor`. Raises `InvalidCursor`.
        """

    @rpc.read_only
    @abc.abstractmethod
    def get_month_summary(
        self, *, user_id: int, year: int, month: int, sports: list[contracts.Sport] | None = None
    ) -> contracts.MonthSummary:
        """Totals of the visible runs whose local start date falls in the month."""

    @rpc.kept_per_user
    @abc.abstractmethod
    def get_overview(
        self, *, user_id: int, year: int, month: int, sports: list[contracts.Sport] | None = None, last: int = 10
    ) -> contracts.RunsOverview:
        """`get_month_summary` of the month and the `last` visible runs of any sport (as `list_runs`), in one call:
        the dashboard's, which would otherwise cross the network twice."""

    @rpc.read_only
    @abc.abstractmethod
    def list_personal_records(
        self, *, user_id: int, family: contracts.Family | None = None
    ) -> list[contracts.PersonalRecord]:
        """The fastest effort at each standard distance of each family (or of `family` only).

        Across the user's visible runs; by family (running, cycling, walking), then shortest first.
        """

    @rpc.read_only
    @abc.abstractmethod
    def list_best_efforts(
        self,
        *,
        user_id: int,
        start_date: datetime.date,
        end_date: datetime.date,
        sports: list[contracts.Sport] | None = None,
    ) -> list[contracts.RunEffort]:
        """Best efforts of the visible runs whose local start date is in the range (inclusive).

        By date, then distance. At most 366 days at a time; raises `InvalidRequest` for a longer or reversed range.
        """

    @rpc.read_only
    @abc.abstractmethod
    def list_active_months(
        self, *, user_id: int, sports: list[contracts.Sport] | None = None
    ) -> list[contracts.MonthCount]:
        """Every month (by local start date) with at least one visible run, oldest first, with its count."""

    @rpc.idempotent
    @abc.abstractmethod
    def update_run(
        self,
        *,
        user_id: int,
        run_id: int,
        name: str | None = None,
        notes: str | None = None,
        sport: contracts.Sport | None = None,
        hidden: bool | None = None,
        start: datetime.datetime | None = None,
        distance_m: float | None = None,
        elapsed_s: float | None = None,
        average_heart_rate: int | None = None,
    ) -> contracts.RunDetail:
        """Change what the runner may change; None leaves a field alone. Raises `RunNotFound`.

        The start, distance, time and average heart rate only of a run entered by hand (a recorded run's come
        from its samples): `InvalidRun` otherwise, or for a value out of range.
        """

    @rpc.idempotent
    @abc.abstractmethod
    def delete_run(self, *, user_id: int, run_id: int) -> None:
        """Delete one of the user's runs. Raises `RunNotFound`."""

    @rpc.read_only
    @abc.abstractmethod
    def find_run_by_source(self, *, user_id: int, source: contracts.Source, source_id: str) -> contracts.RunSummary:
        """The run stored from this source id (a Strava activity, a file). Raises `RunNotFound`."""

    @rpc.idempotent
    @abc.abstractmethod
    def delete_runs_from_source(self, *, user_id: int, source: contracts.Source) -> int:
        """Delete every run of the user that came from `source` (Strava's agreement on revocation); how many."""

    @rpc.read_only
    @abc.abstractmethod
    def list_runs_without_streams(
        self, *, user_id: int, source: contracts.Source, limit: int = 20
    ) -> list[contracts.RunSummary]:
        """The user's runs from `source` that have no samples yet, oldest first (to fetch them)."""

    @rpc.idempotent
    @abc.abstractmethod
    def attach_streams(self, *, user_id: int, run_id: int, streams: contracts.Streams) -> contracts.RunDetail:
        """Give a run its samples and compute what they allow (splits, best efforts, route, heart rate).

        The run's own distance and times are kept. Raises `RunNotFound`, `InvalidRun` (too few samples).
        """

    @rpc.read_only
    @abc.abstractmethod
    def export_user_data(self, *, user_id: int, after_id: int = 0, limit: int = 10) -> contracts.RunExportPage:
        """Every run of the user, hidden ones too, with its samples, by id after `after_id` (the data export).

        Page with `next_after_id` until it is None, so that memory stays bounded. Raises `InvalidRequest` for a
        limit outside 1..20.
        """


runs_service: RunsService = routing.delegator(RunsService)
