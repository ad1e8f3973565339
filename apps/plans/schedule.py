"""Laying a template's weeks on dates. Pure: no database, no clock (today is passed in).

Week N (the last) ends on race day, week N-1 the seven days before, and so on. Each week's sessions
go on the runner's training days inside that week, spread from the first to the last of them, in
the template's order; the race itself goes on race day whatever the weekday. A week that starts
before `today` is skipped (joining late), and how many were is reported.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar


class NotEnoughDays(ValueError):
    pass


@dataclass(frozen=True)
class Slot:
    week: int
    order: int
    kind: str


def _spread(days: list[datetime.date], count: int) -> list[datetime.date]:
    if count == 1:
        return [days[-1]]
    return [days[round(i * (len(days) - 1) / (count - 1))] for i in range(count)]


def lay_out(
    slots: list[Slot], *, weeks: int, race_date: datetime.date, training_days: list[int], today: datetime.date
) -> tuple[dict[tuple[int, int], datetime.date], int]:
    """{(week, order): date} for every session from the first week that has not started; and the weeks skipped."""
    days_per_week = len(set(training_days))
    if not days_per_week:
        raise NotEnoughDays("Choose at least one training day.")
    dates: dict[tuple[int, int], datetime.date] = {}
    skipped = 0
    for week in range(1, weeks + 1):
        week_end = race_date - datetime.timedelta(days=7 * (weeks - week))
        week_start = week_end - datetime.timedelta(days=6)
        in_week = [s for s in slots if s.week == week and s.kind != "rest"]
        if week_start <= today and week < weeks:
            skipped += 1
            continue
        race = [s for s in in_week if s.kind == "race"]
        others = [s for s in in_week if s.kind != "race"]
        last_day = race_date - datetime.timedelta(days=1) if race else week_end
        available = [
            week_start + datetime.timedelta(days=i)
            for i in range((last_day - week_start).days + 1)
            if (week_start + datetime.timedelta(days=i)).weekday() in training_days
            and week_start + datetime.timedelta(days=i) > today
        ]
        if len(others) > len(available):
            if week == weeks and week_start <= today:
                others = others[len(others) - len(available) :]  # race week, joined very late: the last ones
            else:
                raise NotEnoughDays(
                    f"This plan has {len(others)} runs in week {week}; choose at least {len(others)} training days."
                )
        for slot, day in zip(others, _spread(available, len(others)) if others else [], strict=True):
            dates[(slot.week, slot.order)] = day
        for slot in race:
            dates[(slot.week, slot.order)] = race_date
    return dates, skipped


class _Dated(Protocol):
    @property
    def week(self) -> int: ...

    @property
    def date(self) -> datetime.date: ...


S = TypeVar("S", bound=_Dated)


@dataclass(frozen=True)
class PlanWeek(Generic[S]):
    """One week of a plan as its page shows it: folded, but for the current week."""

    number: int
    start: datetime.date
    end: datetime.date
    sessions: list[S]
    current: bool


def plan_weeks(sessions: list[S], *, weeks: int, race_date: datetime.date, today: datetime.date) -> list[PlanWeek[S]]:
    """The plan's sessions by week, in order, with their week's dates (week `weeks` ends on race day).

    The current week is the one `today` falls in; before the plan starts, its first week; after race day, none.
    """
    by_week: dict[int, list[S]] = {}
    for session in sorted(sessions, key=lambda s: (s.week, s.date)):
        by_week.setdefault(session.week, []).append(session)
    laid: list[PlanWeek[S]] = []
    for number, in_week in sorted(by_week.items()):
        end = race_date - datetime.timedelta(days=7 * (weeks - number))
        start = end - datetime.timedelta(days=6)
        laid.append(PlanWeek(number, start, end, in_week, current=start <= today <= end))
    if laid and today < laid[0].start:
        laid[0] = dataclasses.replace(laid[0], current=True)
    return laid
