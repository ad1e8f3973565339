"""Writes of the races app: adding and changing races, saying "I'm running this", results."""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.races import queries
from apps.races.interface import contracts, errors, events
from apps.races.models import Race, Registration
from apps.runs.interface import contracts as runs_contracts
from apps.runs.interface import errors as runs_errors
from apps.runs.interface.service import runs_service
from project import geo
from project.events import outbox
from project.rpc import versions
from project.validators import validate_timezone

logger = logging.getLogger(__name__)
EDITABLE = ("name", "distance_m", "city", "country", "latitude", "longitude", "website")


def _forget_races() -> None:
    """Races or who runs them change: every caller's kept overview of races (one version for all runners, since
    each sees the others' races) is stale once this commits."""
    versions.forget("races")


def _invalid_race(error: ValidationError) -> errors.InvalidRace:
    """Django's per-field messages, as the interface's error (it crosses the wire with them)."""
    fields = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    return errors.InvalidRace(fields=fields)


def is_race_day_over(race: Race) -> bool:
    """Whether the race's local date has come, where it is run."""
    return race.race_date <= timezone.now().astimezone(zoneinfo.ZoneInfo(race.timezone)).date()


def _check_date(local_date: datetime.date) -> None:
    problem = contracts.race_date_problem(local_date, today=datetime.datetime.now(datetime.UTC).date())
    if problem:
        raise ValidationError({"race_date": [problem]})


def _place_in_time(race: Race, local_date: datetime.date, local_time: datetime.time, zone: str | None) -> None:
    if not zone and race.latitude is not None and race.longitude is not None:
        zone = geo.timezone_at(race.latitude, race.longitude)
    if not zone:
        raise ValidationError({"timezone": ["Choose the race's time zone (or give its coordinates)."]})
    try:
        validate_timezone(zone)
    except ValidationError as error:
        raise ValidationError({"timezone": error.messages}) from None
    tz = zoneinfo.ZoneInfo(zone)
    race.timezone = zone
    race.race_date = local_date
    try:
        race.starts_at = datetime.datetime.combine(local_date, local_time, tzinfo=tz).astimezone(datetime.UTC)
    except (OverflowError, ValueError):  # a start at the very edge of the calendar does not fit in UTC
        raise ValidationError({"race_date": ["The start does not fit in the calendar; check the date."]}) from None


def create_race(
    *, added_by_id: int, local_date: datetime.date, local_time: datetime.time, zone: str | None, **fields: Any
) -> Race:
    """Add a race. Raises InvalidRace with per-field messages."""
    race = Race(added_by_id=added_by_id, **{k: v for k, v in fields.items() if k in EDITABLE})
    try:
        _check_date(local_date)
        _place_in_time(race, local_date, local_time, zone)
        race.full_clean(exclude=["merged_into"])
    except ValidationError as error:
        raise _invalid_race(error) from None
    race.save()
    _forget_races()
    logger.info("races.race_added", extra={"race_id": race.pk, "user_id": added_by_id})
    return race


def may_edit(race: Race, *, user_id: int, is_staff: bool) -> bool:
    return is_staff or (race.added_by_id is not None and race.added_by_id == user_id)


def update_race(
    *,
    race_id: int,
    user_id: int,
    is_staff: bool,
    local_date: datetime.date | None = None,
    local_time: datetime.time | None = None,
    zone: str | None = None,
    **changes: Any,
) -> Race:
    with transaction.atomic():
        race = Race.objects.select_for_update().filter(pk=race_id, hidden=False).first()
        if race is None:
            raise errors.RaceNotFound(f"no race {race_id}")
        if not may_edit(race, user_id=user_id, is_staff=is_staff):
            raise errors.NotAllowed()
        old_date, old_name = race.race_date, race.name
        for name, value in changes.items():
            if name in EDITABLE:
                setattr(race, name, value)
        try:
            if local_date and local_date != old_date:
                _check_date(local_date)
            if local_date or local_time or zone:
                local = race.starts_at.astimezone(zoneinfo.ZoneInfo(race.timezone))
                _place_in_time(race, local_date or local.date(), local_time or local.time(), zone or race.timezone)
            race.full_clean(exclude=["merged_into"])
        except ValidationError as error:
            raise _invalid_race(error) from None
        race.save()
        _forget_races()
        announce_changes(race, old_date=old_date, old_name=old_name)
    return race


def announce_changes(race: Race, *, old_date: datetime.date, old_name: str) -> None:
    """Tell plans of a new date or name (within the transaction that saved the race: `update_race`, the admin)."""
    if race.race_date != old_date:
        outbox.publish(events.RaceRescheduled(race_id=race.pk, race_date=race.race_date))
    if race.name != old_name:
        outbox.publish(events.RaceRenamed(race_id=race.pk))


def set_running(*, user_id: int, race_id: int, running: bool) -> None:
    race = Race.objects.filter(pk=race_id, hidden=False).first()
    if race is None:
        raise errors.RaceNotFound(f"no race {race_id}")
    if running:
        try:
            with transaction.atomic():
                Registration.objects.create(race=race, user_id=user_id)
        except IntegrityError:
            pass  # already running it: saying so twice changes nothing
    else:
        Registration.objects.filter(race=race, user_id=user_id).delete()
    _forget_races()


def merge_races(*, duplicate: Race, into: Race) -> None:
    """Staff: `duplicate` disappears into `into`; its runners and their results move, without doubles."""
    if duplicate.pk == into.pk:
        raise ValueError("a race cannot be merged into itself")
    with transaction.atomic():
        already = set(Registration.objects.filter(race=into).values_list("user_id", flat=True))
        Registration.objects.filter(race=duplicate).exclude(user_id__in=already).update(race=into)
        Registration.objects.filter(race=duplicate).delete()
        duplicate.hidden, duplicate.merged_into = True, into
        duplicate.save(update_fields=["hidden", "merged_into", "updated_at"])
        outbox.publish(events.RaceMerged(race_id=duplicate.pk, into_id=into.pk))
        _forget_races()
    logger.info("races.race_merged", extra={"race_id": duplicate.pk, "into_id": into.pk})


def list_result_candidates(*, user_id: int, race: Race) -> list[runs_contracts.RunSummary]:
    """The runner's runs on race day whose distance is within 5% of the race's, closest first."""
    page = runs_service.list_runs(
        user_id=user_id,
        start_date=race.race_date,
        end_date=race.race_date,
        sports=list(runs_contracts.RUNNING_SPORTS),
        limit=20,
    )
    fits = [
        run
        for run in page.runs
        if abs(run.distance_m - race.distance_m) <= race.distance_m * queries.DISTANCE_TOLERANCE
    ]
    return sorted(fits, key=lambda run: abs(run.distance_m - race.distance_m))


def _invalid_result(message: str) -> errors.InvalidResult:
    return errors.InvalidResult(message, fields={"run_id": [message]})


def confirm_result(*, user_id: int, race_id: int, run_id: int, shared: bool = True) -> Registration:
    """Keep one of the runner's runs as their result. Raises RaceNotFound or InvalidResult."""
    race = Race.objects.filter(pk=race_id, hidden=False).first()
    if race is None:
        raise errors.RaceNotFound(f"no race {race_id}")
    if not is_race_day_over(race):
        raise _invalid_result("The race has not happened yet.")
    try:
        run = runs_service.get_run(user_id=user_id, run_id=run_id)
    except runs_errors.RunNotFound:
        raise _invalid_result("That is not one of your runs.") from None
    if run.id not in {candidate.id for candidate in list_result_candidates(user_id=user_id, race=race)}:
        raise _invalid_result("That run is not on race day, or its distance is not the race's.")
    with transaction.atomic():
        registration, _ = Registration.objects.get_or_create(race=race, user_id=user_id)
        registration.result_run_id = run.id
        registration.finish_s = run.elapsed_s
        registration.result_distance_m = run.distance_m
        registration.result_shared = shared
        registration.result_confirmed_at = timezone.now()
        registration.save()
        _forget_races()
    return registration


def delete_user_data(*, user_id: int) -> None:
    with transaction.atomic():
        Registration.objects.filter(user_id=user_id).delete()
        Race.objects.filter(added_by_id=user_id).update(added_by_id=None)  # the race stays: others may run it
        _forget_races()
