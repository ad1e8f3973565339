"""Laying plans out: the long run on the runner's day, hard sessions apart; what a change moved; the page's weeks."""

import datetime
import itertools
import json
import pathlib
from collections import Counter
from dataclasses import dataclass

import pytest

from apps.plans.schedule import (
    HARD,
    LongRunDayNotTrained,
    NotEnoughDays,
    Slot,
    changes,
    default_long_run_day,
    is_hard,
    lay_out,
    plan_weeks,
)

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


# --- Laying a template out: the long run on its day, never two hard days in a row ------------------------------

FIXTURE = pathlib.Path(__file__).resolve().parents[2] / "apps" / "plans" / "fixtures" / "plan_templates.json"
LONG_AGO = datetime.date(2026, 1, 1)  # "today" before any plan starts: no week skipped


def _shipped_templates() -> dict[str, tuple[int, list[Slot]]]:
    """slug: (weeks, slots) of every template in the fixture the app loads."""
    rows = json.loads(FIXTURE.read_text())
    templates = {row["pk"]: row["fields"] for row in rows if row["model"] == "plans.plantemplate"}
    slots: dict[int, list[Slot]] = {pk: [] for pk in templates}
    for row in rows:
        if row["model"] == "plans.templatesession":
            fields = row["fields"]
            slots[fields["template"]].append(Slot(fields["week"], fields["order"], fields["kind"]))
    return {fields["slug"]: (fields["weeks"], slots[pk]) for pk, fields in templates.items()}


TEMPLATES = _shipped_templates()
CHOICES = [  # (training days, long-run day): 0 = Monday
    ([1, 3, 6], 6),
    ([0, 2, 5], 5),
    ([0, 2, 4], 2),
    ([1, 3, 5, 6], 6),
    ([1, 3, 5, 6], 5),
    ([0, 2, 4, 6], 2),
    ([0, 1, 3, 5, 6], 6),
    ([0, 2, 3, 5, 6], 2),
    ([0, 1, 2, 4, 5], 5),
    ([0, 1, 2, 3, 4, 5, 6], 6),
]
RACE_DAYS = [datetime.date(2027, 5, 16), datetime.date(2027, 5, 15), datetime.date(2027, 5, 19)]  # Sun, Sat, Wed


def test_hard_sessions_are_defined_once_the_most_important_first():
    assert HARD == ("race", "long", "intervals", "tempo")
    assert [kind for kind in ("easy", "long", "tempo", "intervals", "rest", "race") if is_hard(kind)] == [
        "long",
        "tempo",
        "intervals",
        "race",
    ]


@pytest.mark.parametrize("race_date", RACE_DAYS, ids=lambda day: f"race-{day:%a}")
@pytest.mark.parametrize(("days", "long_run_day"), CHOICES, ids=lambda value: str(value))
@pytest.mark.parametrize("slug", sorted(TEMPLATES))
def test_every_template_puts_the_long_run_on_its_day_and_no_hard_sessions_on_consecutive_days(
    slug, days, long_run_day, race_date
):
    weeks, slots = TEMPLATES[slug]
    runs_a_week = max(Counter(slot.week for slot in slots if slot.kind not in ("rest", "race")).values())
    if runs_a_week > len(days):
        with pytest.raises(NotEnoughDays, match=f"choose at least {runs_a_week} training days"):
            lay_out(slots, weeks=weeks, race_date=race_date, training_days=days, today=LONG_AGO)
        return
    layout = lay_out(
        slots, weeks=weeks, race_date=race_date, training_days=days, today=LONG_AGO, long_run_day=long_run_day
    )
    assert layout.skipped == 0
    assert len(layout.dates) == len(slots)
    assert layout.eased == frozenset()  # these days leave room: nothing is made easy
    by_key = {(slot.week, slot.order): slot for slot in slots}
    assert {day.weekday() for key, day in layout.dates.items() if by_key[key].kind == "long"} == {long_run_day}
    assert all(day.weekday() in days for key, day in layout.dates.items() if by_key[key].kind != "race")
    assert len(set(layout.dates.values())) == len(slots)  # one session a day
    hard = sorted(day for key, day in layout.dates.items() if is_hard(by_key[key].kind))
    assert [(a, b) for a, b in itertools.pairwise(hard) if (b - a).days == 1] == []


def test_where_the_days_leave_no_room_the_tempo_run_becomes_easy_and_the_rest_keep_apart():
    weeks, slots = TEMPLATES["half-intermediate"]  # each week: easy, intervals, tempo, long
    race = datetime.date(2027, 5, 16)
    layout = lay_out(slots, weeks=weeks, race_date=race, training_days=[0, 1, 2, 3], today=LONG_AGO)
    by_key = {(slot.week, slot.order): slot for slot in slots}
    # Monday to Thursday, the long run on Thursday (the last training day): one of intervals and tempo must give.
    assert sorted(layout.eased) == [(week, 3) for week in range(1, 12)]  # the tempo run, weeks 1 to 11
    week_2 = sorted((day, by_key[key].kind, key in layout.eased) for key, day in layout.dates.items() if key[0] == 2)
    assert [(f"{day:%a}", kind, eased) for day, kind, eased in week_2] == [
        ("Mon", "easy", False),
        ("Tue", "intervals", False),
        ("Wed", "tempo", True),
        ("Thu", "long", False),
    ]
    hard = sorted(day for key, day in layout.dates.items() if is_hard(by_key[key].kind) and key not in layout.eased)
    assert [(a, b) for a, b in itertools.pairwise(hard) if (b - a).days == 1] == []


def test_the_long_run_day_must_be_a_training_day_and_defaults_to_sunday_or_the_last_one():
    weeks, slots = TEMPLATES["5k-beginner"]
    race = datetime.date(2027, 5, 16)
    with pytest.raises(LongRunDayNotTrained, match="Your long-run day must be one of your training days"):
        lay_out(slots, weeks=weeks, race_date=race, training_days=[0, 2, 4], today=LONG_AGO, long_run_day=6)
    assert (default_long_run_day([1, 3, 6]), default_long_run_day([0, 2, 4]), default_long_run_day([3])) == (6, 4, 3)
    layout = lay_out(slots, weeks=weeks, race_date=race, training_days=[0, 2, 4], today=LONG_AGO)
    assert {layout.dates[(week, 3)].weekday() for week in range(1, weeks)} == {4}


# --- What changed between two layouts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    id: int
    date: datetime.date
    kind: str


def test_changes_lists_every_session_moved_eased_dropped_or_added_by_the_day_it_had():
    before = [
        Planned(1, datetime.date(2027, 5, 11), "easy"),  # stays
        Planned(2, datetime.date(2027, 5, 12), "long"),  # moves
        Planned(3, datetime.date(2027, 5, 14), "easy"),  # dropped
        Planned(4, datetime.date(2027, 5, 13), "tempo"),  # made easy, same day
    ]
    after = [
        Planned(1, datetime.date(2027, 5, 11), "easy"),
        Planned(2, datetime.date(2027, 5, 17), "long"),
        Planned(4, datetime.date(2027, 5, 13), "easy"),
        Planned(5, datetime.date(2027, 5, 10), "easy"),  # added
    ]
    assert [(c.before and c.before.id, c.after and c.after.id) for c in changes(before, after)] == [
        (None, 5),
        (2, 2),
        (4, 4),
        (3, None),
    ]
    assert changes(before, before) == []
