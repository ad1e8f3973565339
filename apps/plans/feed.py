"""A plan as an iCalendar feed, behind a private signed URL (a calendar app cannot log in)."""

from __future__ import annotations

import datetime

import icalendar
from django.core import signing

from apps.plans.interface import contracts
from project.units import clock

SALT = "plans.feed"
KIND_NAMES = {"easy": "Easy run", "long": "Long run", "tempo": "Tempo run", "intervals": "Intervals", "race": "Race"}


def token(plan_id: int) -> str:
    return signing.Signer(salt=SALT).sign(str(plan_id))


def plan_of(value: str) -> int:
    """Raises `signing.BadSignature` for a token we did not make."""
    return int(signing.Signer(salt=SALT).unsign(value))


def session_title(session: contracts.Session) -> str:
    what = KIND_NAMES.get(session.kind, session.kind.capitalize())
    if session.distance_m:
        what += f" {session.distance_m / 1000:g} km"
    elif session.duration_s:
        what += f" {session.duration_s // 60} min"
    if session.target_pace_s_per_km:
        what += f" at {clock(session.target_pace_s_per_km)}/km"
    return what


def calendar(plan: contracts.Plan, *, site: str) -> bytes:
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
        event.add("summary", session_title(session) + (" ✓" if session.status == contracts.Status.DONE else ""))
        event.add(
            "description",
            f"{session.description}. Pace: {session.feel}."
            if not session.target_pace_s_per_km
            else session.description,
        )
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
