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
