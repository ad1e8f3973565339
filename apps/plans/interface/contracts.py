"""What the plans app hands out. No Django: these cross the wire as JSON."""

from __future__ import annotations

import datetime
import enum

from project.rpc.contracts import Contract


class Status(enum.StrEnum):
    UPCOMING = "upcoming"
    DONE = "done"
    MISSED = "missed"


class TemplateSummary(Contract):
    slug: str
    name: str
    distance_m: float
    level: str
    weeks: int
    sessions: int
    description: str


class Session(Contract):
    id: int
    plan_id: int
    week: int
    date: datetime.date
    kind: str
    distance_m: float | None
    duration_s: int | None
    zone: str
    target_pace_s_per_km: float | None  # None: see `feel`
    feel: str
    description: str
    status: Status  # missed: its day is over (in the runner's time zone) and no run fitted it
    run_id: int | None
    race_name: str = ""  # the race its plan prepares for: which plan, where a runner follows several


class Plan(Contract):
    id: int
    user_id: int
    race_id: int
    race_name: str
    race_date: datetime.date
    template: TemplateSummary
    training_days: list[int]  # 0 = Monday
    long_run_day: int = 6  # one of the training days: each week's long run is on it
    skipped_weeks: int
    pace_basis: str
    sessions: list[Session]


class PlansExport(Contract):
    """What the plans app holds about a runner, for their data export."""

    plans: list[Plan]  # each with its sessions
