"""`manage.py copy_app_data APP`: an app's tables from the monolith's database into the service's, verified."""

import contextlib
import hashlib
import json

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, transaction

SOURCE = "monolith"
BATCH = 1000


@contextlib.contextmanager
def _verbatim(models):
    """auto_now fields keep the source's timestamps instead of taking the copy's."""
    stamped = [
        f
        for m in models
        for f in m._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in stamped]
    for field in stamped:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _checksum(model, using: str) -> tuple[int, str]:
    """Rows and a SHA-256 over every row's values in primary-key order: equal on both sides, or the copy is wrong."""
    digest, rows = hashlib.sha256(), 0
    fields = [field.attname for field in model._meta.concrete_fields]
    for values in model._base_manager.using(using).order_by("pk").values_list(*fields).iterator(chunk_size=BATCH):
        digest.update(
            json.dumps(
                [bytes(v).hex() if isinstance(v, memoryview | bytes) else v for v in values],
                cls=DjangoJSONEncoder,
                sort_keys=True,
            ).encode()
        )
        rows += 1
    return rows, digest.hexdigest()


class Command(BaseCommand):
    help = (
        "Copy an app's tables from the monolith's database (alias 'monolith', RUNNERLY_COPY_FROM_DATABASE_URL) "
        "into this service's database, then compare row counts and checksums table by table."
    )

    def add_arguments(self, parser):
        parser.add_argument("app", help="the app label, e.g. reports")

    def handle(self, *args, **options):
        if SOURCE not in connections.databases:
            raise CommandError("set RUNNERLY_COPY_FROM_DATABASE_URL to the monolith's database")
        try:
            models = list(apps.get_app_config(options["app"]).get_models())
        except LookupError:
            raise CommandError(f"no app {options['app']!r}") from None
        # A table the service's migrations filled already (reference data, e.g. plan templates) is kept when it
        # holds exactly the source's rows; any other non-empty table means this is not a fresh copy.
        seeded = []
        for model in models:
            if model._base_manager.using("default").exists():
                if _checksum(model, "default") != _checksum(model, SOURCE):
                    raise CommandError(f"{model._meta.db_table} is not empty here; copy into an empty database")
                seeded.append(model)
                self.stdout.write(f"kept {model._meta.db_table}: the same rows as the source already")
        with transaction.atomic(using="default"), _verbatim(models):
            for model in [m for m in models if m not in seeded]:  # an app's models come in dependency order
                copied = 0
                batch = []
                for row in model._base_manager.using(SOURCE).order_by("pk").iterator(chunk_size=BATCH):
                    batch.append(row)
                    if len(batch) == BATCH:
                        model._base_manager.using("default").bulk_create(batch)
                        copied, batch = copied + len(batch), []
                model._base_manager.using("default").bulk_create(batch)
                self.stdout.write(f"copied {copied + len(batch)} rows of {model._meta.db_table}")
            with connections["default"].cursor() as cursor:
                for sql in connections["default"].ops.sequence_reset_sql(self.style, models):
                    cursor.execute(sql)
        failures = []
        for model in models:
            source, target = _checksum(model, SOURCE), _checksum(model, "default")
            verdict = "ok" if source == target else "MISMATCH"
            self.stdout.write(f"{model._meta.db_table}: {target[0]} rows, sha256 {target[1][:16]} {verdict}")
            if source != target:
                failures.append(model._meta.db_table)
        if failures:
            raise CommandError(f"the copy differs from the source in {', '.join(failures)}")
        self.stdout.write(self.style.SUCCESS("Every table matches its source."))
