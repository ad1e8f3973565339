from __future__ import annotations

import abc
import datetime

from apps.races.interface import contracts
from project.rpc import interface as rpc

MAX_PAGE_SIZE = 100
MAX_OFFSET = 1_000_000  # a search paged further has nothing to show; the offset stays a database integer


class RacesService(rpc.Service):
    name = "races"
    local_implementation = "apps.races.interface.local.LocalRacesService"

    @rpc.read_only
    @abc.abstractmethod
    def get_race(self, *, race_id: int) -> contracts.Race:
        """A visible race; a merged duplicate answers with the race it was merged into. Raises `RaceNotFound`."""

    @rpc.read_only
    @abc.abstractmethod
    def find_races(
        self,
        *,
        text: str = "",
        start_date: datetime.date | None = None,
        end_date: datetime.date | None = None,
        distance_m: float | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        radius_km: float | None = None,
        include_past: bool = False,
        exclude_added_by: int | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> contracts.RacePage:
        """Visible races by date: name or place containing `text`, within ±5% of `distance_m`, within
        `radius_km` of (latitude, longitude) by great-circle distance. Past races (before today in UTC)
        only with `include_past`. Raises `InvalidSearch` for half a position or a bad page."""

    @rpc.read_only
    @abc.abstractmethod
    def races_of_runner(self, *, user_id: int, include_past: bool = False) -> list[contracts.Race]:
        """The races the runner said they are running, soonest first."""

    @rpc.idempotent
    @abc.abstractmethod
    def set_running(self, *, user_id: int, race_id: int, running: bool) -> contracts.Race:
        """Say "I'm running this" (or undo it). Raises `RaceNotFound`."""

    @rpc.read_only
    @abc.abstractmethod
    def export_user_data(self, *, user_id: int) -> contracts.RacesExport:
        """The races the user added and their registrations with results, soonest first (the data export)."""


races_service: RacesService = RacesService.delegator()
