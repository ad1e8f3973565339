"""Events the runs app publishes. They carry what a summary needs, so subscribers need not call back."""

import datetime
from typing import ClassVar

from project.events.event import Event


class RunRecorded(Event):
    name: ClassVar[str] = "runs.run_recorded"
    version: ClassVar[int] = 1

    run_id: int
    user_id: int
    local_date: datetime.date
    sport: str
    distance_m: float
    moving_s: float
    hidden: bool


class RunUpdated(Event):
    name: ClassVar[str] = "runs.run_updated"
    version: ClassVar[int] = 1

    run_id: int
    user_id: int
    local_date: datetime.date
    sport: str
    hidden: bool


class RunDeleted(Event):
    name: ClassVar[str] = "runs.run_deleted"
    version: ClassVar[int] = 1

    run_id: int
    user_id: int
    local_date: datetime.date
