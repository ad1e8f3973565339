"""Reads of the strava app."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from apps.strava.models import StravaConnection


def list_active_connections(*, user_id: int | None = None) -> QuerySet[StravaConnection]:
    """The connections Strava still lets us read (of one runner, or everyone's), oldest first."""
    active = StravaConnection.objects.filter(status=StravaConnection.Status.ACTIVE).order_by("id")
    return active if user_id is None else active.filter(user_id=user_id)


def list_connections_to_sync(*, now: datetime.datetime, stalled_after: datetime.timedelta) -> tuple[list, list]:
    """The ids of the active connections whose history is imported, and of those whose history import made
    no progress for `stalled_after` and is not waiting for a rate-limit window."""
    active = list_active_connections()
    finished = list(active.filter(backfill=StravaConnection.Backfill.DONE).values_list("pk", flat=True))
    stalled = list(
        active.exclude(backfill=StravaConnection.Backfill.DONE)
        .filter(updated_at__lt=now - stalled_after)
        .filter(Q(next_batch_at=None) | Q(next_batch_at__lt=now))
        .values_list("pk", flat=True)
    )
    return finished, stalled
