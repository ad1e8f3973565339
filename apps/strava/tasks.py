"""Strava work in Celery. A task that meets the rate limit reschedules itself for the next window;
no worker ever sleeps waiting for Strava."""

import datetime
import logging

from celery import current_app, shared_task
from django.utils import timezone

from apps.strava import client, operations, queries

logger = logging.getLogger(__name__)
# A history import with no progress for this long (each page of a backfill takes seconds) is taken up again.
BACKFILL_STALLED_AFTER = datetime.timedelta(minutes=15)


@shared_task(name="strava.backfill", acks_late=True)
def backfill(*, connection_id: int, pages: int = 5) -> str:
    """Import up to `pages` pages, then hand over to a new task so that one athlete cannot hog a worker."""
    try:
        for _ in range(pages):
            if not operations.import_next_page(connection_id=connection_id):
                fetch_streams.delay(connection_id=connection_id)
                return "done"
    except client.RateLimited as limited:
        operations.pause_backfill(connection_id=connection_id, until=limited.retry_at)
        if not current_app.conf.task_always_eager:  # eager mode ignores eta: `strava_sync` resumes instead
            backfill.apply_async(kwargs={"connection_id": connection_id}, eta=limited.retry_at)
        return "waiting"
    except client.Unauthorized:
        return "needs reconnect"
    backfill.delay(connection_id=connection_id)
    return "continuing"


@shared_task(name="strava.follow_event", acks_late=True)
def follow_event(*, event_id: int) -> str:
    return operations.follow_event(event_id=event_id)


@shared_task(name="strava.sweep_events")
def sweep_events() -> int:
    return operations.sweep_events()


# The tasks webhook events were queued as before events were kept (`PendingEvent`): one still in a queue
# after an upgrade is kept and followed like a new one.
@shared_task(name="strava.apply_event", acks_late=True)
def apply_event(*, athlete_id: int, activity_id: int, aspect: str) -> str:
    event = operations.keep_event(athlete_id=athlete_id, activity_id=activity_id, kind=aspect)
    return operations.follow_event(event_id=event.pk)


@shared_task(name="strava.athlete_revoked")
def athlete_revoked(*, athlete_id: int) -> str:
    event = operations.keep_event(athlete_id=athlete_id, activity_id=0, kind="revoked")
    return operations.follow_event(event_id=event.pk)


@shared_task(name="strava.safety_sync")
def safety_sync() -> int:
    """Beat, hourly: read what is new for every finished connection, in case a webhook was missed, and
    take up every history import that stalled (never queued while the broker was down, its worker died,
    or its rate-limit window passed with no task to resume it). How many connections were queued."""
    finished, stalled = queries.list_connections_to_sync(now=timezone.now(), stalled_after=BACKFILL_STALLED_AFTER)
    for connection_id in finished:
        backfill.delay(connection_id=connection_id, pages=1)
    for connection_id in stalled:
        logger.info("strava.backfill_resumed", extra={"connection_id": connection_id})
        backfill.delay(connection_id=connection_id)
    return len(finished) + len(stalled)


@shared_task(name="strava.fetch_streams", acks_late=True)
def fetch_streams(*, connection_id: int) -> int:
    """Samples for Strava runs, a batch at a time, only while the quota has room to spare."""
    try:
        fetched = operations.fetch_streams(connection_id=connection_id)
    except client.RateLimited as limited:
        if not current_app.conf.task_always_eager:
            fetch_streams.apply_async(kwargs={"connection_id": connection_id}, eta=limited.retry_at)
        return 0
    except client.Unauthorized:
        return 0
    if fetched == operations.STREAMS_BATCH:
        fetch_streams.delay(connection_id=connection_id)
    return fetched
