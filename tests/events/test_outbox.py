"""Events: nothing delivered from a rolled-back transaction, nothing lost when a handler fails, nothing twice."""

from typing import ClassVar

import pytest
from django.db import transaction

from project.events import outbox, registry, tasks
from project.events.event import Event
from project.events.models import Delivery, InboxEntry, OutboxEvent

pytestmark = pytest.mark.django_db


class ParcelShipped(Event):
    name: ClassVar[str] = "tests.parcel_shipped"
    parcel_id: int


@pytest.fixture
def received():
    """Two subscribers; the second fails as long as `failing` holds True."""
    log = {"packing": [], "billing": [], "failing": [False]}

    @registry.subscriber(ParcelShipped, name="tests.packing")
    def packing(event):
        log["packing"].append(event.parcel_id)

    @registry.subscriber(ParcelShipped, name="tests.billing")
    def billing(event):
        if log["failing"][0]:
            raise ConnectionError("billing is down")
        log["billing"].append(event.parcel_id)

    yield log
    registry.unregister("tests.packing")
    registry.unregister("tests.billing")


@pytest.fixture(autouse=True)
def _no_retry_delay(settings):
    settings.EVENTS_RETRY_SECONDS = 0


def test_a_published_event_reaches_every_subscriber_once_after_commit(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outbox.publish(ParcelShipped(parcel_id=7))
        assert received["packing"] == []  # nothing before the commit
    assert len(callbacks) == 1
    assert received["packing"] == [7]
    assert received["billing"] == [7]
    assert Delivery.objects.filter(delivered_at=None).count() == 0
    assert sorted(InboxEntry.objects.values_list("subscriber", flat=True)) == ["tests.billing", "tests.packing"]


def test_an_event_published_in_a_rolled_back_transaction_is_never_delivered(
    received, django_capture_on_commit_callbacks
):
    def change_that_fails():
        with transaction.atomic():
            outbox.publish(ParcelShipped(parcel_id=8))
            raise RuntimeError("the caller's change failed")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        change_that_fails()
    assert callbacks == []
    assert OutboxEvent.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert outbox.sweep() == 0
    assert received["packing"] == received["billing"] == []


def test_a_failed_delivery_is_delivered_by_the_next_sweep_exactly_once(received, django_capture_on_commit_callbacks):
    received["failing"][0] = True
    with django_capture_on_commit_callbacks(execute=True):
        outbox.publish(ParcelShipped(parcel_id=9))
    assert received["packing"] == [9]
    assert received["billing"] == []
    failed = Delivery.objects.get(subscriber="tests.billing")
    assert (failed.attempts, failed.delivered_at, failed.last_error) == (1, None, "ConnectionError: billing is down")

    received["failing"][0] = False
    assert outbox.sweep() == 1
    assert outbox.sweep() == 0
    assert received["packing"] == [9]
    assert received["billing"] == [9]
    assert outbox.pending_count() == 0


def test_a_redelivered_event_is_a_no_op(received, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.publish(ParcelShipped(parcel_id=10))
    delivery = Delivery.objects.select_related("event").get(subscriber="tests.packing")
    applied = tasks.deliver.apply(kwargs=outbox._task_arguments(delivery)).get()
    assert applied is False
    assert received["packing"] == [10]
    assert InboxEntry.objects.filter(subscriber="tests.packing").count() == 1


def test_a_delivery_the_broker_never_got_is_sent_by_the_sweep_when_due(received, settings):
    settings.EVENTS_LEASE_SECONDS = 0
    outbox.publish(ParcelShipped(parcel_id=11))  # no commit callback runs: as if the relay died
    assert received["packing"] == []
    assert outbox.sweep() == 2
    assert received["packing"] == [11]
    assert received["billing"] == [11]


def test_the_sweep_leaves_a_just_published_event_to_its_relay(received):
    outbox.publish(ParcelShipped(parcel_id=12))
    assert outbox.sweep() == 0
    assert outbox.pending_count() == 2


def test_an_event_without_subscribers_is_kept_in_the_outbox(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        event_id = outbox.publish(ParcelShipped(parcel_id=13))
    assert callbacks == []
    row = OutboxEvent.objects.get()
    assert (row.id, row.name, row.version, row.payload) == (event_id, "tests.parcel_shipped", 1, {"parcel_id": 13})


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_that_calls_services_runs_outside_any_transaction_and_once(settings):
    """`in_transaction=False`: no transaction is open while it runs (a remote call is allowed), the
    inbox is written only after it succeeded, and a redelivery does not run it again."""
    from django.db import connection

    settings.EVENTS_RETRY_SECONDS = 0
    calls: list[tuple[int, bool]] = []
    failing = [True]

    @registry.subscriber(ParcelShipped, name="tests.tracking", in_transaction=False)
    def tracking(event):
        calls.append((event.parcel_id, connection.in_atomic_block))
        if failing[0]:
            raise ConnectionError("tracking is down")

    try:
        outbox.publish(ParcelShipped(parcel_id=13))  # autocommit: relayed at once
        assert calls == [(13, False)]
        assert InboxEntry.objects.filter(subscriber="tests.tracking").count() == 0
        assert Delivery.objects.get(subscriber="tests.tracking").attempts == 1

        failing[0] = False
        assert outbox.sweep() == 1
        assert calls == [(13, False), (13, False)]
        delivery = Delivery.objects.select_related("event").get(subscriber="tests.tracking")
        assert delivery.delivered_at is not None
        assert InboxEntry.objects.filter(subscriber="tests.tracking").count() == 1

        assert tasks.deliver.apply(kwargs=outbox._task_arguments(delivery)).get() is False
        assert len(calls) == 2
    finally:
        registry.unregister("tests.tracking")
