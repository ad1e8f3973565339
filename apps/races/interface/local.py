"""The in-process RacesService."""

from __future__ import annotations

import datetime

from apps.races import operations, queries
from apps.races.interface import contracts, errors
from apps.races.interface.service import MAX_PAGE_SIZE, RacesService
from apps.races.models import Race, Registration


def race_contract(race: Race) -> contracts.Race:
    return contracts.Race(
        id=race.pk,
        name=race.name,
        starts_at=race.starts_at,
        timezone=race.timezone,
        race_date=race.race_date,
        distance_m=race.distance_m,
        city=race.city,
        country=race.country,
        latitude=race.latitude,
        longitude=race.longitude,
        website=race.website,
        added_by_id=race.added_by_id,
        runners=race.runners,  # type: ignore[attr-defined]  # annotated by queries.visible()
    )


def _today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


class LocalRacesService(RacesService):
    def get_race(self, *, race_id: int) -> contracts.Race:
        target = Race.objects.filter(pk=race_id).values_list("merged_into_id", flat=True).first()
        race = queries.visible().filter(pk=target or race_id).first()
        if race is None:
            raise errors.RaceNotFound(f"no race {race_id}")
        return race_contract(race)

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
        position = (latitude, longitude, radius_km)
        if any(value is not None for value in position) and not all(value is not None for value in position):
            raise errors.InvalidSearch(
                "give latitude, longitude and radius_km together", fields={"radius_km": ["needs a position"]}
            )
        if not (1 <= limit <= MAX_PAGE_SIZE and offset >= 0):
            raise errors.InvalidSearch(f"limit must be 1 to {MAX_PAGE_SIZE} and offset at least 0")
        races = queries.find(
            text=text,
            start_date=start_date,
            end_date=end_date,
            distance_m=distance_m,
            today=_today(),
            include_past=include_past,
            exclude_added_by=exclude_added_by,
        )
        if latitude is not None and longitude is not None and radius_km is not None:
            near = queries.within(races, latitude=latitude, longitude=longitude, radius_km=radius_km)
            return contracts.RacePage(
                races=[race_contract(race) for race in near[offset : offset + limit]], total=len(near)
            )
        return contracts.RacePage(
            races=[race_contract(race) for race in races[offset : offset + limit]], total=races.count()
        )

    def races_of_runner(self, *, user_id: int, include_past: bool = False) -> list[contracts.Race]:
        races = queries.visible().filter(pk__in=Registration.objects.filter(user_id=user_id).values("race_id"))
        if not include_past:
            races = races.filter(race_date__gte=_today())
        return [race_contract(race) for race in races.order_by("starts_at", "id")]

    def set_running(self, *, user_id: int, race_id: int, running: bool) -> contracts.Race:
        operations.running_set(user_id=user_id, race_id=race_id, running=running)
        return self.get_race(race_id=race_id)

    def export_user_data(self, *, user_id: int) -> contracts.RacesExport:
        return contracts.RacesExport(
            races_added=[race_contract(race) for race in queries.added_by(user_id=user_id)],
            registrations=[
                contracts.Registration(
                    race=race_contract(registration.race),
                    registered_at=registration.created_at,
                    result_run_id=registration.result_run_id,
                    finish_s=registration.finish_s,
                    result_distance_m=registration.result_distance_m,
                    result_shared=registration.result_shared,
                    result_confirmed_at=registration.result_confirmed_at,
                )
                for registration in queries.registrations_of(user_id=user_id)
            ],
        )
