"""Publishing, relaying and handling events: nothing lost, nothing applied twice.

`publish` writes the event and one pending delivery per subscriber in the caller's transaction,
and asks for them to be relayed once it commits. A rolled-back transaction leaves nothing to
deliver. Anything the relay could not hand over, or whose handler failed, is picked up by `sweep`
(Celery beat), which claims rows with SELECT ... FOR UPDATE SKIP LOCKED where the database has it.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from project import celery
from project.events import registry
from project.events.event import Event, event_class
from project.events.models import CoalescedWork, Delivery, InboxEntry, OutboxEvent

logger = logging.getLogger(__name__)


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.EVENTS_LEASE_SECONDS)


def _retry_delay(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(settings.EVENTS_RETRY_SECONDS * 2 ** max(attempts - 1, 0), 3600))


def publish(event: Event) -> uuid.UUID:
    """Record `event` for every subscriber, in the caller's transaction; relay it after commit."""
    with transaction.atomic():
        row = OutboxEvent.objects.create(name=event.name, version=event.version, payload=event.model_dump(mode="json"))
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(event=row, subscriber=sub.name, next_attempt_at=row.created_at + _lease())
                for sub in registry.subscribers_of(event.name)
            ]
        )
    if deliveries:
        delivery_ids = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: relay(delivery_ids=delivery_ids), robust=True)
    logger.info("events.published", extra={"event": event.name, "event_id": str(row.id)})
    return row.id


def queue_of(subscriber: str) -> str:
    """The Celery queue a subscriber's worker consumes: its app's own queue once the app is extracted."""
    app_label = subscriber.split(".", 1)[0]
    return settings.EVENTS_SUBSCRIBER_QUEUES.get(app_label, settings.EVENTS_QUEUE)


def relay(*, delivery_ids: list[int]) -> None:
    """Hand deliveries to Celery, each on its subscriber's queue. A broker that is down leaves them for the sweep."""
    for delivery in Delivery.objects.filter(pk__in=delivery_ids, delivered_at=None).select_related("event"):
        try:
            celery.task("events.deliver").apply_async(
                kwargs=_task_arguments(delivery), queue=queue_of(delivery.subscriber)
            )
        except BrokerUnavailable:
            # Each attempt costs the publish retries: one is enough to know, and the sweep sends the rest.
            logger.warning("events.relay_failed", extra={"delivery_id": delivery.pk}, exc_info=True)
            return
        except Exception:
            logger.warning("events.relay_failed", extra={"delivery_id": delivery.pk}, exc_info=True)


def _task_arguments(delivery: Delivery) -> dict[str, Any]:
    return {
        "delivery_id": delivery.pk,
        "subscriber": delivery.subscriber,
        "event_id": str(delivery.event_id),
        "event_name": delivery.event.name,
        "payload": delivery.event.payload,
        "reply_queue": settings.EVENTS_QUEUE,  # where the publisher's worker hears how it went
    }


def settle(*, delivery_id: int, reply_queue: str | None, error: BaseException | None = None) -> None:
    """Record a delivery's outcome where its row lives: here, or in the publishing service (by a task)."""
    if reply_queue is None or reply_queue == settings.EVENTS_QUEUE:
        if error is None:
            Delivery.objects.filter(pk=delivery_id).update(delivered_at=timezone.now(), last_error="")
        else:
            record_failure(delivery_id=delivery_id, error=error)
        return
    message = None if error is None else f"{error.__class__.__name__}: {error}"
    celery.task("events.settle").apply_async(kwargs={"delivery_id": delivery_id, "error": message}, queue=reply_queue)


def handle(
    *,
    delivery_id: int,
    subscriber: str,
    event_id: str,
    event_name: str,
    payload: dict[str, Any],
    reply_queue: str | None = None,
) -> bool:
    """Run one subscriber on one event at most once. Returns False when it had already run.

    An `in_transaction` handler shares the inbox's transaction: its writes and the inbox entry
    commit together. Any other handler runs first, outside a transaction (it may call services
    remotely), and the inbox is written after it; it is idempotent, so running it twice is harmless.
    """
    sub = registry.get_subscriber(subscriber)
    event = event_class(event_name).model_validate(payload)
    inbox_key = {"event_id": uuid.UUID(event_id), "subscriber": subscriber}
    handled = False
    if sub.coalesce is not None:
        handled = _fold(sub, event, inbox_key)
    elif not sub.in_transaction and not InboxEntry.objects.filter(**inbox_key).exists():
        sub.handler(event)
        handled = True
    with transaction.atomic():
        try:
            with transaction.atomic():
                InboxEntry.objects.create(**inbox_key)
        except IntegrityError:
            pass
        else:
            if sub.in_transaction and sub.coalesce is None:
                sub.handler(event)
                handled = True
        if reply_queue is None or reply_queue == settings.EVENTS_QUEUE:
            Delivery.objects.filter(pk=delivery_id).update(delivered_at=timezone.now(), last_error="")
    if not (reply_queue is None or reply_queue == settings.EVENTS_QUEUE):
        settle(delivery_id=delivery_id, reply_queue=reply_queue)  # the publisher's row, in its own database
    logger.info("events.handled", extra={"event_id": event_id, "subscriber": subscriber, "applied": handled})
    return handled


def _coalesce_wait() -> tuple[datetime.timedelta, datetime.timedelta]:
    """How long a key waits after its latest event, and at most after its first. Eager mode runs the handler at
    once (a countdown means nothing there): no folding, no waiting."""
    if celery.app.conf.task_always_eager:
        return datetime.timedelta(0), datetime.timedelta(0)
    return (
        datetime.timedelta(seconds=settings.EVENTS_COALESCE_SECONDS),
        datetime.timedelta(seconds=settings.EVENTS_COALESCE_MAX_SECONDS),
    )


def _fold(sub: registry.Subscriber, event: Event, inbox_key: dict[str, Any]) -> bool:
    """Fold one event into its key's coalesced work: it runs `EVENTS_COALESCE_SECONDS` after the latest event of
    its key, at most `EVENTS_COALESCE_MAX_SECONDS` after the first. False when this event was folded already."""
    assert sub.coalesce is not None
    key = sub.coalesce(event)[:200]
    now = timezone.now()
    wait, longest = _coalesce_wait()
    with transaction.atomic():
        try:
            with transaction.atomic():
                InboxEntry.objects.create(**inbox_key)
        except IntegrityError:
            return False
        work = CoalescedWork.objects.select_for_update().filter(subscriber=sub.name, key=key).first()
        if work is not None:
            work.version, work.event_name, work.payload = work.version + 1, event.name, event.model_dump(mode="json")
            if work.started_at is None:  # waiting: wait a little longer (a running one runs again when done)
                work.due_at = min(now + wait, work.first_at + longest)
            work.save(update_fields=["version", "event_name", "payload", "due_at"])
            if work.started_at is None and celery.app.conf.task_always_eager:  # work an earlier run left, failed
                transaction.on_commit(lambda: _send_coalesced(sub.name, key, wait), robust=True)
            return True
        CoalescedWork.objects.create(
            subscriber=sub.name,
            key=key,
            event_name=event.name,
            payload=event.model_dump(mode="json"),
            first_at=now,
            due_at=now + wait,
        )
        transaction.on_commit(lambda: _send_coalesced(sub.name, key, wait), robust=True)
    return True


def _send_coalesced(subscriber: str, key: str, wait: datetime.timedelta) -> None:
    if wait > datetime.timedelta(0) and celery.app.conf.task_always_eager:
        # Eager mode runs a task at once, whatever its countdown: a run sent for later would find itself not due
        # and send itself again, without end. The work waits, kept, for the next event of its key or the sweep.
        return
    celery.task("events.run_coalesced").apply_async(
        kwargs={"subscriber": subscriber, "key": key},
        countdown=max(wait.total_seconds(), 0),
        queue=queue_of(subscriber),
    )


def run_coalesced(*, subscriber: str, key: str) -> bool:
    """Run a coalescing subscriber once for every event of `key` folded in so far, once due; whether it ran.

    Not due yet (events kept coming), it sends itself again for then. Events folded in while it runs make it run
    once more; a failure runs it again after a delay.
    """
    now = timezone.now()
    with transaction.atomic():
        work = CoalescedWork.objects.select_for_update().filter(subscriber=subscriber, key=key).first()
        if work is None or (work.started_at is not None and work.started_at > now - _lease()):
            return False  # done already, or running elsewhere
        if work.due_at > now:
            transaction.on_commit(lambda: _send_coalesced(subscriber, key, work.due_at - now), robust=True)
            return False
        CoalescedWork.objects.filter(pk=work.pk).update(started_at=now)
    sub = registry.get_subscriber(subscriber)
    try:
        sub.handler(event_class(work.event_name).model_validate(work.payload))
    except Exception as error:
        delay = _retry_delay(work.attempts + 1)
        CoalescedWork.objects.filter(pk=work.pk).update(
            started_at=None,
            due_at=timezone.now() + delay,
            attempts=work.attempts + 1,
            last_error=f"{error.__class__.__name__}: {error}"[:2000],
        )
        logger.warning("events.coalesced_failed", extra={"subscriber": subscriber, "key": key}, exc_info=True)
        transaction.on_commit(lambda: _send_coalesced(subscriber, key, delay), robust=True)
        return False
    if not CoalescedWork.objects.filter(pk=work.pk, version=work.version).delete()[0]:
        # Events came in while it ran: once more, folding in what else comes meanwhile.
        wait, _ = _coalesce_wait()
        again = timezone.now()
        CoalescedWork.objects.filter(pk=work.pk).update(
            started_at=None, first_at=again, due_at=again + wait, attempts=0, last_error=""
        )
        transaction.on_commit(lambda: _send_coalesced(subscriber, key, wait), robust=True)
    logger.info("events.coalesced_run", extra={"subscriber": subscriber, "key": key, "events": work.version})
    return True


def record_failure(*, delivery_id: int, error: BaseException | str) -> None:
    delivery = Delivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return
    delivery.attempts += 1
    delivery.last_error = (error if isinstance(error, str) else f"{error.__class__.__name__}: {error}")[:2000]
    delivery.next_attempt_at = timezone.now() + _retry_delay(delivery.attempts)
    delivery.save(update_fields=["attempts", "last_error", "next_attempt_at"])
    logger.warning(
        "events.handler_failed",
        extra={"delivery_id": delivery_id, "subscriber": delivery.subscriber, "attempts": delivery.attempts},
    )


def sweep(*, batch_size: int = 500) -> int:
    """Relay every pending delivery that is due; returns how many were handed over."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(delivered_at=None, next_attempt_at__lte=now)
            .order_by("next_attempt_at")[:batch_size]
        )
        for delivery in due:
            delivery.next_attempt_at = now + _lease()
        Delivery.objects.bulk_update(due, ["next_attempt_at"])
    if due:
        relay(delivery_ids=[delivery.pk for delivery in due])
    # Coalesced work whose run was lost (never sent, or its worker died): sent again.
    lost = Q(started_at=None, due_at__lte=now - _lease()) | Q(started_at__lte=now - _lease())
    stale = list(CoalescedWork.objects.filter(lost).values_list("subscriber", "key")[:batch_size])
    for subscriber, key in stale:
        _send_coalesced(subscriber, key, datetime.timedelta(0))
    logger.info("events.swept", extra={"relayed": len(due), "coalesced": len(stale)})
    return len(due)


def pending_count() -> int:
    return Delivery.objects.filter(delivered_at=None).count()
