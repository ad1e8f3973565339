from __future__ import annotations

import abc

from apps.strava.interface import contracts
from project.rpc import interface as rpc


class StravaService(rpc.Service):
    name = "strava"
    local_implementation = "apps.strava.interface.local.LocalStravaService"

    @rpc.idempotent
    @abc.abstractmethod
    def connection_status(self, *, user_id: int) -> contracts.StravaStatus:
        """Whether the user is connected, and how far the import of their history has come."""


strava_service: StravaService = StravaService.delegator()
