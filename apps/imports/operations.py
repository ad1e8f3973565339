"""Writes on imports: taking an upload, and working through its job."""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.interface import errors as accounts_errors
from apps.accounts.interface.service import accounts_service
from apps.imports import importer
from apps.imports.models import ImportItem, ImportJob, Upload
from apps.runs.interface import errors as runs_errors
from apps.runs.interface.service import runs_service

logger = logging.getLogger(__name__)


class UploadRefused(ValueError):
    """The upload is refused at the door (wrong type, too big, empty); nothing is stored."""


def upload_check(*, name: str, size: int) -> None:
    if importer.extension_of(name) not in importer.UPLOAD_EXTENSIONS:
        raise UploadRefused(f"{name}: only .gpx, .tcx, .fit and .zip files can be imported")
    if size == 0:
        raise UploadRefused(f"{name}: the file is empty")
    if size > settings.IMPORTS_MAX_UPLOAD_BYTES:
        limit_mb = settings.IMPORTS_MAX_UPLOAD_BYTES / 1_000_000
        raise UploadRefused(f"{name}: {size / 1_000_000:.1f} MB is more than the {limit_mb:.0f} MB limit")


def upload_create(*, user_id: int, name: str, data: bytes) -> ImportJob:
    """Keep the file and queue its import; the parsing happens in a Celery task, never here."""
    upload_check(name=name, size=len(data))
    from apps.imports import tasks

    with transaction.atomic():
        upload = Upload(
            user_id=user_id, original_name=name[:255], size=len(data), sha256=hashlib.sha256(data).hexdigest()
        )
        upload.file.save(name[-100:], ContentFile(data), save=False)
        upload.save()
        job = ImportJob.objects.create(user_id=user_id, upload=upload)
        transaction.on_commit(lambda: tasks.process_job.delay(job_id=str(job.pk)), robust=True)
    logger.info("imports.upload_created", extra={"job_id": str(job.pk), "user_id": user_id, "size": len(data)})
    return job


def job_process(*, job_id: str) -> ImportJob | None:
    """Import every file of a job, one at a time, recording progress. Safe to run again."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("upload").filter(pk=job_id).first()
        if job is None or job.finished:
            return job
        job.status, job.started_at = ImportJob.Status.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])
        job.items.all().delete()  # a rerun (after a worker died) starts the bookkeeping afresh
        ImportJob.objects.filter(pk=job.pk).update(processed_files=0, imported=0, duplicates=0, failed=0)
    with job.upload.file.open("rb") as handle:
        data = handle.read()
    try:
        files = list(importer.entries(job.upload.original_name, data))
    except importer.ImportRefused as error:
        return _finish(job, status=ImportJob.Status.FAILED, message=str(error))
    if not files:
        return _finish(job, status=ImportJob.Status.FAILED, message=f"{job.upload.original_name}: the zip is empty")
    ImportJob.objects.filter(pk=job.pk).update(total_files=len(files))
    for name, content in files:
        if importer.extension_of(name) not in importer.UPLOAD_EXTENSIONS[:-1]:
            results = [
                importer.ItemResult(name=name, status="failed", message=f"{name}: not a .gpx, .tcx or .fit file")
            ]
        else:
            results = importer.import_file(user_id=job.user_id, name=name, data=content)
        _record(job, results)
    job.refresh_from_db()
    everything_failed = job.failed > 0 and job.imported == 0 and job.duplicates == 0
    status = ImportJob.Status.FAILED if everything_failed else ImportJob.Status.DONE
    message = "; ".join(job.items.filter(status=ImportItem.Status.FAILED).values_list("message", flat=True)[:5])
    return _finish(job, status=status, message=message if everything_failed else "")


def _record(job: ImportJob, results: list[importer.ItemResult]) -> None:
    with transaction.atomic():
        ImportItem.objects.bulk_create(
            [
                ImportItem(job=job, name=r.name[:255], status=r.status, run_id=r.run_id, message=r.message)
                for r in results
            ]
        )
        ImportJob.objects.filter(pk=job.pk).update(
            processed_files=F("processed_files") + 1,
            imported=F("imported") + sum(r.status == "imported" for r in results),
            duplicates=F("duplicates") + sum(r.status == "duplicate" for r in results),
            failed=F("failed") + sum(r.status == "failed" for r in results),
        )


def _finish(job: ImportJob, *, status: str, message: str) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(status=status, message=message, finished_at=timezone.now())
    job.refresh_from_db()
    logger.info(
        "imports.job_finished",
        extra={"job_id": str(job.pk), "status": status, "imported": job.imported, "failed": job.failed},
    )
    return job


def upload_reread(*, upload: Upload) -> list[importer.Reread]:
    """Read a stored upload again with this version's rules (`importer.reread_file`); what it did.

    Nothing for the upload of a runner whose account is gone (their uploads go with it).
    """
    try:
        accounts_service.get_user(user_id=upload.user_id)
    except accounts_errors.UserNotFound:
        return []
    with upload.file.open("rb") as handle:
        data = handle.read()
    try:
        files = list(importer.entries(upload.original_name, data))
    except importer.ImportRefused:
        return []
    job = ImportJob.objects.filter(upload=upload).first()
    run_ids = [] if job is None else [i for i in job.items.values_list("run_id", flat=True) if i is not None]
    may_add = all(_run_exists(user_id=upload.user_id, run_id=run_id) for run_id in run_ids)
    done = []
    for name, content in files:
        done += importer.reread_file(user_id=upload.user_id, name=name, data=content, may_add=may_add)
    return done


def _run_exists(*, user_id: int, run_id: int) -> bool:
    try:
        runs_service.get_run(user_id=user_id, run_id=run_id)
    except runs_errors.RunNotFound:
        return False
    return True
