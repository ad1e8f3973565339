"""A plan as an iCalendar feed, behind a private signed URL (a calendar app cannot log in)."""

from __future__ import annotations

import datetime

import icalendar
from django.core import signing

from apps.plans.interface import contracts
from project.units import clock, units_of

SALT = "plans.feed"
KIND_NAMES = {"easy": "Easy run", "long": "Long run", "tempo": "Tempo run", "intervals": "Intervals", "race": "Race"}


def token(plan_id: int) -> str:
    return signing.Signer(salt=SALT).sign(str(plan_id))


def plan_of(value: str) -> int:
    """Raises `signing.BadSignature` for a token we did not make."""
    return int(signing.Signer(salt=SALT).unsign(value))


def session_title(session: contracts.Session, *, units: str = "metric") -> str:
    """ "Easy run 7 km at 5:43/km", or in imperial "Easy run 4.35 mi at 9:12/mi"."""
    system = units_of(units)
    what = KIND_NAMES.get(session.kind, session.kind.capitalize())
    if session.distance_m:
        what += f" {round(session.distance_m / system.metres_per_distance, 2):g} {system.distance}"
    elif session.duration_s:
        what += f" {session.duration_s // 60} min"
    if session.target_pace_s_per_km:
        per_unit = session.target_pace_s_per_km * system.metres_per_distance / 1000
        what += f" at {clock(per_unit)}/{system.distance}"
    return what


def calendar(plan: contracts.Plan, *, site: str, units: str = "metric") -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Runnerly//Training plan//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{plan.template.name}: {plan.race_name}")
    stamp = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    for session in plan.sessions:
        event = icalendar.Event()
        event.add("uid", f"plan-{plan.id}-session-{session.id}@{site}")
        event.add("dtstamp", stamp)
        event.add("dtstart", session.date)
        event.add("dtend", session.date + datetime.timedelta(days=1))
        event.add(
            "summary", session_title(session, units=units) + (" ✓" if session.status == contracts.Status.DONE else "")
        )
        event.add(
            "description",
            f"{session.description}. Pace: {session.feel}."
            if not session.target_pace_s_per_km
            else session.description,
        )
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
