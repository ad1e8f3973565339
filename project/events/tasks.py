from typing import Any

from celery import shared_task

from project.events import outbox


@shared_task(name="events.deliver", acks_late=True)
def deliver(*, delivery_id: int, subscriber: str, event_id: str, event_name: str, payload: dict[str, Any]) -> bool:
    try:
        return outbox.handle(
            delivery_id=delivery_id, subscriber=subscriber, event_id=event_id, event_name=event_name, payload=payload
        )
    except Exception as error:
        outbox.record_failure(delivery_id=delivery_id, error=error)
        raise


@shared_task(name="events.sweep")
def sweep() -> int:
    return outbox.sweep()
