from django.db import models


class MonthSummary(models.Model):
    """One runner's month, kept up to date from runs' events (see operations.refresh_summaries).

    `requested` counts the refreshes asked for, `computed` is the one whose numbers are stored: a
    refresh stores its numbers only if no later one was asked for meanwhile, because that later
    one read the runs after it and will store fresher numbers.
    """

    user_id = models.BigIntegerField(verbose_name="runner (user id)")  # accounts.User, by id: no cross-app foreign key
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    runs = models.PositiveIntegerField(default=0)
    distance_m = models.FloatField(verbose_name="distance (m)", default=0)
    moving_s = models.FloatField(verbose_name="moving (s)", default=0)
    elevation_gain_m = models.FloatField(verbose_name="elevation gain (m)", default=0)
    active_days = models.PositiveSmallIntegerField(default=0)
    longest_streak = models.PositiveSmallIntegerField(default=0)
    longest_run = models.JSONField(null=True, blank=True)
    fastest_run = models.JSONField(null=True, blank=True)
    best_efforts = models.JSONField(default=list, blank=True)
    weekly = models.JSONField(default=list, blank=True)
    requested = models.PositiveIntegerField(default=0)
    computed = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user_id", "-year", "-month"]
        constraints = [models.UniqueConstraint(fields=["user_id", "year", "month"], name="reports_one_summary")]

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d} of user {self.user_id}"


class ReportDelivery(models.Model):
    """The send log: one row per user and month, claimed before the email goes out.

    The unique constraint is what makes a second email for the same month impossible: a task that
    runs twice, or again after a worker died, finds the row and stops.
    """

    class Status(models.TextChoices):
        SENDING = "sending", "Sending (unconfirmed if old)"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Skipped: no runs"
        FAILED = "failed", "Failed (will be retried)"

    user_id = models.BigIntegerField(verbose_name="runner (user id)")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices)
    email = models.EmailField(blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "report deliveries"
        ordering = ["-year", "-month", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user_id", "year", "month"], name="reports_one_delivery")]
        indexes = [models.Index(fields=["year", "month", "status"], name="reports_delivery_status")]

    def __str__(self) -> str:
        return f"report {self.year}-{self.month:02d} for user {self.user_id}: {self.status}"


MAX_SEND_ATTEMPTS = 5
# The one rule for sending a month's report again: a failed send (the mail server refused it), up to
# MAX_SEND_ATTEMPTS. Every other delivery row means the month is done for that runner.
RETRYABLE = models.Q(status=ReportDelivery.Status.FAILED, attempts__lt=MAX_SEND_ATTEMPTS)
