from __future__ import annotations

import abc

from apps.strava.interface import contracts
from project.rpc import interface as rpc
from project.rpc import routing


class StravaService(rpc.Service):
    name = "strava"
    local_implementation = "apps.strava.interface.local.LocalStravaService"
    # Renamed in 2026-12: callers deployed before still call the old wire names.
    renamed = {"connection_status": "get_connection_status"}

    @rpc.read_only
    @abc.abstractmethod
    def get_connection_status(self, *, user_id: int) -> contracts.StravaStatus:
        """Whether the user is connected, and how far the import of their history has come."""

    @abc.abstractmethod
    def complete_connection(self, *, user_id: int, code: str, scopes: str) -> contracts.StravaStatus:
        """Exchange Strava's authorization code (OAuth callback) and start importing the history.

        Raises `MissingScope` when the athlete did not grant activity:read_all, `StravaRefused` when Strava says no.
        """

    @rpc.idempotent
    @abc.abstractmethod
    def disconnect(self, *, user_id: int) -> int:
        """Deauthorize at Strava, forget the connection, delete the runs that came from it; how many."""

    @rpc.read_only
    @abc.abstractmethod
    def export_user_data(self, *, user_id: int) -> contracts.StravaExport:
        """The user's Strava link, without its tokens (the data export)."""


strava_service: StravaService = routing.delegator(StravaService)
