"""What a page reads of the runner it serves: the type of `request` in a view behind `login_required`.

Pages of every app read the signed-in user's id, units and zone; the user model belongs to accounts, so the
other apps type it by what they use, not by importing it.
"""

from __future__ import annotations

from typing import Protocol

from django.http import HttpRequest


class SignedInUser(Protocol):
    pk: int
    email: str
    units: str
    timezone: str
    is_staff: bool
    is_authenticated: bool
    resting_heart_rate: int | None
    max_heart_rate: int | None
    birth_year: int | None

    def get_short_name(self) -> str: ...


class SignedInRequest(HttpRequest):
    """`request` in a view behind `login_required`: its user is signed in (never anonymous)."""

    user: SignedInUser  # type: ignore[assignment]  # narrower than HttpRequest's, as login_required makes it
