"""Reads on accounts."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef, QuerySet

from apps.accounts.models import PROFILE_FIELDS, User


def report_recipients(*, after_id: int) -> QuerySet[User]:
    confirmed = EmailAddress.objects.filter(user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True)
    return (
        User.objects.filter(is_active=True, wants_monthly_report=True, pk__gt=after_id)
        .filter(Exists(confirmed))
        .order_by("pk")
    )


def account_export(*, user: User) -> dict[str, Any]:
    """Everything the accounts app holds about `user`, as JSON-ready data (the data-portability export)."""
    profile = {field: getattr(user, field) for field in PROFILE_FIELDS}
    profile["weight_kg"] = str(user.weight_kg) if user.weight_kg is not None else None
    return {
        "format": "runnerly-account-export",
        "version": 1,
        "account": {
            "id": user.pk,
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "email_addresses": [
                {"email": address.email, "verified": address.verified, "primary": address.primary}
                for address in EmailAddress.objects.filter(user=user).order_by("email")
            ],
        },
        "profile": profile,
    }
