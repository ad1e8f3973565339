from celery import shared_task

from apps.imports import operations


@shared_task(name="imports.process_job", acks_late=True)
def process_job(*, job_id: str) -> str | None:
    job = operations.process_job(job_id=job_id)
    return job.status if job else None


@shared_task(name="imports.sweep")
def sweep() -> int:
    return operations.sweep_jobs()
