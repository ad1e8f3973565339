"""The runner's pages about their runs. Each view makes its calls through RunsService."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.runs import charts, queries
from apps.runs.forms import ManualRunForm, RunEditForm
from apps.runs.interface import contracts, errors
from apps.runs.interface.service import runs_service
from apps.runs.models import Run


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _owned(request: HttpRequest, run_id: int) -> contracts.RunDetail:
    try:
        return runs_service.get_run(user_id=request.user.pk, run_id=run_id)
    except errors.RunNotFound:
        raise Http404("No such run") from None


@login_required
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    sport = request.GET.get("sport", "")
    start_date, end_date = _date(request.GET.get("from")), _date(request.GET.get("to"))
    if sport in contracts.Sport.__members__.values():
        sports: list[contracts.Sport] | None = [contracts.Sport(sport)]
    elif sport in contracts.Family.__members__.values():
        sports = list(contracts.sports_of(contracts.Family(sport)))
    else:
        sports = None
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
    query = request.GET.copy()
    query.pop("cursor", None)
    return render(
        request,
        "runs/list.html",
        {
            "page": page,
            "sports": Run.Sport.choices,
            "families": [
                (family.value, f"All {family.value}") for family in contracts.Family if family.value != "other"
            ],
            "sport": sport,
            "start_date": start_date,
            "end_date": end_date,
            "filters": query.urlencode(),
        },
    )


@login_required
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _owned(request, run_id)
    streams = queries.run_streams(user_id=request.user.pk, run_id=run_id) if run.has_streams else None
    return render(
        request,
        "runs/detail.html",
        {
            "run": run,
            "route": charts.route_path(run.polyline),
            "charts": charts.charts(streams, family=run.family.value) if streams else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def run_new(request: HttpRequest) -> HttpResponse:
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
            notes=data["notes"],
        )
        try:
            recorded = runs_service.record_run(draft=draft)
        except errors.InvalidRun as error:  # e.g. a start before contracts.EARLIEST_START
            for field, problems in (error.fields or {"__all__": [error.message]}).items():
                form.add_error("date" if field == "start" else None, problems)
        else:
            if recorded.duplicate_of_id:
                messages.warning(request, "This looks like a run you already have; it is kept hidden as a duplicate.")
            else:
                messages.success(request, "Run saved.")
            return redirect("runs:detail", run_id=recorded.run.id)
    return render(request, "runs/new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def run_edit(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _owned(request, run_id)
    form = RunEditForm(request.POST or None, initial={"name": run.name, "sport": run.sport, "notes": run.notes})
    if request.method == "POST" and form.is_valid():
        runs_service.update_run(
            user_id=request.user.pk,
            run_id=run_id,
            name=form.cleaned_data["name"],
            notes=form.cleaned_data["notes"],
            sport=contracts.Sport(form.cleaned_data["sport"]),
        )
        messages.success(request, "Run updated.")
        return redirect("runs:detail", run_id=run_id)
    return render(request, "runs/edit.html", {"form": form, "run": run})


@login_required
@require_POST
def run_keep(request: HttpRequest, run_id: int) -> HttpResponse:
    """Resolve a suspected duplicate by keeping it as a run of its own."""
    _owned(request, run_id)
    runs_service.update_run(user_id=request.user.pk, run_id=run_id, hidden=False)
    messages.success(request, "Kept as a separate run.")
    return redirect("runs:detail", run_id=run_id)


@login_required
@require_POST
def run_delete(request: HttpRequest, run_id: int) -> HttpResponse:
    try:
        runs_service.delete_run(user_id=request.user.pk, run_id=run_id)
    except errors.RunNotFound:
        raise Http404("No such run") from None
    messages.success(request, "Run deleted.")
    return redirect("runs:list")


@login_required
@require_GET
def records(request: HttpRequest) -> HttpResponse:
    return render(request, "runs/records.html", {"records": runs_service.personal_records(user_id=request.user.pk)})
