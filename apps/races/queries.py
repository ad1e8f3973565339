"""Reads of the races app."""

from __future__ import annotations

import datetime
import math

from django.db.models import Count, Q, QuerySet

from apps.races.models import Race, Registration
from project import geo

DISTANCE_TOLERANCE = 0.05


def list_visible_races() -> QuerySet[Race]:
    return Race.objects.filter(hidden=False).annotate(runners=Count("registrations"))


# A race as its contract has it (`contracts.Race`), for reads that need no model instances.
RACE_FIELDS = (
    "id",
    "name",
    "starts_at",
    "timezone",
    "race_date",
    "distance_m",
    "city",
    "country",
    "latitude",
    "longitude",
    "website",
    "added_by_id",
    "runners",
)


def get_overview(*, user_id: int, today: datetime.date, others: int) -> tuple[list[dict], list[dict]]:
    """A runner's home page's races, in two queries, as rows of RACE_FIELDS, soonest first: the upcoming races
    they are running, and the next `others` upcoming ones added by someone else (no count of them all)."""
    upcoming = list_visible_races().filter(race_date__gte=today).order_by("starts_at", "id")
    running = upcoming.filter(pk__in=Registration.objects.filter(user_id=user_id).values("race_id"))
    added_by_others = upcoming.exclude(added_by_id=user_id)
    return list(running.values(*RACE_FIELDS)), list(added_by_others.values(*RACE_FIELDS)[:others])


def list_races_added_by(*, user_id: int) -> QuerySet[Race]:
    """Every race the user added, hidden ones too, soonest first."""
    return (
        Race.objects.filter(added_by_id=user_id).annotate(runners=Count("registrations")).order_by("starts_at", "id")
    )


def list_registrations_of(*, user_id: int) -> list[Registration]:
    """The user's registrations with their races (each annotated with its runners), soonest race first."""
    registrations = list(Registration.objects.filter(user_id=user_id).order_by("race__starts_at", "race_id"))
    races = Race.objects.annotate(runners=Count("registrations")).in_bulk([r.race_id for r in registrations])
    for registration in registrations:
        registration.race = races[registration.race_id]
    return registrations


def _bounding_box(latitude: float, longitude: float, radius_km: float) -> Q:
    """A box around the circle, for the index; the exact great-circle test follows in Python."""
    dlat = math.degrees(radius_km * 1000 / geo.EARTH_RADIUS_M)
    box = Q(latitude__gte=latitude - dlat, latitude__lte=latitude + dlat)
    cos_lat = math.cos(math.radians(min(89.9, abs(latitude) + dlat)))
    dlon = math.degrees(radius_km * 1000 / (geo.EARTH_RADIUS_M * cos_lat)) if cos_lat > 0 else 360.0
    if dlon < 180 and longitude - dlon >= -180 and longitude + dlon <= 180:
        box &= Q(longitude__gte=longitude - dlon, longitude__lte=longitude + dlon)
    return box & Q(longitude__isnull=False)


def find_races(
    *,
    text: str = "",
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    distance_m: float | None = None,
    today: datetime.date,
    include_past: bool = False,
    exclude_added_by: int | None = None,
) -> QuerySet[Race]:
    """Visible races matching the filters, soonest first (the position is `within`'s job)."""
    races = list_visible_races()
    if not include_past:
        races = races.filter(race_date__gte=today)
    if start_date:
        races = races.filter(race_date__gte=start_date)
    if end_date:
        races = races.filter(race_date__lte=end_date)
    if distance_m:
        races = races.filter(
            distance_m__gte=distance_m * (1 - DISTANCE_TOLERANCE),
            distance_m__lte=distance_m * (1 + DISTANCE_TOLERANCE),
        )
    for word in text.split():
        races = races.filter(Q(name__icontains=word) | Q(city__icontains=word) | Q(country__icontains=word))
    if exclude_added_by is not None:
        races = races.exclude(added_by_id=exclude_added_by)
    return races.order_by("starts_at", "id")


def filter_within(races: QuerySet[Race], *, latitude: float, longitude: float, radius_km: float) -> list[Race]:
    """The races whose position is at most `radius_km` from the point, by great-circle distance."""
    return [
        race
        for race in races.filter(_bounding_box(latitude, longitude, radius_km))
        if race.latitude is not None
        and race.longitude is not None
        and geo.haversine_m(latitude, longitude, race.latitude, race.longitude) <= radius_km * 1000
    ]


def get_registration(*, user_id: int, race_id: int) -> Registration | None:
    return Registration.objects.filter(user_id=user_id, race_id=race_id).first()


def list_shared_results(*, race_id: int) -> list[Registration]:
    return list(
        Registration.objects.filter(race_id=race_id, result_confirmed_at__isnull=False, result_shared=True).order_by(
            "finish_s", "user_id"
        )
    )
