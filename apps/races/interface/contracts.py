"""What the races app hands out. No Django: these cross the wire as JSON."""

from __future__ import annotations

import datetime

from project.rpc.contracts import Contract


class Race(Contract):
    id: int
    name: str
    starts_at: datetime.datetime
    timezone: str
    race_date: datetime.date  # local, at the start
    distance_m: float
    city: str
    country: str
    latitude: float | None
    longitude: float | None
    website: str
    added_by_id: int | None
    runners: int  # how many said "I'm running this"


class RacePage(Contract):
    races: list[Race]
    total: int  # how many match, over every page


class Result(Contract):
    user_id: int
    run_id: int
    finish_s: float
    distance_m: float
    pace_s_per_km: float | None


class Registration(Contract):
    """A runner's "I'm running this", and their result once they confirmed one."""

    race: Race
    registered_at: datetime.datetime
    result_run_id: int | None
    finish_s: float | None
    result_distance_m: float | None
    result_shared: bool
    result_confirmed_at: datetime.datetime | None


class RacesExport(Contract):
    """What the races app holds about a runner, for their data export."""

    races_added: list[Race]  # hidden ones (spam, merged) too
    registrations: list[Registration]
