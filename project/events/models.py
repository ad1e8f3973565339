import uuid

from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    """An event as published, written in the publisher's transaction."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, db_index=True)
    version = models.PositiveSmallIntegerField(default=1)
    payload = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.name} v{self.version} ({self.id})"


class Delivery(models.Model):
    """One event to one subscriber. Pending until the subscriber has handled it."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.CharField(max_length=150)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["event", "subscriber"], name="events_delivery_once")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(delivered_at__isnull=True), name="events_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.subscriber}"


class InboxEntry(models.Model):
    """An event a subscriber has handled; its existence makes a redelivery a no-op."""

    event_id = models.UUIDField()
    subscriber = models.CharField(max_length=150)
    processed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "inbox entries"
        constraints = [models.UniqueConstraint(fields=["event_id", "subscriber"], name="events_inbox_once")]

    def __str__(self) -> str:
        return f"{self.event_id} handled by {self.subscriber}"


class CoalescedWork(models.Model):
    """What a coalescing subscriber owes for one key (`registry.subscriber(coalesce=...)`): the events of a
    batch folded into one run of its handler, with the latest of them, once the key's short wait is over.
    Kept where the subscriber runs, so it works the same when the subscriber's app is a service of its own."""

    subscriber = models.CharField(max_length=150)
    key = models.CharField(max_length=200)
    event_name = models.CharField(max_length=100)
    payload = models.JSONField()  # the latest event folded in
    version = models.PositiveIntegerField(default=1)  # events folded in so far; a run that saw fewer goes again
    first_at = models.DateTimeField()  # its first event: it waits at most EVENTS_COALESCE_MAX_SECONDS after
    due_at = models.DateTimeField(db_index=True)  # when it may run: a little after its latest event
    started_at = models.DateTimeField(null=True, blank=True)  # while a run holds it
    attempts = models.PositiveIntegerField(default=0)  # failed runs, for the retry delay
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "coalesced work"
        constraints = [models.UniqueConstraint(fields=["subscriber", "key"], name="events_coalesced_once")]

    def __str__(self) -> str:
        return f"{self.subscriber} for {self.key} ({self.version} events)"
