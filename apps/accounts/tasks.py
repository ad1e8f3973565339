from celery import shared_task

from apps.accounts import operations


@shared_task(name="accounts.build_export", acks_late=True)
def build_export(*, export_id: str) -> str | None:
    export = operations.build_export(export_id=export_id)
    return export.status if export else None


@shared_task(name="accounts.expire_exports")
def expire_exports() -> int:
    return operations.expire_exports()


@shared_task(name="accounts.sweep_exports")
def sweep_exports() -> int:
    return operations.sweep_exports()
