"""A plan's page folds its sessions by week: the week's dates end on race day, and one week is open."""

import datetime
from dataclasses import dataclass

from apps.plans.schedule import plan_weeks

RACE = datetime.date(2027, 2, 25)  # a Thursday: week 3 of 3 runs from Friday 19 to race day


@dataclass(frozen=True)
class Session:
    week: int
    date: datetime.date


SESSIONS = [
    Session(3, datetime.date(2027, 2, 25)),
    Session(1, datetime.date(2027, 2, 9)),
    Session(2, datetime.date(2027, 2, 13)),
    Session(1, datetime.date(2027, 2, 6)),
    Session(3, datetime.date(2027, 2, 20)),
]


def _layout(today):
    return [
        (week.number, week.start, week.end, [session.date.day for session in week.sessions], week.current)
        for week in plan_weeks(SESSIONS, weeks=3, race_date=RACE, today=today)
    ]


def test_sessions_are_grouped_by_week_in_date_order_with_the_weeks_dates():
    assert _layout(datetime.date(2027, 2, 14)) == [
        (1, datetime.date(2027, 2, 5), datetime.date(2027, 2, 11), [6, 9], False),
        (2, datetime.date(2027, 2, 12), datetime.date(2027, 2, 18), [13], True),
        (3, datetime.date(2027, 2, 19), datetime.date(2027, 2, 25), [20, 25], False),
    ]


def test_before_the_plan_starts_its_first_week_is_open_and_after_race_day_none():
    assert [current for *_, current in _layout(datetime.date(2027, 1, 1))] == [True, False, False]
    assert [current for *_, current in _layout(datetime.date(2027, 2, 26))] == [False, False, False]
    assert [current for *_, current in _layout(RACE)] == [False, False, True]
