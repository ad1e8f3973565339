"""The in-process RunsService. The one place where runs' ORM objects become contracts."""

from __future__ import annotations

import datetime

from apps.runs import listcache, operations, queries
from apps.runs.interface import contracts, errors
from apps.runs.interface.service import MAX_EXPORT_PAGE_SIZE, MAX_PAGE_SIZE, RunsService
from apps.runs.models import Run
from project.rpc.errors import InvalidRequest

_SOURCES = {source.value: source for source in contracts.Source}
_SPORTS = {sport.value: sport for sport in contracts.Sport}


def _summary_fields(row: dict) -> dict:
    """The one mapping from a stored run (a row of queries.SUMMARY_FIELDS) to the summary contract's fields."""
    distance_m, moving_s, sport = row["distance_m"], row["moving_s"], _SPORTS[row["sport"]]
    return {
        **row,
        "source": _SOURCES[row["source"]],
        "sport": sport,
        "family": contracts.FAMILY_OF[sport],
        "pace_s_per_km": contracts.pace_s_per_km(distance_m=distance_m, moving_s=moving_s),
        "speed_kmh": contracts.speed_kmh(distance_m=distance_m, moving_s=moving_s),
    }


def _row(run: Run) -> dict:
    return {field: getattr(run, field) for field in queries.SUMMARY_FIELDS}


def run_summary(row: dict) -> contracts.RunSummary:
    return contracts.RunSummary(**_summary_fields(row))


def run_detail(run: Run) -> contracts.RunDetail:
    return contracts.RunDetail(
        **_summary_fields(_row(run)),
        elevation_loss_m=run.elevation_loss_m,
        max_heart_rate=run.max_heart_rate,
        average_cadence=run.average_cadence,
        calories=run.calories,
        notes=run.notes,
        laps=[contracts.Lap(**lap) for lap in run.laps],
        splits=[contracts.Split(**split) for split in run.splits],
        best_efforts=[
            contracts.BestEffort(
                distance_key=effort.distance_key,
                distance_m=effort.distance_m,
                elapsed_s=effort.elapsed_s,
                start_offset_s=effort.start_offset_s,
            )
            for effort in run.best_efforts.all()
        ],
        polyline=run.polyline,
        has_streams=hasattr(run, "streams"),
        source_note=run.source_note,
    )


def _detail_of(*, user_id: int, run_id: int) -> contracts.RunDetail:
    run = (
        Run.objects.filter(pk=run_id, user_id=user_id)
        .select_related("streams")
        .defer("streams__data")
        .prefetch_related("best_efforts")
        .first()
    )
    if run is None:
        raise errors.RunNotFound(f"no run {run_id} for this user")
    return run_detail(run)


class LocalRunsService(RunsService):
    def record_run(self, *, draft: contracts.RunDraft) -> contracts.RecordedRun:
        run, created = operations.record_run(draft=draft)
        return contracts.RecordedRun(
            run=_detail_of(user_id=run.user_id, run_id=run.pk), created=created, duplicate_of_id=run.duplicate_of_id
        )

    def get_run(self, *, user_id: int, run_id: int) -> contracts.RunDetail:
        return _detail_of(user_id=user_id, run_id=run_id)

    def get_run_streams(self, *, user_id: int, run_id: int) -> contracts.Streams | None:
        found, data = queries.get_run_streams(user_id=user_id, run_id=run_id)
        if not found:
            raise errors.RunNotFound(f"no run {run_id} for this user")
        return contracts.Streams.model_validate(data) if data is not None else None

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
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise InvalidRequest(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {limit}")
        params = {
            "start_date": start_date,
            "end_date": end_date,
            "sports": sorted(sport.value for sport in sports) if sports else None,
            "include_hidden": include_hidden,
            "cursor": cursor,
            "limit": limit,
        }
        cached, version = listcache.cached_list(user_id=user_id, **params)
        if cached is not None:
            return contracts.RunPage.model_validate_json(cached)  # JSON, not pickle: validated in pydantic-core
        rows = list(
            queries.list_runs_for_user(
                user_id=user_id,
                start_date=start_date,
                end_date=end_date,
                sports=[sport.value for sport in sports] if sports else None,
                include_hidden=include_hidden,
                cursor=cursor,
            ).values(*queries.SUMMARY_FIELDS)[: limit + 1]
        )
        page = rows[:limit]
        result = contracts.RunPage.model_validate(  # one call into pydantic-core for the page, not one per run
            {
                "runs": [_summary_fields(row) for row in page],
                "next_cursor": queries.encode_cursor(start=page[-1]["start"], run_id=page[-1]["id"])
                if len(rows) > limit
                else None,
            }
        )
        if version:
            listcache.store_list(user_id=user_id, version=version, value=result.model_dump_json(), **params)
        return result

    def get_month_summary(
        self, *, user_id: int, year: int, month: int, sports: list[contracts.Sport] | None = None
    ) -> contracts.MonthSummary:
        if not 1 <= month <= 12:
            raise InvalidRequest(f"month must be 1 to 12, got {month}")
        totals = queries.get_month_totals(
            user_id=user_id, year=year, month=month, sports=[sport.value for sport in sports] if sports else None
        )
        return contracts.MonthSummary(user_id=user_id, year=year, month=month, **totals)

    def get_overview(
        self, *, user_id: int, year: int, month: int, sports: list[contracts.Sport] | None = None, last: int = 10
    ) -> contracts.RunsOverview:
        # Callers keep the answer under the user's runs version (`kept_per_user`, project/rpc/versions.py).
        return contracts.RunsOverview(
            month=self.get_month_summary(user_id=user_id, year=year, month=month, sports=sports),
            last_runs=self.list_runs(user_id=user_id, limit=last).runs,
        )

    def list_personal_records(
        self, *, user_id: int, family: contracts.Family | None = None
    ) -> list[contracts.PersonalRecord]:
        return [
            contracts.PersonalRecord(
                distance_key=effort.distance_key,
                distance_m=effort.distance_m,
                elapsed_s=effort.elapsed_s,
                run_id=effort.run_id,
                run_name=effort.run.name,
                run_local_date=effort.run.local_date,
                family=contracts.Family(effort.family),
                run_sport=_SPORTS[effort.run.sport],
            )
            for effort in queries.list_fastest_efforts(user_id=user_id, family=family.value if family else None)
        ]

    def list_best_efforts(
        self,
        *,
        user_id: int,
        start_date: datetime.date,
        end_date: datetime.date,
        sports: list[contracts.Sport] | None = None,
    ) -> list[contracts.RunEffort]:
        if not 0 <= (end_date - start_date).days <= 365:
            raise InvalidRequest(f"a range of 1 to 366 days, got {start_date} to {end_date}")
        rows = queries.list_efforts_between(
            user_id=user_id,
            start_date=start_date,
            end_date=end_date,
            sports=[sport.value for sport in sports] if sports else None,
        )
        return [contracts.RunEffort(**{**row, "sport": _SPORTS[row["sport"]]}) for row in rows]

    def list_active_months(
        self, *, user_id: int, sports: list[contracts.Sport] | None = None
    ) -> list[contracts.MonthCount]:
        rows = queries.list_active_months(
            user_id=user_id, sports=[sport.value for sport in sports] if sports else None
        )
        return [contracts.MonthCount(**row) for row in rows]

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
        asked: dict[str, object] = {"name": name, "notes": notes, "sport": sport, "hidden": hidden, "start": start}
        asked |= {"distance_m": distance_m, "elapsed_s": elapsed_s, "average_heart_rate": average_heart_rate}
        changes = {key: value for key, value in asked.items() if value is not None}
        operations.update_run(user_id=user_id, run_id=run_id, changes=changes)
        return _detail_of(user_id=user_id, run_id=run_id)

    def delete_run(self, *, user_id: int, run_id: int) -> None:
        operations.delete_run(user_id=user_id, run_id=run_id)

    def find_run_by_source(self, *, user_id: int, source: contracts.Source, source_id: str) -> contracts.RunSummary:
        row = (
            queries.list_runs_for_user(user_id=user_id, include_hidden=True)
            .filter(source=source.value, source_id=source_id)
            .values(*queries.SUMMARY_FIELDS)
            .first()
        )
        if row is None:
            raise errors.RunNotFound(f"no run from {source.value} {source_id!r} for this user")
        return run_summary(row)

    def delete_runs_from_source(self, *, user_id: int, source: contracts.Source) -> int:
        return operations.delete_source_runs(user_id=user_id, source=source.value)

    def list_runs_without_streams(
        self, *, user_id: int, source: contracts.Source, limit: int = 20
    ) -> list[contracts.RunSummary]:
        rows = (
            queries.list_runs_for_user(user_id=user_id, include_hidden=True)
            .filter(source=source.value, streams__isnull=True)
            .order_by("start", "id")
            .values(*queries.SUMMARY_FIELDS)[: max(1, min(limit, MAX_PAGE_SIZE))]
        )
        return [run_summary(row) for row in rows]

    def attach_streams(self, *, user_id: int, run_id: int, streams: contracts.Streams) -> contracts.RunDetail:
        operations.attach_run_streams(user_id=user_id, run_id=run_id, streams=streams)
        return _detail_of(user_id=user_id, run_id=run_id)

    def export_user_data(self, *, user_id: int, after_id: int = 0, limit: int = 10) -> contracts.RunExportPage:
        if not 1 <= limit <= MAX_EXPORT_PAGE_SIZE:
            raise InvalidRequest(f"limit must be between 1 and {MAX_EXPORT_PAGE_SIZE}, got {limit}")
        runs = list(queries.list_runs_to_export(user_id=user_id, after_id=after_id)[: limit + 1])
        page = runs[:limit]
        return contracts.RunExportPage(
            runs=[
                contracts.RunExport(
                    **dict(run_detail(run)),
                    streams=contracts.Streams(**run.streams.unpack()) if hasattr(run, "streams") else None,
                    created_at=run.created_at,
                    updated_at=run.updated_at,
                )
                for run in page
            ],
            total=queries.list_runs_for_user(user_id=user_id, include_hidden=True).count(),
            next_after_id=page[-1].pk if len(runs) > limit else None,
        )
