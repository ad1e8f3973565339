"""Which database holds which app's tables, once apps are lifted out (docs/extraction.md).

In the monolith, `EXTRACTED_APPS` are off limits: their tables are neither migrated nor read or
written here (an access raises, so a forgotten direct query shows at once instead of reading stale
rows). In an extracted service, `SERVICE_APPS` lists the apps whose tables its own database holds;
nothing else is migrated there. A database alias other than `default` (the source of a data copy)
is never migrated.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class ExtractedAppsRouter:
    def _check(self, model: Any) -> None:
        label = model._meta.app_label
        if label in settings.EXTRACTED_APPS:
            raise ImproperlyConfigured(f"the {label} app runs as its own service: call its interface, not its models")

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        self._check(model)
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        self._check(model)
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db != "default":
            return False
        if app_label in settings.EXTRACTED_APPS:
            return False
        service_apps = getattr(settings, "SERVICE_APPS", None)
        if service_apps is not None:
            return app_label in service_apps
        return None
