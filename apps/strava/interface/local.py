from __future__ import annotations

from apps.strava import client, operations
from apps.strava.interface import contracts, errors
from apps.strava.interface.service import StravaService
from apps.strava.models import StravaConnection


class LocalStravaService(StravaService):
    def complete_connection(self, *, user_id: int, code: str, scopes: str) -> contracts.StravaStatus:
        try:
            operations.create_connection(user_id=user_id, code=code, scopes=scopes)
        except client.StravaError as error:
            raise errors.StravaRefused(f"Strava did not accept the connection ({error})") from None
        return self.get_connection_status(user_id=user_id)

    def disconnect(self, *, user_id: int) -> int:
        return operations.disconnect(user_id=user_id)

    def get_connection_status(self, *, user_id: int) -> contracts.StravaStatus:
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

    def export_user_data(self, *, user_id: int) -> contracts.StravaExport:
        connection = StravaConnection.objects.filter(user_id=user_id).defer("access_token", "refresh_token").first()
        if connection is None:
            return contracts.StravaExport(connection=None)
        return contracts.StravaExport(
            connection=contracts.StravaLink(
                athlete_id=connection.athlete_id,
                athlete_name=connection.athlete_name,
                scopes=[scope for scope in connection.scopes.split(",") if scope],
                state=contracts.ConnectionState(connection.status),
                backfill=connection.backfill,
                imported=connection.imported,
                connected_at=connection.connected_at,
                updated_at=connection.updated_at,
            )
        )
