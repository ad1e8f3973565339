"""The in-process RacesService."""

from __future__ import annotations

import datetime

from apps.races import operations, queries
from apps.races.interface import contracts, errors
from apps.races.interface.service import MAX_PAGE_SIZE, RacesService
from apps.races.models import Race, Registration
from apps.runs.interface import contracts as runs_contracts
from project.rpc.errors import InvalidRequest


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
        runners=race.runners,  # type: ignore[attr-defined]  # annotated by queries.list_visible_races()
    )


def result_contract(registration: Registration) -> contracts.Result:
    """A confirmed result (its run, time and distance are set together by `operations.confirm_result`)."""
    run_id, finish_s, distance_m = registration.result_run_id, registration.finish_s, registration.result_distance_m
    if run_id is None or finish_s is None or distance_m is None:
        raise ValueError(f"registration {registration.pk} has no confirmed result")
    return contracts.Result(
        user_id=registration.user_id,
        run_id=run_id,
        finish_s=finish_s,
        distance_m=distance_m,
        # A race's clock never stops: its finish time is its moving time.
        pace_s_per_km=runs_contracts.pace_s_per_km(distance_m=distance_m, moving_s=finish_s),
    )


def _draft_fields(draft: contracts.RaceDraft) -> dict:
    return {
        "name": draft.name,
        "distance_m": draft.distance_m,
        "city": draft.city,
        "country": draft.country,
        "latitude": draft.latitude,
        "longitude": draft.longitude,
        "website": draft.website,
    }


def _visible_race(race_id: int) -> Race:
    """The visible race, or the one a merged duplicate became. Raises RaceNotFound."""
    race = queries.list_visible_races().filter(pk=race_id).first()
    if race is None:  # a duplicate is hidden once merged: look for the race it became
        target = Race.objects.filter(pk=race_id).values_list("merged_into_id", flat=True).first()
        race = queries.list_visible_races().filter(pk=target).first() if target else None
    if race is None:
        raise errors.RaceNotFound(f"no race {race_id}")
    return race


def _today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


class LocalRacesService(RacesService):
    def get_race(self, *, race_id: int) -> contracts.Race:
        return race_contract(_visible_race(race_id))

    def get_race_for_runner(self, *, race_id: int, user_id: int, is_staff: bool) -> contracts.RaceForRunner:
        race = _visible_race(race_id)
        registration = queries.get_registration(user_id=user_id, race_id=race.pk)
        return contracts.RaceForRunner(
            race=race_contract(race),
            may_edit=operations.may_edit(race, user_id=user_id, is_staff=is_staff),
            running=registration is not None,
            race_day_over=operations.is_race_day_over(race),
            result=(
                result_contract(registration)
                if registration is not None and registration.result_confirmed_at is not None
                else None
            ),
            results=[result_contract(shared) for shared in queries.list_shared_results(race_id=race.pk)],
        )

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
        races = queries.find_races(
            text=text,
            start_date=start_date,
            end_date=end_date,
            distance_m=distance_m,
            today=_today(),
            include_past=include_past,
            exclude_added_by=exclude_added_by,
        )
        if latitude is not None and longitude is not None and radius_km is not None:
            near = queries.filter_within(races, latitude=latitude, longitude=longitude, radius_km=radius_km)
            return contracts.RacePage(
                races=[race_contract(race) for race in near[offset : offset + limit]], total=len(near)
            )
        return contracts.RacePage(
            races=[race_contract(race) for race in races[offset : offset + limit]], total=races.count()
        )

    def list_races_of_runner(self, *, user_id: int, include_past: bool = False) -> list[contracts.Race]:
        races = queries.list_visible_races().filter(
            pk__in=Registration.objects.filter(user_id=user_id).values("race_id")
        )
        if not include_past:
            races = races.filter(race_date__gte=_today())
        return [race_contract(race) for race in races.order_by("starts_at", "id")]

    def get_overview(self, *, user_id: int, others: int = 5) -> contracts.RacesOverview:
        if not 1 <= others <= MAX_PAGE_SIZE:
            raise InvalidRequest(f"others must be 1 to {MAX_PAGE_SIZE}, got {others}")
        # What list_races_of_runner and find_races(exclude_added_by=...) answer, in two queries and without models.
        running, added_by_others = queries.get_overview(user_id=user_id, today=_today(), others=others)
        return contracts.RacesOverview.model_validate({"running": running, "others": added_by_others})

    def set_running(self, *, user_id: int, race_id: int, running: bool) -> contracts.Race:
        operations.set_running(user_id=user_id, race_id=race_id, running=running)
        return self.get_race(race_id=race_id)

    def add_race(self, *, added_by_id: int, draft: contracts.RaceDraft) -> contracts.Race:
        race = operations.create_race(
            added_by_id=added_by_id,
            local_date=draft.race_date,
            local_time=draft.start_time,
            zone=draft.timezone,
            **_draft_fields(draft),
        )
        return self.get_race(race_id=race.pk)

    def update_race(self, *, race_id: int, user_id: int, is_staff: bool, draft: contracts.RaceDraft) -> contracts.Race:
        race = operations.update_race(
            race_id=race_id,
            user_id=user_id,
            is_staff=is_staff,
            local_date=draft.race_date,
            local_time=draft.start_time,
            zone=draft.timezone,
            **_draft_fields(draft),
        )
        return self.get_race(race_id=race.pk)

    def list_result_candidates(self, *, user_id: int, race_id: int) -> list[contracts.ResultCandidate]:
        race = Race.objects.filter(pk=race_id, hidden=False).first()
        if race is None:
            raise errors.RaceNotFound(f"no race {race_id}")
        return [
            contracts.ResultCandidate(
                run_id=run.id, name=run.name, start=run.start, distance_m=run.distance_m, elapsed_s=run.elapsed_s
            )
            for run in operations.list_result_candidates(user_id=user_id, race=race)
        ]

    def confirm_result(self, *, user_id: int, race_id: int, run_id: int, shared: bool = True) -> contracts.Result:
        registration = operations.confirm_result(user_id=user_id, race_id=race_id, run_id=run_id, shared=shared)
        return result_contract(registration)

    def export_user_data(self, *, user_id: int) -> contracts.RacesExport:
        return contracts.RacesExport(
            races_added=[race_contract(race) for race in queries.list_races_added_by(user_id=user_id)],
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
                for registration in queries.list_registrations_of(user_id=user_id)
            ],
        )
