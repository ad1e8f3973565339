"""Writes on imports: taking an upload, and working through its job."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import logging
import uuid

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.interface import errors as accounts_errors
from apps.accounts.interface.service import accounts_service
from apps.imports import importer, uploads
from apps.imports.interface import contracts, errors
from apps.imports.models import ImportItem, ImportJob, Upload
from apps.runs.interface import errors as runs_errors
from apps.runs.interface.service import runs_service
from project import celery
from project.rpc import versions

logger = logging.getLogger(__name__)


UploadRefused = errors.UploadRefused  # refused at the door (wrong type, too big, empty): nothing is stored
_HASH_CHUNK_BYTES = 1 << 20


def check_upload(*, name: str, size: int) -> None:
    refusal = contracts.upload_refusal(name=name, size=size, max_bytes=settings.IMPORTS_MAX_UPLOAD_BYTES)
    if refusal:
        raise UploadRefused(refusal)


def create_upload(*, user_id: int, name: str, data: bytes) -> ImportJob:
    """Keep bytes in hand (scripts, tests) as the web side keeps an upload, and queue its import (`take_upload`)."""
    check_upload(name=name, size=len(data))
    storage_name = uploads.store(name, ContentFile(data))
    try:
        return take_upload(user_id=user_id, storage_name=storage_name, size=len(data), original_name=name)
    except BaseException:
        _storage().delete(storage_name)
        raise


def take_upload(*, user_id: int, storage_name: str, size: int, original_name: str) -> ImportJob:
    """Take a file saved in the default storage under `uploads/` (`uploads.store`) and queue its import.

    The parsing happens in a Celery task, never here. With the broker down the upload is kept all the
    same and its job stays queued: `sweep_jobs` sends it. The same storage name again (a retried call)
    answers the job it already has. Raises `UploadRefused`, and then stores nothing and deletes nothing:
    the file is its sender's to delete (a name that is not a fresh upload's may be anyone's file).
    """
    check_upload(name=original_name, size=size)
    if not _is_upload_name(storage_name):
        raise UploadRefused(f"{original_name}: not a stored upload ({storage_name!r})")
    taken = ImportJob.objects.select_related("upload").filter(upload__file=storage_name).first()
    if taken is not None:
        if (taken.user_id, taken.upload.size) != (user_id, size):
            raise UploadRefused(f"{original_name}: this stored file is another upload's")
        return taken
    storage = _storage()
    try:
        stored_size = storage.size(storage_name)
        sha256 = _sha256_of(storage, storage_name) if stored_size == size else ""
    except (OSError, SuspiciousFileOperation):
        raise UploadRefused(f"{original_name}: the file is not in storage; send it again") from None
    if stored_size != size:
        raise UploadRefused(f"{original_name}: {stored_size} bytes in storage, not {size}; send it again")
    with transaction.atomic():
        upload = Upload.objects.create(
            user_id=user_id, original_name=original_name[:255], file=storage_name, size=size, sha256=sha256
        )
        job = ImportJob.objects.create(user_id=user_id, upload=upload)
        _forget_jobs(user_id)
        transaction.on_commit(lambda: _send(job.pk), robust=True)  # a broker error is logged, the upload kept
    logger.info("imports.upload_created", extra={"job_id": str(job.pk), "user_id": user_id, "size": size})
    return job


def _forget_jobs(user_id: int) -> None:
    """The user's jobs change: callers' kept lists of them are stale once this commits."""
    versions.forget("imports", user_id=user_id)


def _storage() -> Storage:
    return Upload._meta.get_field("file").storage  # type: ignore[union-attr,no-any-return]


def _is_upload_name(name: str) -> bool:
    """A relative name under `uploads/`, with no way out of it, that Upload.file can hold."""
    parts = name.split("/")
    return (
        name.startswith(contracts.UPLOAD_DIRECTORY)
        and len(name) <= Upload._meta.get_field("file").max_length  # type: ignore[operator]
        and not any(character in name for character in "\\\x00")
        and all(part not in ("", ".", "..") for part in parts)
    )


def _sha256_of(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _send(job_id: uuid.UUID) -> None:
    celery.task("imports.process_job").delay(job_id=str(job_id))
    ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(heartbeat_at=timezone.now())


class LeaseLost(Exception):
    """A later execution has taken the job on (this one was thought dead); this one stops, recording nothing."""


def process_job(*, job_id: str) -> ImportJob | None:
    """Import every file of a job, one at a time, recording progress. Safe to run again, and twice at once.

    An execution takes the job on (`_take_on`) unless another one is alive; a job taken on again
    (its worker died) goes on from the first file it has not recorded. Whatever happens, the job
    ends `done` or `failed` with a message, unless its worker dies: then `sweep_jobs` sends it again.
    """
    job, taken = _take_on(job_id)
    if not taken:
        return job
    assert job is not None
    try:
        return _work_through(job)
    except LeaseLost:
        logger.info("imports.job_taken_over", extra={"job_id": job_id, "attempt": job.attempts})
        return None
    except Exception as error:
        logger.exception("imports.job_crashed", extra={"job_id": job_id})
        message = f"{job.upload.original_name}: the import stopped on an unexpected error ({type(error).__name__})"
        return _finish(job, status=ImportJob.Status.FAILED, message=message, attempt=job.attempts)


def _take_on(job_id: str) -> tuple[ImportJob | None, bool]:
    """The job, and whether this execution has taken it on (`attempts` numbers it) and is to run it."""
    now = timezone.now()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("upload").filter(pk=job_id).first()
        if job is None or job.finished:
            return job, False
        if job.status == ImportJob.Status.RUNNING and job.heartbeat_at and job.heartbeat_at > now - _stale():
            return job, False  # alive in another execution (the broker or the sweep sent it twice)
        if job.attempts >= settings.IMPORTS_MAX_ATTEMPTS:
            message = (
                f"{job.upload.original_name}: the import was interrupted {job.attempts} times (its worker stopped, "
                f"perhaps out of memory) at file {job.processed_files + 1} of {job.total_files or '?'}"
            )
            return _finish(job, status=ImportJob.Status.FAILED, message=message, attempt=job.attempts), False
        job.status, job.attempts, job.heartbeat_at = ImportJob.Status.RUNNING, job.attempts + 1, now
        job.started_at = job.started_at or now
        job.save(update_fields=["status", "attempts", "heartbeat_at", "started_at"])
        _forget_jobs(job.user_id)
    return job, True


def _work_through(job: ImportJob) -> ImportJob:
    with job.upload.file.open("rb") as handle:
        data = handle.read()
    name = job.upload.original_name
    try:
        total = importer.entry_count(name, data)
        if total == 0:
            raise importer.ImportRefused(f"{name}: the zip is empty")
        ImportJob.objects.filter(pk=job.pk, attempts=job.attempts).update(total_files=total)
        _forget_jobs(job.user_id)
        resumed_at = job.processed_files if job.attempts > 1 else None
        for position, entry in enumerate(importer.entries(name, data, start=job.processed_files), job.processed_files):
            _hold(job, position=position, lock=False)  # a superseded execution stops before doing the work again
            results = importer.import_entry(user_id=job.user_id, entry=entry)
            if position == resumed_at:
                results = _as_own(job, results)
            with transaction.atomic():
                _hold(job, position=position, lock=True)  # ... and, under the row lock, before recording it
                _record(job, results)
    except importer.ImportRefused as error:  # the zip as a whole (what was imported before it showed stays)
        return _finish(job, status=ImportJob.Status.FAILED, message=str(error), attempt=job.attempts)
    job.refresh_from_db()
    everything_failed = job.failed > 0 and job.imported == 0 and job.duplicates == 0
    status = ImportJob.Status.FAILED if everything_failed else ImportJob.Status.DONE
    message = "; ".join(job.items.filter(status=ImportItem.Status.FAILED).values_list("message", flat=True)[:5])
    return _finish(job, status=status, message=message if everything_failed else "", attempt=job.attempts)


def _hold(job: ImportJob, *, position: int, lock: bool) -> None:
    """Raises `LeaseLost` unless the job is still this execution's, at file `position`."""
    held = ImportJob.objects.filter(pk=job.pk).values("status", "attempts", "processed_files")
    if lock:
        held = held.select_for_update()
    if held.first() != {"status": ImportJob.Status.RUNNING, "attempts": job.attempts, "processed_files": position}:
        raise LeaseLost(str(job.pk))


def _as_own(job: ImportJob, results: list[importer.ItemResult]) -> list[importer.ItemResult]:
    """Results of the file an earlier execution was importing when its worker died: the runs it stored
    then, and did not live to record, are this job's imports, not duplicates."""
    recorded = set(job.items.exclude(run_id=None).values_list("run_id", flat=True))
    return [
        dataclasses.replace(r, status=contracts.ItemStatus.IMPORTED, message="")
        if r.already_there and r.run_id not in recorded
        else r
        for r in results
    ]


def _record(job: ImportJob, results: list[importer.ItemResult]) -> None:
    ImportItem.objects.bulk_create(
        [ImportItem(job=job, name=r.name[:255], status=r.status, run_id=r.run_id, message=r.message) for r in results]
    )
    ImportJob.objects.filter(pk=job.pk).update(
        processed_files=F("processed_files") + 1,
        imported=F("imported") + sum(r.status == contracts.ItemStatus.IMPORTED for r in results),
        duplicates=F("duplicates") + sum(r.status == contracts.ItemStatus.DUPLICATE for r in results),
        failed=F("failed") + sum(r.status == contracts.ItemStatus.FAILED for r in results),
        heartbeat_at=timezone.now(),
    )
    _forget_jobs(job.user_id)


def _finish(job: ImportJob, *, status: str, message: str, attempt: int) -> ImportJob:
    """End the job, unless a later execution has taken it on."""
    ended = ImportJob.objects.filter(pk=job.pk, attempts=attempt).exclude(
        status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED]
    )
    ended.update(status=status, message=message, finished_at=timezone.now())
    _forget_jobs(job.user_id)
    job.refresh_from_db()
    logger.info(
        "imports.job_finished",
        extra={"job_id": str(job.pk), "status": job.status, "imported": job.imported, "failed": job.failed},
    )
    return job


def _stale() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.IMPORTS_STALE_SECONDS)


def sweep_jobs(*, batch_size: int = 500) -> int:
    """Send again the jobs no worker is seen working on; how many were sent.

    A job never handed to the broker (it was down) is sent once `IMPORTS_QUEUED_GRACE_SECONDS` have
    passed; a job handed over, or running, without a sign of life for `IMPORTS_STALE_SECONDS` (the
    broker lost it, or its worker died) is sent again, and goes on where it stopped.
    """
    now = timezone.now()
    due = Q(heartbeat_at=None, created_at__lt=now - datetime.timedelta(seconds=settings.IMPORTS_QUEUED_GRACE_SECONDS))
    due |= Q(heartbeat_at__lt=now - _stale())
    unfinished = [ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]
    with transaction.atomic():
        # A job whose row is locked is in the middle of a file: alive, whatever its heartbeat says.
        job_ids = list(
            ImportJob.objects.select_for_update(skip_locked=True)
            .filter(due, status__in=unfinished)
            .order_by("created_at")
            .values_list("pk", flat=True)[:batch_size]
        )
    for job_id in job_ids:
        _send(job_id)
    if job_ids:
        logger.info("imports.jobs_swept", extra={"count": len(job_ids)})
    return len(job_ids)


def retry_job(*, job_id: uuid.UUID | str) -> bool:
    """Run a failed job again from its first file (staff, after a fix); False if the job is not failed.

    Its items and counts start afresh; runs it imported the first time are found again as duplicates.
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id, status=ImportJob.Status.FAILED).first()
        if job is None:
            return False
        job.items.all().delete()
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.QUEUED,
            total_files=0,
            processed_files=0,
            imported=0,
            duplicates=0,
            failed=0,
            message="",
            attempts=0,
            heartbeat_at=None,
            started_at=None,
            finished_at=None,
        )
        _forget_jobs(job.user_id)
        transaction.on_commit(lambda: _send(job.pk), robust=True)  # with the broker down, the sweep sends it
    logger.info("imports.job_retried", extra={"job_id": str(job.pk), "user_id": job.user_id})
    return True


def delete_user_uploads(*, user_id: int) -> int:
    """Every upload of a deleted user, its file in storage and its job (on `accounts.user_deleted`).

    Files go after the rows are gone, so a retry after a failure deletes what is left, never a file
    whose row is still there.
    """
    uploads = list(Upload.objects.filter(user_id=user_id))
    with transaction.atomic():
        ImportJob.objects.filter(user_id=user_id).delete()  # jobs, with their items
        Upload.objects.filter(pk__in=[upload.pk for upload in uploads]).delete()
        _forget_jobs(user_id)
    for upload in uploads:
        upload.file.delete(save=False)
    logger.info("imports.user_uploads_deleted", extra={"user_id": user_id, "uploads": len(uploads)})
    return len(uploads)


def reread_upload(*, upload: Upload) -> list[importer.Reread]:
    """Read a stored upload again with this version's rules (`importer.reread_file`); what it did.

    Nothing for the upload of a runner whose account is gone (their uploads go with it).
    """
    try:
        accounts_service.get_user(user_id=upload.user_id)
    except accounts_errors.UserNotFound:
        return []
    with upload.file.open("rb") as handle:
        data = handle.read()
    job = ImportJob.objects.filter(upload=upload).first()
    run_ids = [] if job is None else [i for i in job.items.values_list("run_id", flat=True) if i is not None]
    may_add = all(_run_exists(user_id=upload.user_id, run_id=run_id) for run_id in run_ids)
    done: list[importer.Reread] = []
    with contextlib.suppress(importer.ImportRefused):  # what cannot be read now was not imported then either
        for entry in importer.entries(upload.original_name, data):
            if not entry.problem:
                done += importer.reread_file(user_id=upload.user_id, name=entry.name, data=entry.data, may_add=may_add)
    return done


def _run_exists(*, user_id: int, run_id: int) -> bool:
    try:
        runs_service.get_run(user_id=user_id, run_id=run_id)
    except runs_errors.RunNotFound:
        return False
    return True
