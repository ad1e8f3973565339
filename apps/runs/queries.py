"""Reads on runs. Every list is keyset-paginated and costs a fixed number of queries."""

from __future__ import annotations

import base64
import calendar
import datetime

from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.dateparse import parse_datetime

from apps.runs.interface import contracts, errors
from apps.runs.listcache import forget_lists  # noqa: F401  # where callers of queries.forget_lists found it
from apps.runs.models import BestEffort, Run, RunStreams


def encode_cursor(*, start: datetime.datetime, run_id: int) -> str:
    return base64.urlsafe_b64encode(f"{start.isoformat()}|{run_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        start_text, run_id = raw.rsplit("|", 1)
        start = parse_datetime(start_text)
        if start is None:
            raise ValueError(start_text)
        return start, int(run_id)
    except (ValueError, UnicodeDecodeError):
        raise errors.InvalidCursor(f"cursor {cursor!r} is not one this service gave out") from None


SUMMARY_FIELDS = (
    "id",
    "user_id",
    "source",
    "name",
    "sport",
    "start",
    "timezone",
    "local_date",
    "elapsed_s",
    "moving_s",
    "distance_m",
    "elevation_gain_m",
    "average_heart_rate",
    "hidden",
    "duplicate_of_id",
    "source_id",
)


def list_runs_for_user(
    *,
    user_id: int,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    sports: list[str] | None = None,
    include_hidden: bool = False,
    cursor: str | None = None,
) -> QuerySet[Run]:
    runs = Run.objects.filter(user_id=user_id).order_by("-start", "-id")
    if not include_hidden:
        runs = runs.filter(hidden=False)
    if start_date is not None:
        runs = runs.filter(local_date__gte=start_date)
    if end_date is not None:
        runs = runs.filter(local_date__lte=end_date)
    if sports:
        runs = runs.filter(sport__in=sports)
    if cursor:
        start, run_id = _decode_cursor(cursor)
        # `start__lte` bounds the index scan (runs_user_start) at the cursor; the OR alone would be a filter
        # on every newer run, read from the newest on (2,491 rows removed for the 50th page of ten years).
        runs = runs.filter(Q(start__lte=start), Q(start__lt=start) | Q(start=start, id__lt=run_id))
    return runs


def get_month_totals(*, user_id: int, year: int, month: int, sports: list[str] | None = None) -> dict:
    first = datetime.date(year, month, 1)
    last = datetime.date(year, month, calendar.monthrange(year, month)[1])
    runs = list_runs_for_user(user_id=user_id, start_date=first, end_date=last, sports=sports)
    totals = runs.aggregate(
        runs=Count("id"),
        distance_m=Sum("distance_m"),
        moving_s=Sum("moving_s"),
        elapsed_s=Sum("elapsed_s"),
        elevation_gain_m=Sum("elevation_gain_m"),
    )
    return {key: value or 0 for key, value in totals.items()}


FAMILY_ORDER = [family.value for family in contracts.Family]  # running, cycling, walking, other


def list_fastest_efforts(*, user_id: int, family: str | None = None) -> list[BestEffort]:
    """One effort per family and distance: the fastest, the earliest run on a tie. Two queries."""
    visible = BestEffort.objects.filter(user_id=user_id, run__hidden=False)
    if family is not None:
        visible = visible.filter(family=family)
    bests = visible.values("family", "distance_key").annotate(best=Min("elapsed_s"))
    condition = Q(pk__in=[])
    for row in bests:
        condition |= Q(family=row["family"], distance_key=row["distance_key"], elapsed_s=row["best"])
    chosen: dict[tuple[str, str], BestEffort] = {}
    for effort in visible.filter(condition).select_related("run").order_by("distance_m", "run__start", "run_id"):
        chosen.setdefault((effort.family, effort.distance_key), effort)
    return sorted(chosen.values(), key=lambda effort: FAMILY_ORDER.index(effort.family))


def list_active_months(*, user_id: int, sports: list[str] | None = None) -> list[dict]:
    runs = list_runs_for_user(user_id=user_id, sports=sports).order_by()
    return [
        dict(row)
        for row in runs.annotate(year=ExtractYear("local_date"), month=ExtractMonth("local_date"))
        .values("year", "month")
        .annotate(runs=Count("id"))
        .order_by("year", "month")
    ]


def list_efforts_between(
    *, user_id: int, start_date: datetime.date, end_date: datetime.date, sports: list[str] | None = None
) -> list[dict]:
    efforts = BestEffort.objects.filter(
        user_id=user_id, run__hidden=False, run__local_date__gte=start_date, run__local_date__lte=end_date
    )
    if sports:
        efforts = efforts.filter(run__sport__in=sports)
    rows = efforts.order_by("run__local_date", "run__start", "distance_m").values(
        "run_id", "distance_key", "distance_m", "elapsed_s", local_date=F("run__local_date"), sport=F("run__sport")
    )
    return [dict(row) for row in rows]


def list_runs_to_export(*, user_id: int, after_id: int) -> QuerySet[Run]:
    """The user's runs by id after `after_id`, hidden ones too, with their samples and best efforts."""
    return (
        Run.objects.filter(user_id=user_id, pk__gt=after_id)
        .order_by("pk")
        .select_related("streams")
        .prefetch_related("best_efforts")
    )


def list_runs_with_streams(*, user_id: int | None = None) -> QuerySet[Run]:
    """The runs whose streams are stored (of one runner, or everyone's), in the order they were stored."""
    runs = Run.objects.filter(streams__isnull=False).order_by("id")
    return runs if user_id is None else runs.filter(user_id=user_id)


def get_run_streams(*, user_id: int, run_id: int) -> tuple[bool, dict | None]:
    """Whether the user has this run, and its samples unpacked (None when it has none). One query."""
    row = Run.objects.filter(pk=run_id, user_id=user_id).values_list("pk", "streams__data").first()
    if row is None:
        return False, None
    return True, (RunStreams(data=row[1]).unpack() if row[1] is not None else None)
