"""What the accounts app hands to other apps. No Django: these cross the wire as JSON."""

from __future__ import annotations

import datetime
import enum
from decimal import Decimal

import pydantic


class Units(enum.StrEnum):
    METRIC = "metric"
    IMPERIAL = "imperial"


class _Contract(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)


class UserProfile(_Contract):
    """A runner as other apps see them: identity, preferences and the physiology that stats need."""

    id: int
    email: str
    display_name: str
    timezone: str
    units: Units
    birth_year: int | None
    weight_kg: Decimal | None
    resting_heart_rate: int | None
    max_heart_rate: int | None
    wants_monthly_report: bool
    is_active: bool
    date_joined: datetime.datetime


class ReportRecipient(_Contract):
    id: int
    email: str
    display_name: str
    timezone: str
    units: Units


class ReportRecipientsPage(_Contract):
    recipients: list[ReportRecipient]
    next_after_id: int | None
