import zlib

import orjson
from django.db import models
from django.db.models import Q

from apps.runs.interface import contracts
from project import choices


class Run(models.Model):
    Source = choices.labelled(contracts.Source, MANUAL="Entered by hand", FILE="Uploaded file", STRAVA="Strava")
    Sport = choices.labelled(
        contracts.Sport,
        RUN="Run",
        TRAIL_RUN="Trail run",
        TREADMILL="Treadmill",
        WALK="Walk",
        HIKE="Hike",
        RIDE="Ride",
        OTHER="Other",
    )

    user_id = models.BigIntegerField(
        verbose_name="runner (user id)", db_index=True
    )  # accounts.User, by id: no cross-app foreign key
    source = models.CharField(max_length=10, choices=Source.choices)
    source_id = models.CharField(max_length=128, blank=True)
    name = models.CharField(max_length=200, blank=True)
    sport = models.CharField(max_length=12, choices=Sport.choices, default=Sport.RUN)
    start = models.DateTimeField()
    timezone = models.CharField(max_length=64)
    local_date = models.DateField()
    elapsed_s = models.FloatField(verbose_name="elapsed (s)")
    moving_s = models.FloatField(verbose_name="moving (s)")
    distance_m = models.FloatField(verbose_name="distance (m)")
    elevation_gain_m = models.FloatField(verbose_name="elevation gain (m)", null=True, blank=True)
    elevation_loss_m = models.FloatField(verbose_name="elevation loss (m)", null=True, blank=True)
    average_heart_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    max_heart_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    average_cadence = models.FloatField(null=True, blank=True)
    calories = models.PositiveIntegerField(null=True, blank=True)
    laps = models.JSONField(default=list, blank=True)
    splits = models.JSONField(default=list, blank=True)
    polyline = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    source_note = models.CharField(max_length=500, blank=True)  # what the import noted: a file cut off, a guess
    hidden = models.BooleanField(default=False)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "source", "source_id"], condition=~Q(source_id=""), name="runs_unique_source_id"
            )
        ]
        indexes = [
            models.Index(fields=["user_id", "-start", "-id"], name="runs_user_start"),
            models.Index(fields=["user_id", "local_date"], name="runs_user_local_date"),
        ]

    def __str__(self) -> str:
        return f"{self.name or self.get_sport_display()} on {self.local_date}"


class RunStreams(models.Model):
    """A run's samples, column-wise JSON compressed with zlib at level 1: about a quarter of the JSON's size
    (level 6 saves another tenth of that for six times the time, on every import). JSON by orjson: the standard
    library's encoder took 7 of a TCX import's 65 ms writing floats (docs/performance.md)."""

    run = models.OneToOneField(Run, on_delete=models.CASCADE, primary_key=True, related_name="streams")
    data = models.BinaryField()

    class Meta:
        verbose_name_plural = "run streams"

    def __str__(self) -> str:
        return f"streams of run {self.run_id}"

    @staticmethod
    def pack(columns: dict) -> bytes:
        return zlib.compress(orjson.dumps(columns, option=orjson.OPT_SERIALIZE_NUMPY), 1)

    def unpack(self) -> dict:
        return orjson.loads(zlib.decompress(bytes(self.data)))


class BestEffort(models.Model):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="best_efforts")
    user_id = models.BigIntegerField(
        verbose_name="runner (user id)"
    )  # copied from the run, so records are one indexed query
    family = models.CharField(max_length=10, default="running")  # the run's sport family (contracts.Family)
    distance_key = models.CharField(max_length=10)
    distance_m = models.FloatField(verbose_name="distance (m)")
    elapsed_s = models.FloatField(verbose_name="elapsed (s)")
    start_offset_s = models.FloatField()

    class Meta:
        ordering = ["distance_m"]
        constraints = [models.UniqueConstraint(fields=["run", "distance_key"], name="runs_best_effort_once")]
        indexes = [
            models.Index(fields=["user_id", "family", "distance_key", "elapsed_s"], name="runs_effort_family_rank")
        ]

    def __str__(self) -> str:
        return f"{self.distance_key} in {self.elapsed_s:.0f} s (run {self.run_id})"
