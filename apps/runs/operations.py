"""Writes on runs. Each function owns its transaction; stats are computed once, here."""

from __future__ import annotations

import datetime
import logging
import math
import zoneinfo
from typing import Any

from django.db import IntegrityError, transaction

from apps.accounts.interface.service import accounts_service
from apps.runs import listcache, stats
from apps.runs.interface import contracts, errors, events
from apps.runs.models import BestEffort, Run, RunStreams
from project import geo
from project.events import outbox

logger = logging.getLogger(__name__)

DUPLICATE_START_WINDOW = datetime.timedelta(seconds=60)
DUPLICATE_DISTANCE_TOLERANCE = 0.03


def _first_position(streams: contracts.Streams | None) -> tuple[float, float] | None:
    if streams is None or not streams.latitude or not streams.longitude:
        return None
    for lat, lon in zip(streams.latitude, streams.longitude, strict=True):
        if lat is not None and lon is not None:
            return lat, lon
    return None


def find_run_timezone(*, draft: contracts.RunDraft) -> str:
    """The run's IANA zone: as given, else where it started, else the runner's profile."""
    if draft.timezone:
        try:
            zoneinfo.ZoneInfo(draft.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise errors.InvalidRun(
                f"unknown time zone {draft.timezone!r}", fields={"timezone": ["unknown"]}
            ) from None
        return draft.timezone
    position = _first_position(draft.streams)
    if position is not None:
        found = geo.timezone_at(position[0], position[1])
        if found:
            return found
    return accounts_service.get_user(user_id=draft.user_id).timezone


def _computed(streams: contracts.Streams, sport: contracts.Sport) -> stats.ComputedStats:
    return stats.compute(
        family=contracts.FAMILY_OF[sport].value,
        time_s=streams.time_s,
        latitude=streams.latitude,
        longitude=streams.longitude,
        elevation_m=streams.elevation_m,
        heart_rate=streams.heart_rate,
        cadence=streams.cadence,
        device_distance_m=streams.distance_m,
    )


def _stats_of(draft: contracts.RunDraft) -> stats.ComputedStats:
    streams = draft.streams
    if streams is not None and len(streams.time_s) >= 2:
        computed = _computed(streams, draft.sport)
        if computed.distance_m == 0 and draft.distance_m:
            computed.distance_m = draft.distance_m  # no track and no device distance: trust the summary
        if draft.elapsed_s and draft.elapsed_s > computed.elapsed_s:
            computed.elapsed_s = draft.elapsed_s
        return computed
    if not draft.elapsed_s or draft.elapsed_s <= 0:
        raise errors.InvalidRun("a run needs a duration", fields={"elapsed_s": ["must be more than 0 seconds"]})
    if draft.distance_m is None or draft.distance_m < 0:
        raise errors.InvalidRun("a run needs a distance", fields={"distance_m": ["must be 0 or more metres"]})
    _check_speed(draft.sport, draft.distance_m, draft.elapsed_s)
    return stats.ComputedStats(
        elapsed_s=draft.elapsed_s,
        moving_s=draft.moving_s or draft.elapsed_s,
        distance_m=draft.distance_m,
        elevation_gain_m=draft.elevation_gain_m,
        elevation_loss_m=draft.elevation_loss_m,
        average_heart_rate=draft.average_heart_rate,
        max_heart_rate=draft.max_heart_rate,
        average_cadence=draft.average_cadence,
        splits=[],
        best_efforts=[],
    )


def _check_speed(sport: contracts.Sport, distance_m: float, elapsed_s: float) -> None:
    if contracts.too_fast(sport=sport, distance_m=distance_m, seconds=elapsed_s):
        raise errors.InvalidRun(
            f"{distance_m:.0f} m in {elapsed_s:.0f} s is faster than anyone moves on a {sport.value}",
            fields={"distance_m": ["too far for the time"], "elapsed_s": ["too short for the distance"]},
        )


def _duplicate_candidate(*, user_id: int, start: datetime.datetime, distance_m: float) -> Run | None:
    candidates = Run.objects.filter(
        user_id=user_id,
        hidden=False,
        start__gte=start - DUPLICATE_START_WINDOW,
        start__lte=start + DUPLICATE_START_WINDOW,
    ).order_by("start", "id")
    for candidate in candidates:
        longest = max(candidate.distance_m, distance_m)
        if longest == 0 or abs(candidate.distance_m - distance_m) / longest <= DUPLICATE_DISTANCE_TOLERANCE:
            return candidate
    return None


def _existing(draft: contracts.RunDraft) -> Run | None:
    if not draft.source_id:
        return None
    return Run.objects.filter(user_id=draft.user_id, source=draft.source, source_id=draft.source_id).first()


def _check_start(draft: contracts.RunDraft) -> None:
    _check_start_at(draft.start)


def _check_start_at(start: datetime.datetime) -> None:
    if not contracts.EARLIEST_START <= start <= contracts.latest_start():
        raise errors.InvalidRun(
            f"a run cannot start on {start.date().isoformat()}",
            fields={"start": [f"must be between {contracts.EARLIEST_START.year} and today"]},
        )


# What only a run entered by hand may have corrected: a recorded run's numbers come from its samples.
MANUAL_FIELDS = ("start", "distance_m", "elapsed_s", "average_heart_rate")
_LIMITS = {"distance_m": (0.0, 1_000_000.0), "elapsed_s": (0.0, 7 * 24 * 3600.0), "average_heart_rate": (25, 250)}


def _correct(run: Run, corrected: dict[str, Any]) -> None:
    """A manual run's start, distance, time or heart rate, checked, with what follows from them."""
    if run.source != contracts.Source.MANUAL:
        raise errors.InvalidRun(
            "only a run entered by hand can have its start, distance, time or heart rate changed",
            fields={name: ["comes from the recording"] for name in corrected},
        )
    for name, (low, high) in _LIMITS.items():
        value = corrected.get(name)
        if value is not None and not (math.isfinite(value) and low < value <= high):
            raise errors.InvalidRun(f"{name} must be above {low} and at most {high}", fields={name: ["out of range"]})
    if "start" in corrected:
        _check_start_at(corrected["start"])
        run.start = corrected["start"]
        run.local_date = run.start.astimezone(zoneinfo.ZoneInfo(run.timezone)).date()
    if "distance_m" in corrected:
        run.distance_m = corrected["distance_m"]
    if "elapsed_s" in corrected:
        run.elapsed_s = run.moving_s = corrected["elapsed_s"]  # no samples: moving is the whole time
    if "average_heart_rate" in corrected:
        run.average_heart_rate = corrected["average_heart_rate"]
    _check_speed(contracts.Sport(run.sport), run.distance_m, run.elapsed_s)


def record_run(*, draft: contracts.RunDraft) -> tuple[Run, bool]:
    """Store `draft` (computing its stats) unless its source id is already stored. Returns (run, created)."""
    _check_start(draft)
    existing = _existing(draft)
    if existing is not None:
        return existing, False
    timezone_name = find_run_timezone(draft=draft)  # may call the accounts service: before any transaction
    computed = _stats_of(draft)
    start = draft.start.astimezone(datetime.UTC)
    try:
        with transaction.atomic():
            run = _create(draft=draft, computed=computed, start=start, timezone_name=timezone_name)
    except IntegrityError:
        existing = _existing(draft)  # stored meanwhile by a concurrent import of the same source
        if existing is None:
            raise
        return existing, False
    logger.info("runs.run_recorded", extra={"run_id": run.pk, "user_id": run.user_id, "source": run.source})
    return run, True


def _create(*, draft: contracts.RunDraft, computed: stats.ComputedStats, start: datetime.datetime, timezone_name: str):
    duplicate_of = _duplicate_candidate(user_id=draft.user_id, start=start, distance_m=computed.distance_m)
    run = Run.objects.create(
        user_id=draft.user_id,
        source=draft.source.value,
        source_id=draft.source_id,
        name=draft.name[:200],
        sport=draft.sport.value,
        start=start,
        timezone=timezone_name,
        local_date=start.astimezone(zoneinfo.ZoneInfo(timezone_name)).date(),
        elapsed_s=computed.elapsed_s,
        moving_s=draft.moving_s or computed.moving_s,
        distance_m=round(computed.distance_m, 1),
        elevation_gain_m=computed.elevation_gain_m
        if computed.elevation_gain_m is not None
        else draft.elevation_gain_m,
        elevation_loss_m=computed.elevation_loss_m
        if computed.elevation_loss_m is not None
        else draft.elevation_loss_m,
        average_heart_rate=computed.average_heart_rate or draft.average_heart_rate,
        max_heart_rate=computed.max_heart_rate or draft.max_heart_rate,
        average_cadence=computed.average_cadence or draft.average_cadence,
        calories=draft.calories,
        laps=[lap.model_dump() for lap in draft.laps],
        splits=computed.splits,
        polyline=computed.polyline,
        notes=draft.notes,
        source_note=draft.source_note[:500],
        hidden=duplicate_of is not None,
        duplicate_of=duplicate_of,
    )
    if draft.streams is not None and len(draft.streams.time_s) >= 2:
        RunStreams.objects.create(run=run, data=RunStreams.pack(draft.streams.model_dump(exclude_none=True)))
    _store_best_efforts(run, computed, replace=False)
    _forget_lists_on_commit(run.user_id)
    outbox.publish(
        events.RunRecorded(
            run_id=run.pk,
            user_id=run.user_id,
            local_date=run.local_date,
            sport=run.sport,
            distance_m=run.distance_m,
            moving_s=run.moving_s,
            hidden=run.hidden,
        )
    )
    return run


def _store_best_efforts(run: Run, computed: stats.ComputedStats, *, replace: bool = True) -> None:
    """Store (or `replace`) the run's best efforts with `computed`'s, tagged with the run's sport family."""
    if replace:  # a run being created has none: no delete on the import path
        BestEffort.objects.filter(run=run).delete()
    family = contracts.FAMILY_OF[contracts.Sport(run.sport)].value
    BestEffort.objects.bulk_create(
        [BestEffort(run=run, user_id=run.user_id, family=family, **effort) for effort in computed.best_efforts]
    )


def _forget_lists_on_commit(user_id: int) -> None:
    transaction.on_commit(lambda: listcache.forget_lists(user_id), robust=True)


def _owned(*, user_id: int, run_id: int, lock: bool = False) -> Run:
    runs = Run.objects.select_for_update() if lock else Run.objects
    run = runs.filter(pk=run_id, user_id=user_id).first()
    if run is None:
        raise errors.RunNotFound(f"no run {run_id} for this user")
    return run


def update_run(*, user_id: int, run_id: int, changes: dict[str, Any]) -> Run:
    changes = dict(changes)
    corrected = {name: changes.pop(name) for name in MANUAL_FIELDS if name in changes}
    with transaction.atomic():
        run = _owned(user_id=user_id, run_id=run_id, lock=True)
        sport_before, date_before = run.sport, run.local_date
        if corrected:
            _correct(run, corrected)
            changes |= {"start": run.start}  # saved below, with what follows from it
        for name, value in changes.items():
            setattr(run, name, value.value if hasattr(value, "value") else value)
        if changes.get("hidden") is False:
            run.duplicate_of = None  # the runner keeps both: it is no longer a duplicate
        if changes:
            run.full_clean(exclude=["laps", "splits", "polyline", "notes", "name", "duplicate_of"])
            run.save()
            announce_change(run=run, date_before=date_before, sport_before=sport_before)
    return run


def announce_change(*, run: Run, date_before: datetime.date, sport_before: str) -> None:
    """A run just saved changed (by its runner, `update_run`, or by staff in the admin), within its transaction:
    its efforts computed anew for another sport's family (a ride's are not a run's), its runner's lists forgotten,
    and subscribers told of its old day and its new one, so that month summaries and plans follow."""
    if contracts.FAMILY_OF[contracts.Sport(run.sport)] is not contracts.FAMILY_OF[contracts.Sport(sport_before)]:
        _recompute_in_transaction(run)
    _forget_lists_on_commit(run.user_id)
    for local_date in sorted({date_before, run.local_date}):
        outbox.publish(
            events.RunUpdated(
                run_id=run.pk, user_id=run.user_id, local_date=local_date, sport=run.sport, hidden=run.hidden
            )
        )


def delete_run(*, user_id: int, run_id: int) -> None:
    with transaction.atomic():
        run = _owned(user_id=user_id, run_id=run_id, lock=True)
        _forget_lists_on_commit(user_id)  # before the events: an eager subscriber may list runs at once
        duplicates = list(run.duplicates.order_by("start", "id"))
        if duplicates:
            # The first duplicate takes the deleted run's place; the others now duplicate it.
            promoted, rest = duplicates[0], duplicates[1:]
            Run.objects.filter(pk=promoted.pk).update(hidden=False, duplicate_of=None)
            Run.objects.filter(pk__in=[d.pk for d in rest]).update(duplicate_of=promoted)
            outbox.publish(
                events.RunUpdated(
                    run_id=promoted.pk,
                    user_id=user_id,
                    local_date=promoted.local_date,
                    sport=promoted.sport,
                    hidden=False,
                )
            )
        outbox.publish(events.RunDeleted(run_id=run.pk, user_id=user_id, local_date=run.local_date))
        run.delete()


def delete_source_runs(*, user_id: int, source: str) -> int:
    """Every run of the user from one source, each announced with `RunDeleted`."""
    with transaction.atomic():
        runs = list(Run.objects.select_for_update().filter(user_id=user_id, source=source).values("id", "local_date"))
        _forget_lists_on_commit(user_id)
        for run in runs:
            outbox.publish(events.RunDeleted(run_id=run["id"], user_id=user_id, local_date=run["local_date"]))
        Run.objects.filter(pk__in=[run["id"] for run in runs]).delete()
    logger.info("runs.source_runs_deleted", extra={"user_id": user_id, "source": source, "runs": len(runs)})
    return len(runs)


def delete_user_runs(*, user_id: int) -> int:
    """Every run of a deleted user (on `accounts.user_deleted`)."""
    with transaction.atomic():
        deleted, _ = Run.objects.filter(user_id=user_id).delete()
        _forget_lists_on_commit(user_id)
    logger.info("runs.user_runs_deleted", extra={"user_id": user_id, "rows": deleted})
    return deleted


def _recompute_in_transaction(run: Run) -> None:
    streams = RunStreams.objects.filter(run=run).first()
    if streams is None:
        BestEffort.objects.filter(run=run).delete()  # a manual run has none; a stale family's go
        return
    data = contracts.Streams.model_validate(streams.unpack())
    computed = _stats_of(
        contracts.RunDraft(
            user_id=run.user_id,
            source=contracts.Source(run.source),
            sport=contracts.Sport(run.sport),
            start=run.start,
            timezone=run.timezone,
            distance_m=run.distance_m,
            streams=data,
        )
    )
    for name in ("splits", "polyline"):
        setattr(run, name, getattr(computed, name))
    for name in ("elevation_gain_m", "elevation_loss_m"):  # samples without altitude keep the source's own figure
        if getattr(computed, name) is not None:
            setattr(run, name, getattr(computed, name))
    if run.source != contracts.Source.STRAVA:  # Strava's own distance is kept, as attach_streams does
        run.distance_m = round(computed.distance_m, 1)  # moving time counts the raw samples: unchanged
    run.save()
    _store_best_efforts(run, computed)


def recompute_run(*, run: Run) -> Run:
    """Compute a run's stats again from its stored streams (after a change to `stats`)."""
    with transaction.atomic():
        run = _owned(user_id=run.user_id, run_id=run.pk, lock=True)
        _recompute_in_transaction(run)
        _forget_lists_on_commit(run.user_id)
        outbox.publish(
            events.RunUpdated(
                run_id=run.pk, user_id=run.user_id, local_date=run.local_date, sport=run.sport, hidden=run.hidden
            )
        )
    return run


def attach_run_streams(*, user_id: int, run_id: int, streams: contracts.Streams) -> Run:
    """Store a run's samples (fetched after the run, as from Strava) and compute what they allow."""
    if len(streams.time_s) < 2:
        raise errors.InvalidRun("a run's streams need at least two samples", fields={"streams": ["too short"]})
    with transaction.atomic():
        run = _owned(user_id=user_id, run_id=run_id, lock=True)
        computed = _computed(streams, contracts.Sport(run.sport))
        RunStreams.objects.update_or_create(
            run=run, defaults={"data": RunStreams.pack(streams.model_dump(exclude_none=True))}
        )
        run.splits, run.polyline = computed.splits, computed.polyline
        for field in (
            "elevation_gain_m",
            "elevation_loss_m",
            "average_heart_rate",
            "max_heart_rate",
            "average_cadence",
        ):
            if getattr(run, field) is None:
                setattr(run, field, getattr(computed, field))
        run.save()
        _store_best_efforts(run, computed)
        _forget_lists_on_commit(user_id)
        outbox.publish(
            events.RunUpdated(
                run_id=run.pk, user_id=user_id, local_date=run.local_date, sport=run.sport, hidden=run.hidden
            )
        )
    return run
