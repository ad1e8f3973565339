from typing import Any

from celery import shared_task

from project.events import outbox


@shared_task(name="events.deliver", acks_late=True)
def deliver(
    *,
    delivery_id: int,
    subscriber: str,
    event_id: str,
    event_name: str,
    payload: dict[str, Any],
    reply_queue: str | None = None,
) -> bool:
    try:
        return outbox.handle(
            delivery_id=delivery_id,
            subscriber=subscriber,
            event_id=event_id,
            event_name=event_name,
            payload=payload,
            reply_queue=reply_queue,
        )
    except Exception as error:
        outbox.settle(delivery_id=delivery_id, reply_queue=reply_queue, error=error)
        raise


@shared_task(name="events.settle", acks_late=True)
def settle(*, delivery_id: int, error: str | None = None) -> None:
    """In the publishing service: a subscriber elsewhere handled (or failed) one of its deliveries."""
    if error is None:
        outbox.settle(delivery_id=delivery_id, reply_queue=None)
    else:
        outbox.record_failure(delivery_id=delivery_id, error=error)


@shared_task(name="events.run_coalesced", acks_late=True)
def run_coalesced(*, subscriber: str, key: str) -> bool:
    return outbox.run_coalesced(subscriber=subscriber, key=key)


@shared_task(name="events.sweep")
def sweep() -> int:
    return outbox.sweep()
