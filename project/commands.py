"""What the apps' management commands share."""

from __future__ import annotations

from django.core.management.base import CommandError

from apps.accounts.interface import contracts, errors
from apps.accounts.interface.service import accounts_service


def find_runner(email: str) -> contracts.UserProfile:
    """The user a command's `--user EMAIL` names; a CommandError that says so when nobody has that address."""
    try:
        return accounts_service.find_user_by_email(email=email)
    except errors.UserNotFound as error:
        raise CommandError(error.message) from None
