"""Reads of the imports app."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.imports.models import Upload


def list_uploads(*, user_id: int | None = None) -> QuerySet[Upload]:
    """The stored uploads (of one runner, or everyone's), oldest first."""
    uploads = Upload.objects.order_by("created_at")
    return uploads if user_id is None else uploads.filter(user_id=user_id)
