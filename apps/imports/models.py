import uuid

from django.db import models

from apps.imports.interface import contracts
from project import choices


class Upload(models.Model):
    """A file as the runner sent it, kept so that its runs can be derived again."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_id = models.BigIntegerField(verbose_name="runner (user id)", db_index=True)
    original_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="uploads/%Y/%m/")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(verbose_name="SHA-256", max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class ImportJob(models.Model):
    Status = choices.labelled(contracts.JobStatus, QUEUED="Waiting", RUNNING="Importing", DONE="Done", FAILED="Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user_id = models.BigIntegerField(verbose_name="runner (user id)")
    upload = models.OneToOneField(Upload, on_delete=models.CASCADE, related_name="job")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total_files = models.PositiveIntegerField(default=0)
    processed_files = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    # Each execution that takes the job on numbers itself; only the latest may record (a lease).
    attempts = models.PositiveSmallIntegerField(default=0)
    # The last sign of life: handed to the broker, taken on, or a file done. None: never handed over.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user_id", "-created_at"], name="imports_job_user_created"),
            models.Index(
                fields=["heartbeat_at"],
                condition=models.Q(status__in=["queued", "running"]),
                name="imports_job_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"import of {self.upload.original_name} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ImportItem(models.Model):
    """What became of one file (or one activity of a file) of a job."""

    Status = choices.labelled(contracts.ItemStatus, IMPORTED="Imported", DUPLICATE="Already there", FAILED="Failed")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(max_length=255)
    status = models.CharField(max_length=9, choices=Status.choices)
    run_id = models.BigIntegerField(null=True, blank=True)  # runs.Run, by id
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}: {self.status}"
