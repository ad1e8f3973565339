"""What the races app hands out. No Django: these cross the wire as JSON."""

from __future__ import annotations

import datetime

from project.rpc.contracts import Contract

# The distances the race form offers, in metres; any other is "Other distance".
STANDARD_DISTANCES: list[tuple[float, str]] = [
    (5000.0, "5 km"),
    (10000.0, "10 km"),
    (21097.5, "Half marathon"),
    (42195.0, "Marathon"),
]


# The dates a race may be added or moved to: up to a year back (a runner adding the race they have just run, to keep
# their result) and RACE_YEARS_AHEAD ahead. A race already on another date keeps it when other fields change.
RACE_DAYS_BACK = 366
RACE_YEARS_AHEAD = 5


def race_date_problem(race_date: datetime.date, *, today: datetime.date) -> str | None:
    """What is wrong with a new date for a race, or None."""
    earliest = today - datetime.timedelta(days=RACE_DAYS_BACK)
    latest = today + datetime.timedelta(days=round(365.25 * RACE_YEARS_AHEAD))
    if race_date < earliest:
        return f"Give a date from {earliest.isoformat()} on: races are added to be run, or just after."
    if race_date > latest:
        return f"Give a date up to {latest.isoformat()}: a race more than {RACE_YEARS_AHEAD} years ahead is a typo."
    return None


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


class RaceDraft(Contract):
    """A race as a runner describes it (to add it, or to replace what it says): the start in local time."""

    name: str
    race_date: datetime.date  # local, at the start
    start_time: datetime.time  # local
    timezone: str | None  # IANA; None: the zone at (latitude, longitude) when adding, the race's own when changing
    distance_m: float
    city: str
    country: str
    latitude: float | None = None
    longitude: float | None = None
    website: str = ""


class RacePage(Contract):
    races: list[Race]
    total: int  # how many match, over every page


class RacesOverview(Contract):
    """What a runner's home page shows of races, in one call."""

    running: list[Race]  # the upcoming races they said they are running, soonest first
    others: list[Race]  # the next upcoming races others added


class Result(Contract):
    user_id: int
    run_id: int
    finish_s: float
    distance_m: float
    pace_s_per_km: float | None


class ResultCandidate(Contract):
    """One of the runner's runs on race day that could be their result."""

    run_id: int
    name: str
    start: datetime.datetime
    distance_m: float
    elapsed_s: float


class RaceForRunner(Contract):
    """A race as one runner sees it on its page."""

    race: Race
    may_edit: bool  # they added it, or they are staff
    running: bool  # they said "I'm running this"
    race_day_over: bool  # the race's local date has come, where it is run
    result: Result | None  # theirs, once they confirmed one
    results: list[Result]  # the shared ones, fastest first


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
