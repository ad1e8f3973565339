"""The in-process ImportsService; the one place imports' ORM objects become contracts."""

from __future__ import annotations

import uuid

from apps.imports.interface import contracts, errors
from apps.imports.interface.service import ImportsService
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
    def get_job(self, *, user_id: int, job_id: uuid.UUID) -> contracts.ImportJobStatus:
        job = ImportJob.objects.select_related("upload").filter(pk=job_id, user_id=user_id).first()
        if job is None:
            raise errors.JobNotFound(f"no import {job_id} for this user")
        return job_status(job, list(job.items.all()))

    def list_jobs(self, *, user_id: int, limit: int = 10) -> list[contracts.ImportJobStatus]:
        jobs = ImportJob.objects.select_related("upload").filter(user_id=user_id)[: max(1, min(limit, 100))]
        return [job_status(job) for job in jobs]
