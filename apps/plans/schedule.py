"""Laying a template's weeks on dates, and comparing two layouts. Pure: no database, no clock (today is passed in).

Week N (the last) ends on race day, week N-1 the seven days before, and so on. In each week the long run goes
on the runner's long-run day and the race on race day, whatever the weekday; the week's other sessions go on
its other training days, spread out and in the template's order where they can be, but never a hard session
(`HARD`) the day before or after another one, in that week or the next. Where the days chosen leave no room
for that, the lesser hard session becomes an easy run ("eased"). A week that starts on or before `today` is
skipped (joining late), and how many were is reported.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

# The sessions that need an easy day either side, the most important first: when two of them can only fall on
# consecutive days, the later in this list is eased (the long run and the race never are).
HARD = ("race", "long", "intervals", "tempo")
SUNDAY = 6
ONE_DAY = datetime.timedelta(days=1)


class CannotLayOut(ValueError):
    """The plan does not fit the days chosen; the message says what to choose instead."""

    field = "training_days"


class NotEnoughDays(CannotLayOut):
    pass


class LongRunDayNotTrained(CannotLayOut):
    field = "long_run_day"


@dataclass(frozen=True)
class Slot:
    week: int
    order: int
    kind: str


@dataclass(frozen=True)
class Layout:
    dates: dict[tuple[int, int], datetime.date]  # (week, order): its day, for every session laid out
    skipped: int  # weeks that had started: left out
    eased: frozenset[tuple[int, int]]  # hard sessions made easy runs: no room for them away from another


def default_long_run_day(training_days: list[int]) -> int:
    """Sunday when it is a training day, else the last training day of the week (Monday first)."""
    return SUNDAY if SUNDAY in training_days else max(training_days)


def is_hard(kind: str) -> bool:
    return kind in HARD


@dataclass(frozen=True)
class _Week:
    start: datetime.date
    end: datetime.date
    fixed: dict[Slot, datetime.date]  # the race on race day, the long run on the long-run day
    movable: list[Slot]  # the others, in the template's order
    free: list[datetime.date]  # the training days left for them


def lay_out(
    slots: list[Slot],
    *,
    weeks: int,
    race_date: datetime.date,
    training_days: list[int],
    today: datetime.date,
    long_run_day: int | None = None,
) -> Layout:
    """Every session's day from the first week that has not started; `long_run_day` None: `default_long_run_day`.

    Raises `NotEnoughDays` (a week has more runs than training days), `LongRunDayNotTrained`."""
    days = set(training_days)
    if not days:
        raise NotEnoughDays("Choose at least one training day.")
    long_day = default_long_run_day(sorted(days)) if long_run_day is None else long_run_day
    if long_day not in days:
        raise LongRunDayNotTrained("Your long-run day must be one of your training days.")
    laid: list[_Week] = []
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
        last_day = race_date - ONE_DAY if race else week_end
        available = [day for day in _days_from(week_start, last_day) if day.weekday() in days and day > today]
        if len(others) > len(available):
            if week == weeks and week_start <= today:
                others = others[len(others) - len(available) :]  # race week, joined very late: the last ones
            else:
                raise NotEnoughDays(
                    f"This plan has {len(others)} runs in week {week}; choose at least {len(others)} training days."
                )
        fixed = {slot: race_date for slot in race}
        long_run = next((s for s in others if s.kind == "long"), None)
        if long_run is not None:
            target = week_start + datetime.timedelta(days=(long_day - week_start.weekday()) % 7)
            fixed[long_run] = min(available, key=lambda day: (abs((day - target).days), day))  # target if free
        free = [day for day in available if day not in fixed.values()]
        laid.append(_Week(week_start, week_end, fixed, [s for s in others if s not in fixed], free))

    known = {day for each in laid for day in each.fixed.values()}  # the days taken so far, all weeks'
    hard_days = set(known)  # the race and the long runs are hard
    dates: dict[tuple[int, int], datetime.date] = {}
    eased: set[tuple[int, int]] = set()
    for each in laid:
        placing, week_eased = _place(each, hard_days, known)
        for slot, day in (each.fixed | placing).items():
            dates[(slot.week, slot.order)] = day
        eased |= {(slot.week, slot.order) for slot in week_eased}
        known |= set(placing.values())
        hard_days |= {day for slot, day in placing.items() if is_hard(slot.kind) and slot not in week_eased}
    return Layout(dates, skipped, frozenset(eased))


def _days_from(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    return [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]


def _place(
    week: _Week, hard_days: set[datetime.date], known: set[datetime.date]
) -> tuple[dict[Slot, datetime.date], set[Slot]]:
    """The best of every way to put a week's movable sessions on its free days: the fewest eased, then the fewest
    hard days that would meet when the week repeats, the fewest runs on consecutive days, the most evenly spread,
    and the closest to the template's order."""
    hard = [slot for slot in week.movable if is_hard(slot.kind)]
    easy = [slot for slot in week.movable if not is_hard(slot.kind)]
    before = max((day for day in known if day < week.start), default=week.start - ONE_DAY)
    after = min((day for day in known if day > week.end), default=week.end + ONE_DAY)
    taken = {day for day in known if before <= day <= after}  # this week's race and long run, and its neighbours
    best: tuple[tuple[int, int, int, int, int], dict[Slot, datetime.date], set[Slot]] | None = None
    for chosen in itertools.combinations(week.free, len(week.movable)):
        for hard_at in itertools.combinations(range(len(chosen)), len(hard)):
            easy_at = [i for i in range(len(chosen)) if i not in hard_at]
            placing = dict(zip(hard, [chosen[i] for i in hard_at], strict=True))
            placing |= dict(zip(easy, [chosen[i] for i in easy_at], strict=True))
            eased = _eased(placing, hard_days)
            hard_here = [
                *week.fixed.values(),
                *(day for slot, day in placing.items() if slot in hard and slot not in eased),
            ]
            runs = sorted({*chosen, *taken})
            # Weeks repeat: a day six days after another in this week meets it in the next week (Sunday, Monday).
            repeating = sum(1 for a, b in itertools.combinations(sorted(hard_here), 2) if (b - a).days == 6)
            back_to_back = sum(1 for a, b in itertools.combinations(runs, 2) if (b - a).days in (1, 6))
            gaps = [(b - a).days for a, b in itertools.pairwise(sorted({before, *runs, after}))]
            disorder = sum(1 for a, b in itertools.combinations(week.movable, 2) if placing[a] > placing[b])
            score = (len(eased), repeating, back_to_back, sum(gap * gap for gap in gaps), disorder)
            if best is None or score < best[0]:
                best = (score, placing, eased)
    assert best is not None  # combinations() of n things taken 0 still yields one (empty) choice
    return best[1], best[2]


def _eased(placing: dict[Slot, datetime.date], hard_days: set[datetime.date]) -> set[Slot]:
    """The hard sessions to make easy so that no two hard days are consecutive: the most important kept first."""
    kept = set(hard_days)
    eased: set[Slot] = set()
    for slot in sorted((s for s in placing if is_hard(s.kind)), key=lambda s: (HARD.index(s.kind), placing[s])):
        day = placing[slot]
        if day - ONE_DAY in kept or day + ONE_DAY in kept:
            eased.add(slot)
        else:
            kept.add(day)
    return eased


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


class _Scheduled(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def date(self) -> datetime.date: ...

    @property
    def kind(self) -> str: ...


T = TypeVar("T", bound=_Scheduled)


@dataclass(frozen=True)
class Change(Generic[T]):
    """One session as it was and as it is now: `after` is None when it was dropped, `before` when it was added."""

    before: T | None
    after: T | None

    @property
    def day(self) -> datetime.date:
        return self.before.date if self.before is not None else self.after.date  # type: ignore[union-attr]


def changes(before: list[T], after: list[T]) -> list[Change[T]]:
    """What changed between two versions of a plan's sessions (matched by id): each one moved or made an easy run,
    dropped or added, in the order of the days they had."""
    now = {session.id: session for session in after}
    was = {session.id for session in before}
    found = [
        Change(old, now.get(old.id))
        for old in before
        if old.id not in now or (now[old.id].date, now[old.id].kind) != (old.date, old.kind)
    ]
    found += [Change(None, new) for new in after if new.id not in was]
    return sorted(found, key=lambda change: (change.day, change.after is None))
