"""Writes on accounts. Each function owns its transaction."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from apps.accounts.interface import errors, events
from apps.accounts.models import PROFILE_FIELDS, User
from project.events import outbox

logger = logging.getLogger(__name__)


def _user(user_id: int) -> User:
    try:
        return User.objects.get(pk=user_id)
    except User.DoesNotExist:
        raise errors.UserNotFound(f"no user with id {user_id}") from None


def profile_update(*, user_id: int, changes: dict[str, Any]) -> User:
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    with transaction.atomic():
        user = _user(user_id)
        for field, value in changes.items():
            setattr(user, field, value)
        user.full_clean(exclude=["password"])
        user.save(update_fields=list(changes))
    logger.info("accounts.profile_updated", extra={"user_id": user_id, "fields": sorted(changes)})
    return user


def monthly_report_opt_in_set(*, user_id: int, enabled: bool) -> User:
    with transaction.atomic():
        user = _user(user_id)
        if user.wants_monthly_report != enabled:
            user.wants_monthly_report = enabled
            user.save(update_fields=["wants_monthly_report"])
    return user


def account_delete(*, user_id: int) -> None:
    """Delete the user; `UserDeleted` goes out in the same transaction so every app cleans up."""
    with transaction.atomic():
        user = _user(user_id)
        outbox.publish(events.UserDeleted(user_id=user.pk))
        user.delete()
    logger.info("accounts.account_deleted", extra={"user_id": user_id})


def demo_user_ensure(*, email: str, password: str) -> tuple[User, bool]:
    """The demo runner with a confirmed address and a filled-in profile (for `seed_demo`)."""
    from allauth.account.models import EmailAddress

    with transaction.atomic():
        user, created = User.objects.get_or_create(email=email)
        user.set_password(password)
        user.display_name = "Demo Runner"
        user.timezone = "Europe/Paris"
        user.units = User.Units.METRIC
        user.birth_year = 1988
        user.weight_kg = 64
        user.resting_heart_rate = 52
        user.max_heart_rate = 186
        user.save()
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user, created
