"""For other apps' tests: make users without touching accounts' models."""

from __future__ import annotations

import itertools

from apps.accounts.interface import contracts

_sequence = itertools.count(1)


def create_user(
    *,
    email: str | None = None,
    password: str = "correct-horse-battery",
    timezone: str = "UTC",
    units: contracts.Units = contracts.Units.METRIC,
    confirmed: bool = True,
    wants_monthly_report: bool = True,
    wants_empty_monthly_report: bool = False,
) -> contracts.UserProfile:
    """A user who can log in (when `confirmed`), returned as the contract other apps see."""
    from allauth.account.models import EmailAddress

    from apps.accounts.interface.local import _profile
    from apps.accounts.models import User

    email = email or f"runner{next(_sequence)}@example.com"
    user = User.objects.create_user(
        email,
        password,
        timezone=timezone,
        units=units.value,
        wants_monthly_report=wants_monthly_report,
        wants_empty_monthly_report=wants_empty_monthly_report,
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=confirmed, primary=True)
    return _profile(user)


def update_profile(user_id: int, **fields: object) -> None:
    """Change profile fields of a user made by `create_user` (units, timezone, heart rates, birth year...), as
    the profile page would, without signals or checks: for setting up a test."""
    from apps.accounts.models import User

    unknown = set(fields) - {field.name for field in User._meta.get_fields()}
    if unknown:
        raise TypeError(f"not fields of a user: {sorted(unknown)}")
    User.objects.filter(pk=user_id).update(**fields)
