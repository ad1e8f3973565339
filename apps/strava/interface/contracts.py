from __future__ import annotations

import datetime
import enum

from project.rpc.contracts import Contract


class ConnectionState(enum.StrEnum):
    NOT_CONNECTED = "not_connected"
    ACTIVE = "active"
    NEEDS_RECONNECT = "reconnect"


class StravaStatus(Contract):
    state: ConnectionState
    athlete_id: int | None = None
    athlete_name: str = ""
    backfill: str = ""  # pending, running, waiting, done
    imported: int = 0
    estimated_total: int | None = None  # what Strava's all-time totals count; other sports may add some
    next_batch_at: datetime.datetime | None = None
    last_error: str = ""


class StravaLink(Contract):
    """The Strava connection as the data export holds it: never its tokens."""

    athlete_id: int
    athlete_name: str
    scopes: list[str]
    state: ConnectionState
    backfill: str
    imported: int
    connected_at: datetime.datetime
    updated_at: datetime.datetime


class StravaExport(Contract):
    connection: StravaLink | None  # None: not connected
