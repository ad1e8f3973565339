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
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from project import celery
from project.events import registry
from project.events.event import Event, event_class
from project.events.models import Delivery, InboxEntry, OutboxEvent

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
    if not sub.in_transaction and not InboxEntry.objects.filter(**inbox_key).exists():
        sub.handler(event)
        handled = True
    with transaction.atomic():
        try:
            with transaction.atomic():
                InboxEntry.objects.create(**inbox_key)
        except IntegrityError:
            pass
        else:
            if sub.in_transaction:
                sub.handler(event)
                handled = True
        if reply_queue is None or reply_queue == settings.EVENTS_QUEUE:
            Delivery.objects.filter(pk=delivery_id).update(delivered_at=timezone.now(), last_error="")
    if not (reply_queue is None or reply_queue == settings.EVENTS_QUEUE):
        settle(delivery_id=delivery_id, reply_queue=reply_queue)  # the publisher's row, in its own database
    logger.info("events.handled", extra={"event_id": event_id, "subscriber": subscriber, "applied": handled})
    return handled


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
    logger.info("events.swept", extra={"relayed": len(due)})
    return len(due)


def pending_count() -> int:
    return Delivery.objects.filter(delivered_at=None).count()
