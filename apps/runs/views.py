"""The runner's pages about their runs. Each view reaches runs' data through RunsService only.

So the pages work the same with runs lifted out (settings.EXTRACTED_APPS). With the runs service down or
failing, no page answers 500: a page that can still show something says "temporarily unavailable" (200),
anything else, and every change, answers 503 with that message, and nothing is stored.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.runs import runpage
from apps.runs.forms import ManualRunForm, RunEditForm, manual_initial
from apps.runs.interface import contracts, errors
from apps.runs.interface.service import runs_service
from project.rpc.errors import RemoteServiceError
from project.units import units_of
from project.web.signed_in import SignedInRequest
from project.web.unavailable import Unavailable

RUNS = Unavailable("runs", what="Your runs")


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _owned(request: SignedInRequest, run_id: int) -> contracts.RunDetail:
    try:
        return runs_service.get_run(user_id=request.user.pk, run_id=run_id)
    except errors.RunNotFound:
        raise Http404("No such run") from None


@login_required
@require_GET
def run_list(request: SignedInRequest) -> HttpResponse:
    sport = request.GET.get("sport", "")
    start_date, end_date = _date(request.GET.get("from")), _date(request.GET.get("to"))
    if sport in contracts.Sport.__members__.values():
        sports: list[contracts.Sport] | None = [contracts.Sport(sport)]
    elif sport in contracts.Family.__members__.values():
        sports = list(contracts.sports_of(contracts.Family(sport)))
    else:
        sports = None
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "sports": contracts.SPORT_CHOICES,
        "families": [(family.value, f"All {family.value}") for family in contracts.Family if family.value != "other"],
        "sport": sport,
        "start_date": start_date,
        "end_date": end_date,
        "filters": query.urlencode(),
    }
    try:
        page = runs_service.list_runs(
            user_id=request.user.pk,
            start_date=start_date,
            end_date=end_date,
            sports=sports,
            cursor=request.GET.get("cursor") or None,
            limit=25,
        )
    except errors.InvalidCursor:
        return redirect("runs:list")
    except RemoteServiceError:  # the filters still show; the runs come back with the service
        return RUNS.page(request, status=200, template="runs/list.html", **context)
    return render(request, "runs/list.html", {**context, "page": page})


@login_required
@require_GET
@RUNS.degrades(get_status=503)
def run_detail(request: SignedInRequest, run_id: int) -> HttpResponse:
    run = _owned(request, run_id)
    runner = request.user  # the profile the page needs (units, heart rates) came with the session: no query
    units = runner.units
    start = run.start.astimezone(zoneinfo.ZoneInfo(run.timezone))
    viewer = runpage.Viewer(
        units=units,
        resting=runner.resting_heart_rate,
        maximum=runner.max_heart_rate,
        birth_year=runner.birth_year,
        year=start.year,
        with_map=bool(settings.MAP_TILES_URL),
    )
    drawn = runpage.shown(run, viewer)
    route = drawn.pop("map_route")
    return render(
        request,
        "runs/detail.html",
        {
            **drawn,
            "run": run,
            "units": units,
            "start": start,
            "map": _map(route),
            "split_unit": units_of(units).distance,
        },
    )


def _map(route: list[list[float]]) -> dict[str, object] | None:
    """The route for Leaflet on the configured tile server; None without one (the SVG route is drawn)."""
    if not settings.MAP_TILES_URL or len(route) < 2:
        return None
    return {"tiles": settings.MAP_TILES_URL, "attribution": settings.MAP_TILES_ATTRIBUTION, "route": route}


@login_required
@require_http_methods(["GET", "POST"])
def run_new(request: SignedInRequest) -> HttpResponse:
    form = ManualRunForm(request.POST or None, units=request.user.units, timezone=request.user.timezone)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft = contracts.RunDraft(
            user_id=request.user.pk,
            source=contracts.Source.MANUAL,
            name=data["name"],
            sport=contracts.Sport(data["sport"]),
            start=data["start"],
            timezone=request.user.timezone,
            distance_m=data["distance_m"],
            elapsed_s=data["duration"],
            average_heart_rate=data.get("average_heart_rate"),
            notes=data["notes"],
        )
        try:
            recorded = runs_service.record_run(draft=draft)
        except errors.InvalidRun as error:  # e.g. a start before contracts.EARLIEST_START
            for field, problems in (error.fields or {"__all__": [error.message]}).items():
                form.add_error("date" if field == "start" else None, problems)
        except RemoteServiceError:  # the form comes back as it was filled in, to be sent again later
            return RUNS.page(request, status=503, template="runs/new.html", form=form)
        else:
            if recorded.duplicate_of_id:
                messages.warning(request, "This looks like a run you already have; it is kept hidden as a duplicate.")
            else:
                messages.success(request, "Run saved.")
            return redirect("runs:detail", run_id=recorded.run.id)
    return render(request, "runs/new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
@RUNS.degrades(get_status=503)
def run_edit(request: SignedInRequest, run_id: int) -> HttpResponse:
    run = _owned(request, run_id)
    manual = run.source == contracts.Source.MANUAL
    form: forms.Form
    if not manual:
        form = RunEditForm(request.POST or None, initial={"name": run.name, "sport": run.sport, "notes": run.notes})
    else:  # entered by hand: all of it may be corrected, in the run's own time zone
        initial = manual_initial(run, units=request.user.units)
        form = ManualRunForm(request.POST or None, units=request.user.units, timezone=run.timezone, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        corrected = {}
        if manual:
            corrected = {"start": data["start"], "distance_m": data["distance_m"], "elapsed_s": data["duration"]}
            corrected["average_heart_rate"] = data.get("average_heart_rate")
        try:
            runs_service.update_run(
                user_id=request.user.pk,
                run_id=run_id,
                name=data["name"],
                notes=data["notes"],
                sport=contracts.Sport(data["sport"]),
                **corrected,
            )
        except errors.InvalidRun as error:
            for field, problems in (error.fields or {"__all__": [error.message]}).items():
                form.add_error("date" if field == "start" else None, problems)
        else:
            messages.success(request, "Run updated.")
            return redirect("runs:detail", run_id=run_id)
    return render(request, "runs/edit.html", {"form": form, "run": run, "manual": manual})


@login_required
@require_POST
@RUNS.degrades(get_status=503)
def run_keep(request: SignedInRequest, run_id: int) -> HttpResponse:
    """Resolve a suspected duplicate by keeping it as a run of its own."""
    try:
        runs_service.update_run(user_id=request.user.pk, run_id=run_id, hidden=False)
    except errors.RunNotFound:
        raise Http404("No such run") from None
    messages.success(request, "Kept as a separate run.")
    return redirect("runs:detail", run_id=run_id)


@login_required
@require_POST
@RUNS.degrades(get_status=503)
def run_delete(request: SignedInRequest, run_id: int) -> HttpResponse:
    try:
        runs_service.delete_run(user_id=request.user.pk, run_id=run_id)
    except errors.RunNotFound:
        raise Http404("No such run") from None
    messages.success(request, "Run deleted.")
    return redirect("runs:list")


@login_required
@require_GET
def records(request: SignedInRequest) -> HttpResponse:
    try:
        found = runs_service.list_personal_records(user_id=request.user.pk)
    except RemoteServiceError:  # the page still says what records are; they come back with the service
        return RUNS.page(request, status=200, template="runs/records.html")
    return render(request, "runs/records.html", {"records": found})
