"""Writes of the plans app: laying out a plan, moving it, and ticking sessions off with real runs."""

from __future__ import annotations

import datetime
import logging
import zoneinfo

from django.db import IntegrityError, transaction

from apps.accounts.interface.service import accounts_service
from apps.plans import pacing, schedule
from apps.plans.interface import errors
from apps.plans.models import Kind, Plan, PlannedSession, PlanTemplate, TemplateSession, Zone
from apps.races.interface import errors as races_errors
from apps.races.interface.service import races_service
from apps.runs.interface import contracts as runs_contracts
from apps.runs.interface.service import runs_service
from project.rpc import versions

logger = logging.getLogger(__name__)
RUNNING = list(runs_contracts.RUNNING_SPORTS)
TOLERANCE = 0.25  # a run fits a session within 25 % of its distance (or of its duration)
RACE_TOLERANCE = 0.05
PACE_HISTORY_DAYS = 180


def _forget_plans(user_id: int) -> None:
    """The user's plans change: callers' kept answers of them (the upcoming sessions) are stale once this commits."""
    versions.forget("plans", user_id=user_id)


def get_runner_today(user_id: int) -> datetime.date:
    zone = accounts_service.get_user(user_id=user_id).timezone
    return datetime.datetime.now(zoneinfo.ZoneInfo(zone)).date()


def _days(training_days: list[int]) -> list[int]:
    days = sorted(set(training_days))
    if not days or any(day not in range(7) for day in days):
        raise errors.InvalidPlan(
            "training days are weekdays 0 (Monday) to 6 (Sunday), at least one",
            fields={"training_days": ["Choose at least one day of the week."]},
        )
    return days


def _slots(template: PlanTemplate) -> list[tuple[schedule.Slot, TemplateSession]]:
    return [(schedule.Slot(week=s.week, order=s.order, kind=s.kind), s) for s in template.sessions.all()]


def _lay_out(
    template: PlanTemplate,
    slots: list[tuple[schedule.Slot, TemplateSession]],
    race_date: datetime.date,
    days: list[int],
    long_run_day: int,
    today: datetime.date,
) -> schedule.Layout:
    try:
        return schedule.lay_out(
            [slot for slot, _ in slots],
            weeks=template.weeks,
            race_date=race_date,
            training_days=days,
            today=today,
            long_run_day=long_run_day,
        )
    except schedule.CannotLayOut as error:
        raise errors.InvalidPlan(str(error), fields={error.field: [str(error)]}) from None


def _long_run_day(long_run_day: int | None, days: list[int], current: int | None = None) -> int:
    """The day asked for; else the plan's current one while it stays a training day; else the default."""
    if long_run_day is not None:
        return long_run_day
    return current if current in days else schedule.default_long_run_day(days)


def create_plan(
    *, user_id: int, race_id: int, template_slug: str, training_days: list[int], long_run_day: int | None = None
) -> Plan:
    days = _days(training_days)
    long_day = _long_run_day(long_run_day, days)
    try:
        race = races_service.get_race(race_id=race_id)
    except races_errors.RaceNotFound:
        raise errors.InvalidPlan(f"no race {race_id}", fields={"race_id": ["No such race."]}) from None
    template = PlanTemplate.objects.filter(slug=template_slug).prefetch_related("sessions").first()
    if template is None:
        raise errors.InvalidPlan(f"no plan template {template_slug!r}", fields={"template": ["No such plan."]})
    today = get_runner_today(user_id)
    if race.race_date <= today:
        raise errors.InvalidPlan("the race is today or over", fields={"race_id": ["Choose a race after today."]})
    slots = _slots(template)
    layout = _lay_out(template, slots, race.race_date, days, long_day, today)
    efforts = runs_service.list_best_efforts(
        user_id=user_id, start_date=today - datetime.timedelta(days=PACE_HISTORY_DAYS), end_date=today, sports=RUNNING
    )
    zone_paces, basis = pacing.paces(efforts, race.distance_m)
    try:
        with transaction.atomic():
            plan = Plan.objects.create(
                user_id=user_id,
                race_id=race.id,
                race_name=race.name,
                race_date=race.race_date,
                template=template,
                training_days=days,
                long_run_day=long_day,
                skipped_weeks=layout.skipped,
                paces=zone_paces,
                pace_basis=basis,
            )
            PlannedSession.objects.bulk_create(
                [_session(plan, source, layout, key) for key, source in _sources(slots).items() if key in layout.dates]
            )
            _forget_plans(user_id)
    except IntegrityError:
        raise errors.InvalidPlan(
            "you already have a plan for this race", fields={"race_id": ["You already have a plan for this race."]}
        ) from None
    logger.info(
        "plans.plan_created",
        extra={"plan_id": plan.pk, "user_id": user_id, "skipped_weeks": layout.skipped, "eased": len(layout.eased)},
    )
    return plan


def _sources(slots: list[tuple[schedule.Slot, TemplateSession]]) -> dict[tuple[int, int], TemplateSession]:
    return {(slot.week, slot.order): source for slot, source in slots}


def _content(source: TemplateSession, eased: bool) -> dict:
    """What a session is: the template's, or an easy run of the same length where it was eased."""
    if not eased:
        return {"kind": source.kind, "zone": source.zone, "description": source.description}
    what = Kind(source.kind).label.lower()
    return {"kind": Kind.EASY, "zone": Zone.EASY, "description": f"Easy instead of {what}: a hard day is next to it"}


def _session(plan: Plan, source: TemplateSession, layout: schedule.Layout, key: tuple[int, int]) -> PlannedSession:
    return PlannedSession(
        plan=plan,
        week=source.week,
        order=source.order,
        date=layout.dates[key],
        distance_m=source.distance_m,
        duration_s=source.duration_s,
        **_content(source, key in layout.eased),
    )


def reschedule_plan(
    *,
    plan: Plan,
    race_date: datetime.date | None = None,
    training_days: list[int] | None = None,
    long_run_day: int | None = None,
) -> Plan:
    """Move the sessions not done and not yet due onto the new race date, training days or long-run day.

    Done sessions, and the past (missed ones included), stay where they were. A session eased before may be a hard
    one again on the new days, and the other way round.
    """
    days = _days(training_days) if training_days is not None else plan.training_days
    long_day = _long_run_day(long_run_day, days, current=plan.long_run_day)
    new_race_date = race_date or plan.race_date
    today = get_runner_today(plan.user_id)
    slots = _slots(plan.template)
    layout = _lay_out(plan.template, slots, new_race_date, days, long_day, today)
    sources = _sources(slots)
    with transaction.atomic():
        existing = {(s.week, s.order): s for s in PlannedSession.objects.select_for_update().filter(plan=plan)}
        for key, session in existing.items():
            if session.run_id is not None or session.date <= today:
                continue
            if key in layout.dates and key in sources:
                session.date = layout.dates[key]
                for name, value in _content(sources[key], key in layout.eased).items():
                    setattr(session, name, value)
                session.save(update_fields=["date", "kind", "zone", "description"])
            else:
                session.delete()
        PlannedSession.objects.bulk_create(
            [_session(plan, sources[key], layout, key) for key in layout.dates if key not in existing]
        )
        plan.race_date, plan.training_days, plan.long_run_day = new_race_date, days, long_day
        plan.skipped_weeks = layout.skipped
        plan.save(update_fields=["race_date", "training_days", "long_run_day", "skipped_weeks"])
        _forget_plans(plan.user_id)
    return plan


def _fits(session: PlannedSession, run: runs_contracts.RunSummary) -> bool:
    if session.kind == "rest":
        return False
    if session.distance_m:
        tolerance = RACE_TOLERANCE if session.kind == "race" else TOLERANCE
        return abs(run.distance_m - session.distance_m) <= session.distance_m * tolerance
    if session.duration_s:
        return abs(run.moving_s - session.duration_s) <= session.duration_s * TOLERANCE
    return False


def tick_sessions(*, user_id: int, local_date: datetime.date) -> int:
    """Match the runner's runs of one local day to that day's sessions, from scratch. Returns how many are done.

    Each session takes the first run (by start) that fits it and no other session took, so a second run
    that day ticks nothing more, and a deleted run's session reopens. Idempotent, in any event order.
    """
    sessions = list(
        PlannedSession.objects.filter(plan__user_id=user_id, date=local_date).order_by("plan__race_date", "order")
    )
    if not sessions:
        return 0
    runs = sorted(
        runs_service.list_runs(
            user_id=user_id, start_date=local_date, end_date=local_date, sports=RUNNING, limit=50
        ).runs,
        key=lambda run: (run.start, run.id),
    )
    taken: set[int] = set()
    for session in sessions:
        fit = next((run for run in runs if run.id not in taken and _fits(session, run)), None)
        session.run_id = fit.id if fit else None
        if fit:
            taken.add(fit.id)
    PlannedSession.objects.bulk_update(sessions, ["run_id"])
    _forget_plans(user_id)
    return len(taken)


def move_to_race_date(*, race_id: int, race_date: datetime.date) -> None:
    for plan in Plan.objects.filter(race_id=race_id).select_related("template"):
        if plan.race_date != race_date:
            reschedule_plan(plan=plan, race_date=race_date)


def follow_race_name(*, race_id: int) -> None:
    """The plans made for a race take its name as the races service gives it now (so renames in any order end
    right); a race that is gone (merged, hidden) is left to `follow_merged_race`."""
    try:
        name = races_service.get_race(race_id=race_id).name
    except races_errors.RaceNotFound:
        return
    for plan in Plan.objects.filter(race_id=race_id).exclude(race_name=name):
        Plan.objects.filter(pk=plan.pk).update(race_name=name)
        _forget_plans(plan.user_id)


def follow_merged_race(*, race_id: int, into_id: int) -> None:
    for plan in Plan.objects.filter(race_id=race_id):
        if not Plan.objects.filter(user_id=plan.user_id, race_id=into_id).exists():
            Plan.objects.filter(pk=plan.pk).update(race_id=into_id)
            _forget_plans(plan.user_id)


def delete_plan(*, user_id: int, plan_id: int) -> None:
    deleted, _ = Plan.objects.filter(pk=plan_id, user_id=user_id).delete()
    _forget_plans(user_id)
    if not deleted:
        raise errors.PlanNotFound(f"no plan {plan_id} for this user")


def delete_user_data(*, user_id: int) -> None:
    Plan.objects.filter(user_id=user_id).delete()
    _forget_plans(user_id)
