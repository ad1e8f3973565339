"""For other apps' tests: add races through the races app, without touching its models."""

from __future__ import annotations

import datetime

from apps.races.interface import contracts


def add_race(
    *,
    added_by_id: int,
    name: str = "City 10K",
    race_date: datetime.date,
    distance_m: float = 10000.0,
    city: str = "Paris",
    country: str = "France",
    latitude: float | None = 48.8566,
    longitude: float | None = 2.3522,
    timezone: str | None = "Europe/Paris",
    start: datetime.time = datetime.time(9, 0),
) -> contracts.Race:
    from apps.races import operations
    from apps.races.interface.local import LocalRacesService

    race = operations.create_race(
        added_by_id=added_by_id,
        local_date=race_date,
        local_time=start,
        zone=timezone,
        name=name,
        distance_m=distance_m,
        city=city,
        country=country,
        latitude=latitude,
        longitude=longitude,
    )
    return LocalRacesService().get_race(race_id=race.pk)
