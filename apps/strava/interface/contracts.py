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
