"""Events the races app publishes."""

import datetime
from typing import ClassVar

from project.events.event import Event


class RaceRescheduled(Event):
    """A race's date changed; plans laid out for it move with it."""

    name: ClassVar[str] = "races.race_rescheduled"
    version: ClassVar[int] = 1

    race_id: int
    race_date: datetime.date


class RaceMerged(Event):
    """Staff merged a duplicate race into another; whatever pointed at `race_id` now points at `into_id`."""

    name: ClassVar[str] = "races.race_merged"
    version: ClassVar[int] = 1

    race_id: int
    into_id: int


class RaceRenamed(Event):
    """A race's name changed; plans made for it, which show it, read it again from the races service."""

    name: ClassVar[str] = "races.race_renamed"
    version: ClassVar[int] = 1

    race_id: int
