from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from apps.races.interface.contracts import STANDARD_DISTANCES  # noqa: F401  # where the forms take them from
from project.validators import validate_timezone  # also the name migration 0001 imports


class Race(models.Model):
    """A race anyone may add and everyone sees. Staff hide spam and merge duplicates into one."""

    name = models.CharField(max_length=200)
    starts_at = models.DateTimeField(help_text="the start, stored in UTC")
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    race_date = models.DateField(help_text="the local date of the start")
    distance_m = models.FloatField(
        verbose_name="distance (m)", validators=[MinValueValidator(100), MaxValueValidator(1_000_000)]
    )
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=100)
    latitude = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)])
    website = models.URLField(blank=True)
    added_by_id = models.BigIntegerField(null=True, blank=True)  # accounts.User by id; None once they are deleted
    hidden = models.BooleanField(default=False, help_text="spam, or merged into another race")
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["hidden", "race_date"], name="races_visible_by_date"),
            models.Index(fields=["latitude", "longitude"], name="races_position"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.race_date})"


class Registration(models.Model):
    """A runner's "I'm running this", and later their result, if they confirm one."""

    race = models.ForeignKey(Race, on_delete=models.CASCADE, related_name="registrations")
    user_id = models.BigIntegerField(verbose_name="runner (user id)", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    result_run_id = models.BigIntegerField(null=True, blank=True)  # runs.Run by id
    finish_s = models.FloatField(verbose_name="finish (s)", null=True, blank=True)
    result_distance_m = models.FloatField(verbose_name="result distance (m)", null=True, blank=True)
    result_shared = models.BooleanField(default=True)
    result_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["race", "user_id"]
        constraints = [models.UniqueConstraint(fields=["race", "user_id"], name="races_one_registration")]

    def __str__(self) -> str:
        return f"user {self.user_id} at {self.race}"
