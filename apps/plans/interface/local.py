"""The in-process PlansService. The one place where plans' ORM objects become contracts."""

from __future__ import annotations

import datetime

from django.db.models import Count, Prefetch

from apps.plans import operations, pacing
from apps.plans.interface import contracts, errors
from apps.plans.interface.service import PlansService
from apps.plans.models import Plan, PlannedSession, PlanTemplate


def template_summary(template: PlanTemplate) -> contracts.TemplateSummary:
    return contracts.TemplateSummary(
        slug=template.slug,
        name=template.name,
        distance_m=template.distance_m,
        level=template.level,
        weeks=template.weeks,
        sessions=template.session_count,  # type: ignore[attr-defined]  # annotated by _templates()
        description=template.description,
    )


def _templates():
    # Meta.ordering is dropped in a GROUP BY query: say it again.
    return PlanTemplate.objects.annotate(session_count=Count("sessions")).order_by("distance_m", "level")


def session_contract(session: PlannedSession, paces: dict, today: datetime.date) -> contracts.Session:
    if session.run_id is not None:
        status = contracts.Status.DONE
    else:
        status = contracts.Status.MISSED if session.date < today else contracts.Status.UPCOMING
    return contracts.Session(
        id=session.pk,
        plan_id=session.plan_id,
        week=session.week,
        date=session.date,
        kind=session.kind,
        distance_m=session.distance_m,
        duration_s=session.duration_s,
        zone=session.zone,
        target_pace_s_per_km=paces.get(session.zone),
        feel=pacing.FEEL.get(session.zone, ""),
        description=session.description,
        status=status,
        run_id=session.run_id,
        race_name=session.plan.race_name,
    )


def plan_contract(plan: Plan, today: datetime.date) -> contracts.Plan:
    return contracts.Plan(
        id=plan.pk,
        user_id=plan.user_id,
        race_id=plan.race_id,
        race_name=plan.race_name,
        race_date=plan.race_date,
        template=template_summary(plan.template),
        training_days=plan.training_days,
        long_run_day=plan.long_run_day,
        skipped_weeks=plan.skipped_weeks,
        pace_basis=plan.pace_basis,
        sessions=[session_contract(s, plan.paces, today) for s in plan.sessions.all()],
    )


def _plans():
    return Plan.objects.prefetch_related(Prefetch("template", queryset=_templates()), "sessions")


class LocalPlansService(PlansService):
    def list_templates(self) -> list[contracts.TemplateSummary]:
        return [template_summary(t) for t in _templates()]

    def list_plans(self, *, user_id: int) -> list[contracts.Plan]:
        today = operations.get_runner_today(user_id)
        return [plan_contract(plan, today) for plan in _plans().filter(user_id=user_id)]

    def get_plan(self, *, user_id: int, plan_id: int) -> contracts.Plan:
        plan = _plans().filter(pk=plan_id, user_id=user_id).first()
        if plan is None:
            raise errors.PlanNotFound(f"no plan {plan_id} for this user")
        return plan_contract(plan, operations.get_runner_today(user_id))

    def get_feed_plan(self, *, plan_id: int) -> contracts.Plan:
        plan = _plans().filter(pk=plan_id).first()
        if plan is None:
            raise errors.PlanNotFound(f"no plan {plan_id}")
        return plan_contract(plan, operations.get_runner_today(plan.user_id))

    def create_plan(
        self, *, user_id: int, race_id: int, template: str, training_days: list[int], long_run_day: int | None = None
    ) -> contracts.Plan:
        plan = operations.create_plan(
            user_id=user_id,
            race_id=race_id,
            template_slug=template,
            training_days=training_days,
            long_run_day=long_run_day,
        )
        return self.get_plan(user_id=user_id, plan_id=plan.pk)

    def set_training_days(
        self, *, user_id: int, plan_id: int, training_days: list[int], long_run_day: int | None = None
    ) -> contracts.Plan:
        plan = Plan.objects.filter(pk=plan_id, user_id=user_id).select_related("template").first()
        if plan is None:
            raise errors.PlanNotFound(f"no plan {plan_id} for this user")
        operations.reschedule_plan(plan=plan, training_days=training_days, long_run_day=long_run_day)
        return self.get_plan(user_id=user_id, plan_id=plan_id)

    def delete_plan(self, *, user_id: int, plan_id: int) -> None:
        operations.delete_plan(user_id=user_id, plan_id=plan_id)

    def list_upcoming_sessions(
        self, *, user_id: int, limit: int = 5, today: datetime.date | None = None
    ) -> list[contracts.Session]:
        today = today or operations.get_runner_today(user_id)
        sessions = (
            PlannedSession.objects.filter(plan__user_id=user_id, date__gte=today, run_id__isnull=True)
            .select_related("plan")
            .order_by("date", "order")[: max(1, min(limit, 50))]
        )
        return [session_contract(s, s.plan.paces, today) for s in sessions]

    def export_user_data(self, *, user_id: int) -> contracts.PlansExport:
        return contracts.PlansExport(plans=self.list_plans(user_id=user_id))
