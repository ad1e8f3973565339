"""What the accounts app hands to other apps. No Django: these cross the wire as JSON."""

from __future__ import annotations

import datetime
import enum
from decimal import Decimal

from project.rpc.contracts import Contract


class Units(enum.StrEnum):
    METRIC = "metric"
    IMPERIAL = "imperial"


class UserProfile(Contract):
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
    wants_empty_monthly_report: bool
    is_active: bool
    date_joined: datetime.datetime


class EmailAddress(Contract):
    email: str
    verified: bool
    primary: bool


class AccountExport(Contract):
    """What the accounts app holds about a runner, for their data export."""

    profile: UserProfile
    last_login: datetime.datetime | None
    email_addresses: list[EmailAddress]


class ReportRecipient(Contract):
    id: int
    email: str
    display_name: str
    timezone: str
    units: Units
    wants_empty_monthly_report: bool


class ReportRecipientsPage(Contract):
    recipients: list[ReportRecipient]
    next_after_id: int | None
