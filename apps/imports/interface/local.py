"""The in-process ImportsService; the one place imports' ORM objects become contracts."""

from __future__ import annotations

import base64
import uuid

from apps.imports import operations
from apps.imports.interface import contracts, errors
from apps.imports.interface.service import MAX_CHUNK_BYTES, ImportsService
from apps.imports.models import ImportItem, ImportJob


def job_status(job: ImportJob, items: list[ImportItem] | None = None) -> contracts.ImportJobStatus:
    return contracts.ImportJobStatus(
        id=job.pk,
        file_name=job.upload.original_name,
        status=contracts.JobStatus(job.status),
        total_files=job.total_files,
        processed_files=job.processed_files,
        imported=job.imported,
        duplicates=job.duplicates,
        failed=job.failed,
        message=job.message,
        created_at=job.created_at,
        finished_at=job.finished_at,
        items=[
            contracts.ImportItemResult(
                name=item.name, status=contracts.ItemStatus(item.status), run_id=item.run_id, message=item.message
            )
            for item in items or []
        ],
    )


class LocalImportsService(ImportsService):
    def start_import(
        self, *, user_id: int, storage_name: str, size: int, original_name: str
    ) -> contracts.ImportJobStatus:
        job = operations.take_upload(
            user_id=user_id, storage_name=storage_name, size=size, original_name=original_name
        )
        return job_status(job, list(job.items.all()))

    def get_job(self, *, user_id: int, job_id: uuid.UUID) -> contracts.ImportJobStatus:
        job = ImportJob.objects.select_related("upload").filter(pk=job_id, user_id=user_id).first()
        if job is None:
            raise errors.JobNotFound(f"no import {job_id} for this user")
        return job_status(job, list(job.items.all()))

    def list_jobs(self, *, user_id: int, limit: int = 10) -> list[contracts.ImportJobStatus]:
        jobs = ImportJob.objects.select_related("upload").filter(user_id=user_id)[: max(1, min(limit, 100))]
        return [job_status(job) for job in jobs]

    def export_user_data(self, *, user_id: int) -> contracts.ImportsExport:
        jobs = (
            ImportJob.objects.select_related("upload")
            .prefetch_related("items")
            .filter(user_id=user_id)
            .order_by("created_at", "pk")
        )
        return contracts.ImportsExport(
            uploads=[
                contracts.UploadExport(
                    job=job_status(job, list(job.items.all())), size=job.upload.size, sha256=job.upload.sha256
                )
                for job in jobs
            ]
        )

    def export_upload_file(
        self, *, user_id: int, job_id: uuid.UUID, offset: int = 0, length: int = MAX_CHUNK_BYTES
    ) -> contracts.FileChunk:
        job = ImportJob.objects.select_related("upload").filter(pk=job_id, user_id=user_id).first()
        if job is None:
            raise errors.JobNotFound(f"no import {job_id} for this user")
        offset, length = min(max(0, offset), job.upload.size), max(1, min(length, MAX_CHUNK_BYTES))
        with job.upload.file.open("rb") as file:
            file.seek(offset)
            data = file.read(length)
        end = offset + len(data)
        return contracts.FileChunk(
            data_base64=base64.b64encode(data).decode(), next_offset=end if data and end < job.upload.size else None
        )
