from __future__ import annotations

import abc
import datetime

from apps.plans.interface import contracts
from project.rpc import interface as rpc
from project.rpc import routing


class PlansService(rpc.Service):
    name = "plans"
    local_implementation = "apps.plans.interface.local.LocalPlansService"
    # Renamed in 2026-12: callers deployed before still call the old wire names.
    renamed = {"upcoming_sessions": "list_upcoming_sessions"}

    @rpc.read_only
    @abc.abstractmethod
    def list_templates(self) -> list[contracts.TemplateSummary]:
        """Every plan template, by distance then level."""

    @rpc.read_only
    @abc.abstractmethod
    def list_plans(self, *, user_id: int) -> list[contracts.Plan]:
        """The runner's plans, soonest race first, each with its sessions."""

    @rpc.read_only
    @abc.abstractmethod
    def get_plan(self, *, user_id: int, plan_id: int) -> contracts.Plan:
        """One of the runner's plans. Raises `PlanNotFound` (also for another runner's plan)."""

    @rpc.read_only
    @abc.abstractmethod
    def get_feed_plan(self, *, plan_id: int) -> contracts.Plan:
        """Any runner's plan by its id alone, for its calendar feed: the caller has checked the feed's signed URL
        (which a calendar app fetches without logging in). Raises `PlanNotFound`."""

    @abc.abstractmethod
    def create_plan(
        self, *, user_id: int, race_id: int, template: str, training_days: list[int], long_run_day: int | None = None
    ) -> contracts.Plan:
        """Lay a template out for a race the runner can see. `long_run_day` is one of the training days; None:
        Sunday if it is one, else the last of them. Raises `InvalidPlan` (with what to fix)."""

    @rpc.idempotent
    @abc.abstractmethod
    def set_training_days(
        self, *, user_id: int, plan_id: int, training_days: list[int], long_run_day: int | None = None
    ) -> contracts.Plan:
        """Move the sessions not done yet onto other weekdays. `long_run_day` None keeps the plan's while it is
        still a training day. Raises `PlanNotFound`, `InvalidPlan`."""

    @rpc.idempotent
    @abc.abstractmethod
    def delete_plan(self, *, user_id: int, plan_id: int) -> None:
        """Raises `PlanNotFound`."""

    @rpc.kept_per_user
    @abc.abstractmethod
    def list_upcoming_sessions(
        self, *, user_id: int, limit: int = 5, today: datetime.date | None = None
    ) -> list[contracts.Session]:
        """The runner's next sessions from today, across plans. `today` is the runner's date in their time zone
        when the caller knows it (the dashboard does), which spares a call to accounts; else it is asked."""

    @rpc.read_only
    @abc.abstractmethod
    def export_user_data(self, *, user_id: int) -> contracts.PlansExport:
        """Every plan of the user with its sessions, soonest race first (the data export)."""


plans_service: PlansService = routing.delegator(PlansService)
