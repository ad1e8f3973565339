"""Reads of the reports app: a report is a handful of stored summaries, whatever the history's length.
They answer rows (dicts of stored fields); `interface/local.py` makes them DTOs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Case, F, Field, IntegerField, JSONField, Q, Value, When

from apps.reports.models import MonthSummary, ReportDelivery

TOTAL_FIELDS = ("year", "month", "runs", "distance_m", "moving_s", "elevation_gain_m", "active_days")
DETAIL_FIELDS = ("longest_streak", "longest_run", "fastest_run", "best_efforts", "weekly")
Rows = dict[tuple[int, int], dict]


def _of_this_month(year: int, month: int, field: str, output_field: Field) -> Case:
    return Case(When(Q(year=year, month=month), then=F(field)), default=Value(None), output_field=output_field)


def get_history(*, user_id: int, year: int, month: int) -> Rows:
    """One query: the totals and best efforts of every month up to this one by (year, month); the row of this
    month also holds its details as `this_longest_streak`, `this_longest_run`, `this_fastest_run`, `this_weekly`."""
    details = {
        f"this_{f}": _of_this_month(year, month, f, JSONField()) for f in ("longest_run", "fastest_run", "weekly")
    }
    return {
        (r["year"], r["month"]): r
        for r in MonthSummary.objects.filter(user_id=user_id)
        .filter(Q(year__lt=year) | Q(year=year, month__lte=month))
        .values(
            *TOTAL_FIELDS,
            "best_efforts",
            this_longest_streak=_of_this_month(year, month, "longest_streak", IntegerField()),
            **details,
        )
    }


def get_year(*, user_id: int, year: int) -> tuple[Rows, list[int]]:
    """Two queries: the totals of the year's months by (year, month), and the years with runs, latest first."""
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
    return rows, list(years)


def list_summaries(*, user_id: int) -> list[dict]:
    """Every kept month summary of the user, totals and details, oldest first."""
    return list(
        MonthSummary.objects.filter(user_id=user_id).order_by("year", "month").values(*TOTAL_FIELDS, *DETAIL_FIELDS)
    )


def list_deliveries(*, user_id: int) -> list[Mapping[str, Any]]:
    """The user's send log, oldest month first."""
    return list(
        ReportDelivery.objects.filter(user_id=user_id)
        .order_by("year", "month")
        .values("year", "month", "status", "email", "attempts", "claimed_at", "sent_at", "error")
    )
