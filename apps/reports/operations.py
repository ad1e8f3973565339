"""Writes of the reports app: keeping month summaries, and the send log of the monthly email."""

from __future__ import annotations

import datetime
import itertools
import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.interface.service import accounts_service
from apps.reports import summaries
from apps.reports.models import RETRYABLE, MonthSummary, ReportDelivery
from apps.runs.interface import contracts as runs_contracts
from apps.runs.interface.service import MAX_PAGE_SIZE, runs_service
from project.rpc import versions

logger = logging.getLogger(__name__)
Month = tuple[int, int]


def _of(user_id: int, months: Iterable[Month]) -> Q:
    condition = Q(pk__in=[])
    for year, month in months:
        condition |= Q(year=year, month=month)
    return Q(user_id=user_id) & condition


def _forget_reports(user_id: int) -> None:
    """The user's month summaries change: callers' kept reports of them are stale once this commits."""
    versions.forget("reports", user_id=user_id)


def _claim(*, user_id: int, months: list[Month]) -> dict[Month, int]:
    """Ask for a refresh of each month; the ticket it gets is the `requested` count it must still find."""
    with transaction.atomic():
        MonthSummary.objects.bulk_create(
            [MonthSummary(user_id=user_id, year=year, month=month) for year, month in months], ignore_conflicts=True
        )
        rows = list(MonthSummary.objects.select_for_update().filter(_of(user_id, months)).order_by("pk"))
        MonthSummary.objects.filter(pk__in=[row.pk for row in rows]).update(requested=F("requested") + 1)
        _forget_reports(user_id)
    return {(row.year, row.month): row.requested + 1 for row in rows}


def _fetch(*, user_id: int, first: datetime.date, last: datetime.date):
    """The runs and best efforts of a range, through RunsService (in-process or remote)."""
    recorded: list[runs_contracts.RunSummary] = []
    cursor = None
    while True:
        page = runs_service.list_runs(
            user_id=user_id,
            start_date=first,
            end_date=last,
            sports=summaries.RUNNING,
            cursor=cursor,
            limit=MAX_PAGE_SIZE,
        )
        recorded += page.runs
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    efforts = runs_service.list_best_efforts(
        user_id=user_id, start_date=first, end_date=last, sports=summaries.RUNNING
    )
    return recorded, efforts


def _store(*, user_id: int, values: dict[Month, dict], tickets: dict[Month, int]) -> int:
    """Store the numbers of each month whose ticket is still the latest; returns how many were stored."""
    stored = []
    with transaction.atomic():
        for row in MonthSummary.objects.select_for_update().filter(_of(user_id, values)).order_by("pk"):
            ticket = tickets.get((row.year, row.month))
            if ticket is None or row.requested != ticket:
                continue  # a later refresh read the runs after this one did; it stores fresher numbers
            for field, value in values[(row.year, row.month)].items():
                setattr(row, field, value)
            row.computed = ticket
            stored.append(row)
        MonthSummary.objects.bulk_update(stored, ["computed", *summaries.FIELDS])
        _forget_reports(user_id)
    return len(stored)


def refresh_summaries(*, user_id: int, months: Iterable[Month]) -> int:
    """Recompute these months of the user from the runs. Idempotent, and any order of calls ends right.

    Never inside a transaction: it may call the runs service over HTTP.
    """
    wanted = sorted(set(months))
    if not wanted:
        return 0
    tickets = _claim(user_id=user_id, months=wanted)
    values: dict[Month, dict] = {}
    for year, in_year in itertools.groupby(wanted, key=lambda ym: ym[0]):
        year_months = [month for _, month in in_year]
        first, _ = summaries.month_bounds(year, year_months[0])
        _, last = summaries.month_bounds(year, year_months[-1])
        recorded, efforts = _fetch(user_id=user_id, first=first, last=last)
        for month in year_months:
            values[(year, month)] = summaries.summarize(year=year, month=month, recorded=recorded, efforts=efforts)
    if all(value["runs"] == 0 for value in values.values()) and not accounts_service.get_users(user_ids=[user_id]):
        # A run event that arrived after the runner's account was deleted: keep nothing of them.
        MonthSummary.objects.filter(_of(user_id, wanted)).delete()
        _forget_reports(user_id)
        return 0
    stored = _store(user_id=user_id, values=values, tickets=tickets)
    logger.info("reports.summaries_refreshed", extra={"user_id": user_id, "months": len(wanted), "stored": stored})
    return stored


def rebuild_summaries(*, user_id: int) -> int:
    """Every month of the user that has runs, or had a summary, computed again from the runs."""
    months = {(m.year, m.month) for m in runs_service.list_active_months(user_id=user_id, sports=summaries.RUNNING)}
    months |= set(MonthSummary.objects.filter(user_id=user_id).values_list("year", "month"))
    return refresh_summaries(user_id=user_id, months=months)


def delete_user_data(*, user_id: int) -> None:
    with transaction.atomic():
        MonthSummary.objects.filter(user_id=user_id).delete()
        ReportDelivery.objects.filter(user_id=user_id).delete()
        _forget_reports(user_id)


def skip_delivery(*, user_id: int, year: int, month: int) -> bool:
    """Record that the month needs no email (no runs). False if the month already has a delivery."""
    try:
        with transaction.atomic():
            ReportDelivery.objects.create(
                user_id=user_id,
                year=year,
                month=month,
                status=ReportDelivery.Status.SKIPPED,
                claimed_at=timezone.now(),
            )
    except IntegrityError:
        return False
    return True


def claim_delivery(*, user_id: int, year: int, month: int, email: str, message_id: str) -> bool:
    """Take the month's one send for this user. Committed before the email goes out; False if taken.

    A failed send may be claimed again (models.RETRYABLE).
    """
    now = timezone.now()
    fields = {"email": email, "message_id": message_id, "claimed_at": now, "error": ""}
    try:
        with transaction.atomic():
            ReportDelivery.objects.create(
                user_id=user_id, year=year, month=month, status=ReportDelivery.Status.SENDING, attempts=1, **fields
            )
        return True
    except IntegrityError:
        retried = ReportDelivery.objects.filter(RETRYABLE, user_id=user_id, year=year, month=month).update(
            status=ReportDelivery.Status.SENDING, attempts=F("attempts") + 1, **fields
        )
        return retried == 1


def finish_delivery(*, user_id: int, year: int, month: int, error: BaseException | None = None) -> None:
    delivery = ReportDelivery.objects.filter(user_id=user_id, year=year, month=month)
    if error is None:
        delivery.update(status=ReportDelivery.Status.SENT, sent_at=timezone.now())
    else:
        delivery.update(status=ReportDelivery.Status.FAILED, error=f"{error.__class__.__name__}: {error}"[:2000])
