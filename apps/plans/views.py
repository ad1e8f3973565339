"""Plan pages: choose a plan for a race, see its calendar, move it, and its iCalendar feed.

Everything goes through PlansService, so the pages work the same with plans lifted out. With a service they need
down, no page answers 500: a GET that can show something says "temporarily unavailable" (200), anything else
answers 503 with that message, and nothing is changed.
"""

from __future__ import annotations

import datetime
import typing
import zoneinfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.interface import errors as accounts_errors
from apps.accounts.interface.service import accounts_service
from apps.plans import feed, schedule
from apps.plans.forms import WEEKDAYS, PlanForm, TrainingDaysForm
from apps.plans.interface import errors
from apps.plans.interface.service import plans_service
from apps.races.interface.service import races_service
from apps.runs.interface import contracts as runs_contracts
from project.rpc.errors import RemoteServiceError
from project.web.signed_in import SignedInRequest
from project.web.site import site_domain
from project.web.templatetags import dates
from project.web.templatetags.units import distance, distance_name, duration
from project.web.unavailable import Unavailable, retry_later

PLANS = Unavailable("plans", what="Training plans")


def _apply_errors(form, error: errors.InvalidPlan) -> None:
    fields = {"race_id": "race"}
    for field, problems in (error.fields or {"__all__": [error.message]}).items():
        name = fields.get(field, field)
        form.add_error(name if name in form.fields else None, problems)


@login_required
@require_GET
@PLANS.degrades(get_status=200)
def plan_list(request: SignedInRequest) -> HttpResponse:
    return render(
        request,
        "plans/list.html",
        {"plans": plans_service.list_plans(user_id=request.user.pk), "templates": plans_service.list_templates()},
    )


@login_required
@require_http_methods(["GET", "POST"])
@PLANS.degrades(get_status=200)
def plan_new(request: SignedInRequest) -> HttpResponse:
    mine = races_service.list_races_of_runner(user_id=request.user.pk)
    others = races_service.find_races(limit=100).races
    races = mine + [race for race in others if race.id not in {r.id for r in mine}]
    templates = plans_service.list_templates()
    initial: dict[str, object] = {}
    # Matched as text: whatever `?race=` holds (not a number, 5,000 digits) picks no race rather than failing.
    race = next((r for r in races if str(r.id) == request.GET.get("race")), None)
    if race is not None:
        initial["race"] = race.id
        matching = [t for t in templates if t.distance_m == race.distance_m]
        if matching:
            initial["template"] = matching[0].slug
    form = PlanForm(request.POST or None, races=races, templates=templates, initial=initial)
    template = typing.cast(forms.ChoiceField, form.fields["template"])
    template.choices = [  # "10K for beginners" to a runner in imperial
        (slug, distance_name(label, request.user.units))
        for slug, label in typing.cast(list[tuple[str, str]], template.choices)
    ]
    if request.method == "POST" and form.is_valid():
        try:
            plan = plans_service.create_plan(
                user_id=request.user.pk,
                race_id=form.cleaned_data["race"],
                template=form.cleaned_data["template"],
                training_days=form.cleaned_data["training_days"],
                long_run_day=form.cleaned_data["long_run_day"],
            )
        except errors.InvalidPlan as error:
            _apply_errors(form, error)
        else:
            note = f" You join late: the first {plan.skipped_weeks} weeks are skipped." if plan.skipped_weeks else ""
            messages.success(request, f"Your plan for {plan.race_name} is ready.{note}")
            return redirect("plans:detail", plan_id=plan.id)
    return render(request, "plans/new.html", {"form": form, "has_races": bool(races)})


def _plan_or_404(request: SignedInRequest, plan_id: int):
    try:
        return plans_service.get_plan(user_id=request.user.pk, plan_id=plan_id)
    except errors.PlanNotFound:
        raise Http404("No such plan") from None


@login_required
@require_GET
@PLANS.degrades(get_status=503)
def plan_detail(request: SignedInRequest, plan_id: int) -> HttpResponse:
    plan = _plan_or_404(request, plan_id)
    today = datetime.datetime.now(zoneinfo.ZoneInfo(request.user.timezone)).date()
    weeks = schedule.plan_weeks(plan.sessions, weeks=plan.template.weeks, race_date=plan.race_date, today=today)
    feed_url = request.build_absolute_uri(reverse("plans:feed", args=[feed.token(plan.id)]))
    return render(
        request,
        "plans/detail.html",
        {
            "plan": plan,
            "weeks": weeks,
            "today": today,
            "days_form": TrainingDaysForm(
                initial={"training_days": plan.training_days, "long_run_day": plan.long_run_day}
            ),
            "day_names": ", ".join(name for number, name in WEEKDAYS if number in plan.training_days),
            "long_run_day": dict(WEEKDAYS)[plan.long_run_day],
            "changes": _changes_shown(request, plan.id),
            "feed_url": feed_url,
            "counts": {s: sum(1 for x in plan.sessions if x.status == s) for s in ("done", "missed", "upcoming")},
            "counted": runs_contracts.COUNTED_LABEL,
        },
    )


CHANGES = "plans.changes"  # the session key: what the last change of training days moved, shown once


def _changes_shown(request: SignedInRequest, plan_id: int) -> list[str]:
    stored = request.session.get(CHANGES)
    if not stored or stored.get("plan_id") != plan_id:
        return []
    del request.session[CHANGES]
    return stored["lines"]


def _session_name(session, units: str) -> str:
    """ "Long 18.00 km", "Tempo 20:00": as the plan's page names a session."""
    if session.distance_m:
        return f"{session.kind.capitalize()} {distance(session.distance_m, units)}"
    return (
        f"{session.kind.capitalize()} {duration(session.duration_s)}"
        if session.duration_s
        else session.kind.capitalize()
    )


def change_line(change: schedule.Change, units: str) -> str:
    """ "Tue 12 May 2026: Long 18.00 km → Sun 17 May 2026", "Thu 14 May 2026: Easy 5.00 km dropped"."""
    before, after = change.before, change.after
    if before is None:
        assert after is not None  # a change has at least one side
        return f"{dates.day(after.date)}: {_session_name(after, units)} added"
    if after is None:
        return f"{dates.day(before.date)}: {_session_name(before, units)} dropped"
    line = f"{dates.day(before.date)}: {_session_name(before, units)}"
    if after.date != before.date:
        line += f" → {dates.day(after.date)}"
    if after.kind != before.kind:
        line += (
            ", as an easy run (a hard day is next to it)" if after.kind == "easy" else f", a {after.kind} run again"
        )
    return line


@login_required
@require_POST
@PLANS.degrades(get_status=503)
def plan_days(request: SignedInRequest, plan_id: int) -> HttpResponse:
    before = _plan_or_404(request, plan_id)
    form = TrainingDaysForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(problem) for problems in form.errors.values() for problem in problems))
        return redirect("plans:detail", plan_id=plan_id)
    try:
        after = plans_service.set_training_days(
            user_id=request.user.pk,
            plan_id=plan_id,
            training_days=form.cleaned_data["training_days"],
            long_run_day=form.cleaned_data["long_run_day"],
        )
    except errors.InvalidPlan as error:
        messages.error(
            request, " ".join(p for problems in (error.fields or {}).values() for p in problems) or error.message
        )
        return redirect("plans:detail", plan_id=plan_id)
    lines = [change_line(change, request.user.units) for change in schedule.changes(before.sessions, after.sessions)]
    if lines:
        request.session[CHANGES] = {"plan_id": plan_id, "lines": lines}
        count = f"{len(lines)} session{'s' if len(lines) != 1 else ''}"
        messages.success(
            request, f"Your sessions to come are on your new training days: {count} changed, listed below."
        )
    else:
        messages.success(request, "Your sessions to come were already on these days: nothing changed.")
    return redirect("plans:detail", plan_id=plan_id)


@login_required
@require_POST
@PLANS.degrades(get_status=503)
def plan_delete(request: SignedInRequest, plan_id: int) -> HttpResponse:
    try:
        plans_service.delete_plan(user_id=request.user.pk, plan_id=plan_id)
    except errors.PlanNotFound:
        raise Http404("No such plan") from None
    messages.success(request, "The plan is deleted.")
    return redirect("plans:list")


@require_GET
def plan_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The calendar, for a calendar app: no login, the signed token is the key."""
    try:
        plan_id = feed.plan_of(token)
    except signing.BadSignature:
        raise Http404("No such calendar") from None
    try:
        plan = plans_service.get_feed_plan(plan_id=plan_id)
        units = accounts_service.get_user(user_id=plan.user_id).units.value  # titles in the runner's units
    except (errors.PlanNotFound, accounts_errors.UserNotFound):
        raise Http404("No such calendar") from None
    except RemoteServiceError:  # a calendar app shows no page: plain text, and when to come back
        PLANS.log(request)
        return retry_later(
            HttpResponse(
                "The training plan calendar is temporarily unavailable. Try again in a minute.\n",
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        )
    response = HttpResponse(
        feed.calendar(plan, site=site_domain(), units=units), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="runnerly-plan.ics"'
    return response
