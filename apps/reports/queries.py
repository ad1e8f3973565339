"""Reads of the reports app: a report is a handful of stored summaries, whatever the history's length."""

from __future__ import annotations

from django.db.models import Case, F, Field, IntegerField, JSONField, Q, Value, When

from apps.reports import summaries
from apps.reports.interface import contracts
from apps.reports.models import MonthSummary, ReportDelivery
from apps.runs.interface import contracts as runs_contracts

TOTAL_FIELDS = ("year", "month", "runs", "distance_m", "moving_s", "elevation_gain_m", "active_days")


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


def _month_totals(year: int, month: int, rows: dict[tuple[int, int], dict]) -> contracts.MonthTotals:
    row = rows.get((year, month))
    return _totals(year, month, [row] if row else [])


def _of_this_month(year: int, month: int, field: str, output_field: Field) -> Case:
    return Case(When(Q(year=year, month=month), then=F(field)), default=Value(None), output_field=output_field)


def month_report(*, user_id: int, year: int, month: int) -> contracts.MonthReport:
    """One query: the totals and best efforts of every month up to this one, and this month's details."""
    details = {
        f"this_{f}": _of_this_month(year, month, f, JSONField()) for f in ("longest_run", "fastest_run", "weekly")
    }
    history = {
        (r["year"], r["month"]): r
        for r in MonthSummary.objects.filter(user_id=user_id)
        .filter(Q(year__lt=year) | Q(year=year, month__lte=month))
        .values(
            *TOTAL_FIELDS,
            "best_efforts",
            this_streak=_of_this_month(year, month, "longest_streak", IntegerField()),
            **details,
        )
    }
    row = history.get((year, month))
    empty = summaries.summarize(year=year, month=month, recorded=[], efforts=[])
    summary = contracts.MonthSummary(
        **_month_totals(year, month, history).model_dump(),
        longest_streak=row["this_streak"] if row else 0,
        longest_run=row["this_longest_run"] if row else None,
        fastest_run=row["this_fastest_run"] if row else None,
        best_efforts=row["best_efforts"] if row else [],
        weekly=row["this_weekly"] if row else empty["weekly"],
    )
    before: dict[str, float] = {}
    for key, earlier in history.items():
        if key < (year, month):
            for effort in earlier["best_efforts"]:
                best = before.get(effort["distance_key"])
                before[effort["distance_key"]] = (
                    effort["elapsed_s"] if best is None else min(best, effort["elapsed_s"])
                )
    records = [
        effort
        for effort in summary.best_efforts
        if effort.distance_key not in before or effort.elapsed_s < before[effort.distance_key]
    ]
    return contracts.MonthReport(
        user_id=user_id,
        summary=summary,
        previous_month=_month_totals(*summaries.previous_month(year, month), history),
        same_month_last_year=_month_totals(year - 1, month, history),
        records=records,
        year_to_date=_totals(year, month, [r for (y, m), r in history.items() if y == year and m <= month]),
        pace_trend=[_month_totals(y, m, history) for y, m in summaries.months_back(year, month, 12)],
    )


def year_overview(*, user_id: int, year: int) -> contracts.YearOverview:
    """Two queries: the year's months, and which years have runs."""
    rows = {
        (r["year"], r["month"]): r
        for r in MonthSummary.objects.filter(user_id=user_id, year=year).values(*TOTAL_FIELDS)
    }
    years = (
        MonthSummary.objects.filter(user_id=user_id, runs__gt=0)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )
    return contracts.YearOverview(
        user_id=user_id,
        year=year,
        months=[_month_totals(year, month, rows) for month in range(1, 13)],
        totals=_totals(year, 12, list(rows.values())),
        years=list(years),
    )


def user_data(*, user_id: int) -> contracts.ReportsExport:
    """Two queries: every kept month summary of the user, and their send log."""
    details = ("longest_streak", "longest_run", "fastest_run", "best_efforts", "weekly")
    summaries_of_user = [
        contracts.MonthSummary(
            **_totals(row["year"], row["month"], [row]).model_dump(), **{field: row[field] for field in details}
        )
        for row in MonthSummary.objects.filter(user_id=user_id)
        .order_by("year", "month")
        .values(*TOTAL_FIELDS, *details)
    ]
    send_log = [
        contracts.ReportSent(**row)
        for row in ReportDelivery.objects.filter(user_id=user_id)
        .order_by("year", "month")
        .values("year", "month", "status", "email", "attempts", "claimed_at", "sent_at", "error")
    ]
    return contracts.ReportsExport(summaries=summaries_of_user, send_log=send_log)
