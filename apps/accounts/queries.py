"""Reads on accounts."""

from __future__ import annotations

import uuid

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef, QuerySet

from apps.accounts.models import ApiToken, DataExport, User


def list_report_recipients(*, after_id: int) -> QuerySet[User]:
    confirmed = EmailAddress.objects.filter(user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True)
    return (
        User.objects.filter(is_active=True, wants_monthly_report=True, pk__gt=after_id)
        .filter(Exists(confirmed))
        .order_by("pk")
    )


def list_email_addresses(*, user_id: int) -> QuerySet[EmailAddress]:
    return EmailAddress.objects.filter(user_id=user_id).order_by("email")


def get_latest_export(*, user_id: int) -> DataExport | None:
    return DataExport.objects.filter(user_id=user_id).order_by("-created_at").first()


def list_exports_of_user(*, user_id: int, limit: int) -> list[DataExport]:
    return list(DataExport.objects.filter(user_id=user_id).order_by("-created_at")[:limit])


def get_export(*, user_id: int, export_id: uuid.UUID) -> DataExport | None:
    """One of the user's exports; None for another user's, whoever asks."""
    return DataExport.objects.filter(pk=export_id, user_id=user_id).first()


def list_api_tokens_of_user(*, user_id: int) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user_id)
