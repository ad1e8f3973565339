"""Events: nothing delivered from a rolled-back transaction, nothing lost when a handler fails, nothing twice."""

import datetime
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


@pytest.fixture
def coalescing(monkeypatch, settings):
    """A subscriber that folds the events of one warehouse; tasks are not eager (a real wait to fold in)."""
    from project.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    settings.EVENTS_COALESCE_SECONDS = 2
    runs: list[int] = []
    failing = [False]

    @registry.subscriber(ParcelShipped, name="tests.stock", coalesce=lambda event: f"warehouse {event.parcel_id % 2}")
    def stock(event):
        if failing[0]:
            raise ConnectionError("stock is down")
        runs.append(event.parcel_id)

    yield runs, failing
    registry.unregister("tests.stock")


def _deliver_all(capture) -> list:
    """Publish and deliver as the broker would, each delivery's task run; the runs sent are captured, not run."""
    for delivery in Delivery.objects.filter(delivered_at=None).select_related("event").order_by("pk"):
        outbox.handle(**outbox._task_arguments(delivery))
    return capture


def _due_now():
    from django.utils import timezone

    from project.events.models import CoalescedWork

    CoalescedWork.objects.update(due_at=timezone.now())


def test_events_that_keep_coming_make_their_key_wait_at_most_the_longest_wait(
    coalescing, django_capture_on_commit_callbacks, settings
):
    from django.utils import timezone

    from project.events.models import CoalescedWork

    settings.EVENTS_COALESCE_MAX_SECONDS = 30
    with django_capture_on_commit_callbacks():
        outbox.publish(ParcelShipped(parcel_id=2))
    with django_capture_on_commit_callbacks():
        _deliver_all(None)
    first = CoalescedWork.objects.get()
    CoalescedWork.objects.update(first_at=first.first_at - datetime.timedelta(seconds=29))  # a long batch
    with django_capture_on_commit_callbacks():
        outbox.publish(ParcelShipped(parcel_id=4))
    with django_capture_on_commit_callbacks():
        _deliver_all(None)
    latest = CoalescedWork.objects.get()
    assert latest.version == 2
    assert latest.due_at - timezone.now() <= datetime.timedelta(seconds=1)  # 30 s after the first, not 2 s more
    with django_capture_on_commit_callbacks() as sent:
        assert outbox.run_coalesced(subscriber="tests.stock", key="warehouse 0") is False  # sends itself for then
    assert len(sent) == 1


def test_a_batch_of_events_runs_a_coalescing_subscriber_once_per_key_with_the_latest(
    coalescing, django_capture_on_commit_callbacks
):
    from project.events.models import CoalescedWork

    runs, _ = coalescing
    with django_capture_on_commit_callbacks() as sent:
        for parcel_id in (2, 4, 6, 8, 3):
            outbox.publish(ParcelShipped(parcel_id=parcel_id))
    with django_capture_on_commit_callbacks() as sent:
        _deliver_all(sent)
    assert (runs, len(sent)) == ([], 2)  # one run sent per key, after the wait
    assert sorted(CoalescedWork.objects.values_list("key", "version")) == [("warehouse 0", 4), ("warehouse 1", 1)]
    assert Delivery.objects.filter(delivered_at=None).count() == 0
    assert outbox.run_coalesced(subscriber="tests.stock", key="warehouse 0") is False  # not due yet
    _due_now()
    assert outbox.run_coalesced(subscriber="tests.stock", key="warehouse 0") is True
    assert outbox.run_coalesced(subscriber="tests.stock", key="warehouse 1") is True
    assert (runs, CoalescedWork.objects.count()) == ([8, 3], 0)
    for delivery in Delivery.objects.select_related("event"):  # delivered again: nothing more to do
        assert outbox.handle(**outbox._task_arguments(delivery)) is False
    assert runs == [8, 3]


def test_an_event_folded_in_while_the_subscriber_runs_makes_it_run_once_more(
    coalescing, django_capture_on_commit_callbacks
):
    from project.events.models import CoalescedWork

    runs, _ = coalescing
    with django_capture_on_commit_callbacks():
        outbox.publish(ParcelShipped(parcel_id=2))
    with django_capture_on_commit_callbacks():
        _deliver_all(None)
    _due_now()
    original = registry.get_subscriber("tests.stock").handler

    def meanwhile(event):
        original(event)
        if event.parcel_id == 2:  # while it runs, another parcel of the warehouse is folded in
            with django_capture_on_commit_callbacks():
                outbox.publish(ParcelShipped(parcel_id=10))
            _deliver_all(None)

    import dataclasses

    registry._subscribers["tests.stock"] = dataclasses.replace(
        registry.get_subscriber("tests.stock"), handler=meanwhile
    )
    from django.utils import timezone

    with django_capture_on_commit_callbacks():
        assert outbox.run_coalesced(subscriber="tests.stock", key="warehouse 0") is True
    kept = CoalescedWork.objects.get()
    assert (runs, kept.version, kept.started_at) == ([2], 2, None)  # kept, to run again after a short wait
    assert kept.due_at - timezone.now() <= datetime.timedelta(seconds=2)
    _due_now()
    assert outbox.run_coalesced(subscriber="tests.stock", key="warehouse 0") is True
    assert (runs, CoalescedWork.objects.count()) == ([2, 10], 0)


def test_a_failing_coalescing_subscriber_is_run_again_after_a_delay(coalescing, django_capture_on_commit_callbacks):
    from project.events.models import CoalescedWork

    runs, failing = coalescing
    failing[0] = True
    with django_capture_on_commit_callbacks():
        outbox.publish(ParcelShipped(parcel_id=2))
    with django_capture_on_commit_callbacks():
        _deliver_all(None)
    _due_now()
    with django_capture_on_commit_callbacks() as sent:
        assert outbox.run_coalesced(subscriber="tests.stock", key="warehouse 0") is False
    work = CoalescedWork.objects.get()
    assert (work.attempts, work.last_error, len(sent)) == (1, "ConnectionError: stock is down", 1)
    failing[0] = False
    _due_now()
    assert outbox.run_coalesced(subscriber="tests.stock", key="warehouse 0") is True
    assert (runs, CoalescedWork.objects.count()) == ([2], 0)


def test_in_eager_mode_a_failing_coalescing_subscriber_waits_for_the_next_event_of_its_key(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    """Eager tasks ignore countdowns: the retry of a failed run must not send itself again and again."""
    from project.events.models import CoalescedWork

    monkeypatch.setattr(outbox, "_retry_delay", lambda attempts: datetime.timedelta(seconds=30))
    runs, failing = [], [True]

    @registry.subscriber(ParcelShipped, name="tests.stock", coalesce=lambda event: f"warehouse {event.parcel_id % 2}")
    def stock(event):
        if failing[0]:
            raise ConnectionError("stock is down")
        runs.append(event.parcel_id)

    try:
        with django_capture_on_commit_callbacks(execute=True):
            outbox.publish(ParcelShipped(parcel_id=2))
        work = CoalescedWork.objects.get()
        assert (runs, work.attempts, work.last_error) == ([], 1, "ConnectionError: stock is down")
        failing[0] = False
        with django_capture_on_commit_callbacks(execute=True):
            outbox.publish(ParcelShipped(parcel_id=4))  # the same key: the kept work runs, with the latest event
        assert (runs, CoalescedWork.objects.count()) == ([4], 0)
    finally:
        registry.unregister("tests.stock")
