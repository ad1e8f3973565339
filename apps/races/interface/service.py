from __future__ import annotations

import abc
import datetime

from apps.races.interface import contracts
from project.rpc import interface as rpc
from project.rpc import routing

MAX_PAGE_SIZE = 100
MAX_OFFSET = 1_000_000  # a search paged further has nothing to show; the offset stays a database integer


class RacesService(rpc.Service):
    name = "races"
    local_implementation = "apps.races.interface.local.LocalRacesService"
    # Renamed in 2026-12: callers deployed before still call the old wire names.
    renamed = {"races_of_runner": "list_races_of_runner"}

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
    def get_race_for_runner(self, *, race_id: int, user_id: int, is_staff: bool) -> contracts.RaceForRunner:
        """A visible race as the runner sees it on its page: whether they may change it (they added it, or
        `is_staff`: the caller vouches for both), whether they run it, their result and the shared results,
        fastest first. A merged duplicate answers with the race it was merged into. Raises `RaceNotFound`."""

    @rpc.read_only
    @abc.abstractmethod
    def list_races_of_runner(self, *, user_id: int, include_past: bool = False) -> list[contracts.Race]:
        """The races the runner said they are running, soonest first."""

    @rpc.kept_per_service
    @abc.abstractmethod
    def get_overview(self, *, user_id: int, others: int = 5) -> contracts.RacesOverview:
        """`list_races_of_runner` (upcoming) and the next `others` upcoming races other runners added (as
        `find_races(exclude_added_by=user_id)`), in one call: the dashboard's."""

    @rpc.idempotent
    @abc.abstractmethod
    def set_running(self, *, user_id: int, race_id: int, running: bool) -> contracts.Race:
        """Say "I'm running this" (or undo it). Raises `RaceNotFound`."""

    @abc.abstractmethod
    def add_race(self, *, added_by_id: int, draft: contracts.RaceDraft) -> contracts.Race:
        """Add a race everyone sees; without a zone, the zone at its position. Raises `InvalidRace` (with
        `fields`). Not retried: a repeat would add it twice."""

    @rpc.idempotent
    @abc.abstractmethod
    def update_race(self, *, race_id: int, user_id: int, is_staff: bool, draft: contracts.RaceDraft) -> contracts.Race:
        """Replace what the race says by `draft` (a `timezone` of None keeps the race's); only who added it, or
        staff, may. A new date tells plans (`races.race_rescheduled`). Raises `RaceNotFound` (a merged or hidden
        race too), `NotAllowed`, `InvalidRace`."""

    @rpc.read_only
    @abc.abstractmethod
    def list_result_candidates(self, *, user_id: int, race_id: int) -> list[contracts.ResultCandidate]:
        """The runner's runs (run, trail run, treadmill) on the race's local day whose distance is within 5% of
        the race's, closest first. Raises `RaceNotFound`."""

    @rpc.idempotent
    @abc.abstractmethod
    def confirm_result(self, *, user_id: int, race_id: int, run_id: int, shared: bool = True) -> contracts.Result:
        """Keep one of the runner's candidate runs as their result (registering them if need be), shown to the
        others when `shared`. Raises `RaceNotFound`, `InvalidResult` (not yet race day, not their run, not a
        candidate)."""

    @rpc.read_only
    @abc.abstractmethod
    def export_user_data(self, *, user_id: int) -> contracts.RacesExport:
        """The races the user added and their registrations with results, soonest first (the data export)."""


races_service: RacesService = routing.delegator(RacesService)
