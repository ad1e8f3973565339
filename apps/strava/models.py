from django.db import models


class StravaConnection(models.Model):
    """A runner's link to their Strava athlete, with its tokens (encrypted) and sync progress."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Connected"
        NEEDS_RECONNECT = "reconnect", "Needs to be connected again"

    class Backfill(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Importing"
        WAITING = "waiting", "Waiting for the next rate-limit window"
        DONE = "done", "Done"

    user_id = models.BigIntegerField(verbose_name="runner (user id)", unique=True)  # accounts.User, by id
    athlete_id = models.BigIntegerField(unique=True)
    athlete_name = models.CharField(max_length=200, blank=True)
    scopes = models.CharField(max_length=200)
    access_token = models.BinaryField()  # Fernet-encrypted (apps/strava/crypto.py)
    refresh_token = models.BinaryField()
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    backfill = models.CharField(max_length=8, choices=Backfill.choices, default=Backfill.PENDING)
    backfill_after = models.BigIntegerField(default=0)  # epoch of the newest activity imported, oldest first
    imported = models.PositiveIntegerField(default=0)
    estimated_total = models.PositiveIntegerField(null=True, blank=True)  # from the athlete's stats
    next_batch_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    connected_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Strava athlete {self.athlete_id} for user {self.user_id}"


class PendingEvent(models.Model):
    """A webhook event kept until it has been followed (`operations.follow_event`): Strava sends each event
    once, so one that cannot be followed now (rate limit, Strava or a service down, a worker restart) waits
    here for `strava.sweep_events`, never in the broker alone. The same pending event twice is kept once."""

    class Kind(models.TextChoices):
        CREATE = "create", "Activity created"
        UPDATE = "update", "Activity changed"
        DELETE = "delete", "Activity deleted"
        REVOKED = "revoked", "Access withdrawn"

    athlete_id = models.BigIntegerField()
    activity_id = models.BigIntegerField(default=0)  # 0 for an athlete's event
    kind = models.CharField(max_length=8, choices=Kind.choices)
    received_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(db_index=True)  # when it may be tried next (a try holds it for a lease)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["athlete_id", "activity_id", "kind"], name="one_pending_event")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for Strava athlete {self.athlete_id} ({self.activity_id})"
