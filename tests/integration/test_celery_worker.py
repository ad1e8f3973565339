"""Events through a real Celery worker on Redis, against PostgreSQL (the production shape).

Run by .ci/run on PostgreSQL; deselected on SQLite, whose in-memory test database a worker cannot share.
"""

import threading
import time

import pytest
from django.db import connections, transaction

from project.events import outbox
from project.events.models import Delivery, InboxEntry, OutboxEvent
from tests.integration.subscribers import Pinged

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _applied(store, name):
    return [int(value) for value in store.lrange(f"applied:{name}", 0, -1)]


def test_an_event_committed_here_is_handled_by_the_worker_once_per_subscriber(worker, store):
    with transaction.atomic():
        outbox.publish(Pinged(ping_id=1))
    assert _wait_for(lambda: Delivery.objects.filter(delivered_at=None).count() == 0)
    assert _applied(store, "record") == [1]
    assert _applied(store, "flaky") == [1]
    assert InboxEntry.objects.count() == 2


def test_an_event_from_a_rolled_back_transaction_never_reaches_the_worker(worker, store):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.publish(Pinged(ping_id=2))
        raise RuntimeError("rolled back")
    with transaction.atomic():
        outbox.publish(Pinged(ping_id=3))  # a later event proves the worker is consuming
    assert _wait_for(lambda: _applied(store, "record") == [3])
    assert _applied(store, "flaky") == [3] or _wait_for(lambda: _applied(store, "flaky") == [3])


def test_a_failed_handler_is_delivered_by_the_sweep_exactly_once(worker, store):
    with transaction.atomic():
        outbox.publish(Pinged(ping_id=4, fail_first=True))
    assert _wait_for(lambda: Delivery.objects.filter(subscriber__endswith="flaky_record_ping", attempts=1).exists())
    assert _applied(store, "flaky") == []
    assert outbox.sweep() == 1
    assert _wait_for(lambda: outbox.pending_count() == 0)
    assert outbox.sweep() == 0
    time.sleep(1.0)  # give a duplicate, if one were sent, time to show up
    assert _applied(store, "flaky") == [4]
    assert _applied(store, "record") == [4]
    assert InboxEntry.objects.filter(subscriber="integration_tests.flaky_record_ping").count() == 1


def test_a_sweep_skips_deliveries_another_sweep_has_locked():
    event = OutboxEvent.objects.create(name=Pinged.name, payload={"ping_id": 5})
    Delivery.objects.create(event=event, subscriber="integration_tests.record_ping", next_attempt_at=event.created_at)
    locked, release = threading.Event(), threading.Event()

    def other_sweeper():
        with transaction.atomic():
            list(Delivery.objects.select_for_update().filter(delivered_at=None))
            locked.set()
            release.wait(10)
        connections.close_all()

    thread = threading.Thread(target=other_sweeper)
    thread.start()
    try:
        assert locked.wait(10)
        assert outbox.sweep() == 0  # SKIP LOCKED: nothing claimed twice, nothing waited on
    finally:
        release.set()
        thread.join()
