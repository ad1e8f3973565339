from __future__ import annotations

from apps.strava.interface import contracts
from apps.strava.interface.service import StravaService
from apps.strava.models import StravaConnection


class LocalStravaService(StravaService):
    def connection_status(self, *, user_id: int) -> contracts.StravaStatus:
        connection = StravaConnection.objects.filter(user_id=user_id).first()
        if connection is None:
            return contracts.StravaStatus(state=contracts.ConnectionState.NOT_CONNECTED)
        return contracts.StravaStatus(
            state=contracts.ConnectionState(connection.status),
            athlete_id=connection.athlete_id,
            athlete_name=connection.athlete_name,
            backfill=connection.backfill,
            imported=connection.imported,
            estimated_total=connection.estimated_total,
            next_batch_at=connection.next_batch_at,
            last_error=connection.last_error,
        )
