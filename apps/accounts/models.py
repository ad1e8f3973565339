import uuid

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from apps.accounts.interface import contracts
from project import choices
from project.authentication import TokenScope
from project.validators import validate_timezone  # also the name migration 0001 imports


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


# The fields a runner edits on their profile page (and staff in the admin).
PROFILE_FIELDS = (
    "display_name",
    "timezone",
    "units",
    "birth_year",
    "weight_kg",
    "resting_heart_rate",
    "max_heart_rate",
    "wants_monthly_report",
    "wants_empty_monthly_report",
)


class User(AbstractUser):
    """A runner. Email is the identity; the profile fields live here to keep reads to one row."""

    Units = choices.labelled(contracts.Units, METRIC="Metric (km, kg)", IMPERIAL="Imperial (miles, lb)")

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=100, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    units = models.CharField(max_length=8, choices=Units.choices, default=Units.METRIC)
    birth_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    weight_kg = models.DecimalField(
        "weight (kg)",
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(20), MaxValueValidator(300)],
    )
    resting_heart_rate = models.PositiveSmallIntegerField(
        "resting heart rate (bpm)", null=True, blank=True, validators=[MinValueValidator(25), MaxValueValidator(120)]
    )
    max_heart_rate = models.PositiveSmallIntegerField(
        "maximum heart rate (bpm)", null=True, blank=True, validators=[MinValueValidator(100), MaxValueValidator(240)]
    )
    wants_monthly_report = models.BooleanField("email me a monthly report", default=True)
    wants_empty_monthly_report = models.BooleanField("also for months without runs", default=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.display_name or self.email

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]


class ApiToken(models.Model):
    """A runner's personal API token. Only its digest is kept; project/authentication.py makes and checks it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="The token's first characters, to tell tokens apart.")
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=10, choices=TokenScope.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class DataExport(models.Model):
    """A runner's data export: one zip of what every app holds about them, built by `accounts.build_export`."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting"
        RUNNING = "running", "Preparing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # By id, not a foreign key: the row outlives the user until the UserDeleted subscriber has removed its file.
    user_id = models.BigIntegerField(verbose_name="runner (user id)", db_index=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)  # runs and uploaded files written so far
    total = models.PositiveIntegerField(default=0)  # how many there are to write; 0 until known
    file = models.FileField(upload_to="exports/%Y/%m/", blank=True)
    size = models.PositiveBigIntegerField(default=0)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(db_index=True)  # then the beat deletes it, with its file
    # A sign of life: when it was handed to the broker, then each time the build writes progress. The sweep
    # sends again an export without one for ACCOUNTS_EXPORT_STALE_SECONDS (the broker lost it, a worker died).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0
    )  # builds started; past ACCOUNTS_EXPORT_MAX_ATTEMPTS it fails

    class Meta:
        ordering = ["-created_at"]
        constraints = [  # two requests at once make one export, not two
            models.UniqueConstraint(
                fields=["user_id"], condition=models.Q(status__in=["queued", "running"]), name="one_unfinished_export"
            )
        ]

    def __str__(self) -> str:
        return f"data export of user {self.user_id} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.READY, self.Status.FAILED)
