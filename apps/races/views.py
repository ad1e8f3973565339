"""Race pages: the finder, adding and editing a race, a race's page with its runners' results."""

from __future__ import annotations

import datetime
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.interface.service import accounts_service
from apps.races import operations, queries
from apps.races.forms import FinderForm, RaceForm
from apps.races.interface import errors
from apps.races.interface.service import MAX_OFFSET, races_service
from apps.races.models import STANDARD_DISTANCES, Race
from apps.runs.interface import contracts as runs_contracts

PAGE = 20


def _race_or_404(race_id: int) -> Race:
    race = queries.visible().filter(pk=race_id).first()
    if race is None:
        merged = Race.objects.filter(pk=race_id, merged_into__isnull=False).first()
        if merged is not None:
            raise _Moved(merged.merged_into_id)
        raise Http404("No such race")
    return race


class _Moved(Exception):
    def __init__(self, race_id):
        self.race_id = race_id


@login_required
@require_GET
def race_list(request: HttpRequest) -> HttpResponse:
    form = FinderForm(request.GET or None)
    params: dict = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        params = {
            "text": data["text"],
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "distance_m": float(data["distance"]) if data["distance"] else None,
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "radius_km": data["radius_km"],
            "include_past": data["include_past"],
        }
    try:
        offset = min(max(0, int(request.GET.get("offset", 0))), MAX_OFFSET)
    except ValueError:
        offset = 0
    page = races_service.find_races(**params, offset=offset, limit=PAGE) if not form.errors else None
    query = request.GET.copy()
    query.pop("offset", None)
    return render(
        request,
        "races/list.html",
        {
            "form": form,
            "page": page,
            "mine": {race.id for race in races_service.races_of_runner(user_id=request.user.pk, include_past=True)},
            "previous_offset": offset - PAGE if offset >= PAGE else None,
            "next_offset": offset + PAGE if page and page.total > offset + PAGE else None,
            "query": query.urlencode(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def race_new(request: HttpRequest) -> HttpResponse:
    form = RaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            race = operations.race_create(added_by_id=request.user.pk, **form.race_fields())
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, f"{race.name} is added. Everyone can see it now.")
            return redirect("races:detail", race_id=race.pk)
    return render(request, "races/form.html", {"form": form, "title": "Add a race"})


@login_required
@require_http_methods(["GET", "POST"])
def race_edit(request: HttpRequest, race_id: int) -> HttpResponse:
    try:
        race = _race_or_404(race_id)
    except _Moved as moved:
        return redirect("races:edit", race_id=moved.race_id)
    if not operations.may_edit(race, user_id=request.user.pk, is_staff=request.user.is_staff):
        return HttpResponseForbidden("Only the runner who added this race, or staff, can change it.")
    local = race.starts_at.astimezone(zoneinfo.ZoneInfo(race.timezone))
    standard = str(race.distance_m) if race.distance_m in {m for m, _ in STANDARD_DISTANCES} else "other"
    initial = {
        "name": race.name,
        "date": local.date(),
        "start_time": local.time().replace(second=0, microsecond=0),
        "timezone": race.timezone,
        "distance": standard,
        "other_distance_km": race.distance_m / 1000 if standard == "other" else None,
        "city": race.city,
        "country": race.country,
        "latitude": race.latitude,
        "longitude": race.longitude,
        "website": race.website,
    }
    form = RaceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = form.race_fields()
        try:
            operations.race_update(
                race_id=race.pk,
                user_id=request.user.pk,
                is_staff=request.user.is_staff,
                local_date=fields.pop("local_date"),
                local_time=fields.pop("local_time"),
                zone=fields.pop("zone") or race.timezone,
                **fields,
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, "The race is saved.")
            return redirect("races:detail", race_id=race.pk)
    return render(request, "races/form.html", {"form": form, "title": f"Change {race.name}", "race": race})


@login_required
@require_GET
def race_detail(request: HttpRequest, race_id: int) -> HttpResponse:
    try:
        race = _race_or_404(race_id)
    except _Moved as moved:
        return redirect("races:detail", race_id=moved.race_id)
    registration = queries.registration(user_id=request.user.pk, race_id=race.pk)
    results = queries.shared_results(race_id=race.pk)
    names = {
        p.id: p.display_name or "A runner" for p in accounts_service.get_users(user_ids=[r.user_id for r in results])
    }
    race_day_over = race.race_date <= datetime.datetime.now(zoneinfo.ZoneInfo(race.timezone)).date()
    candidates = (
        operations.result_candidates(user_id=request.user.pk, race=race)
        if registration and race_day_over and registration.result_confirmed_at is None
        else []
    )
    return render(
        request,
        "races/detail.html",
        {
            "race": race,
            "registration": registration,
            "results": [(names.get(r.user_id, "A runner"), r) for r in results],
            "candidates": candidates,
            "race_day_over": race_day_over,
            "may_edit": operations.may_edit(race, user_id=request.user.pk, is_staff=request.user.is_staff),
            "counted": runs_contracts.COUNTED_LABEL,
        },
    )


@login_required
@require_POST
def race_running(request: HttpRequest, race_id: int) -> HttpResponse:
    running = request.POST.get("running") == "yes"
    try:
        races_service.set_running(user_id=request.user.pk, race_id=race_id, running=running)
    except errors.RaceNotFound:
        raise Http404("No such race") from None
    messages.success(request, "You're running this race." if running else "You're no longer running this race.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("races:detail", args=[race_id])  # only this site's own paths: no open redirect
    return redirect(target)


@login_required
@require_POST
def race_result(request: HttpRequest, race_id: int) -> HttpResponse:
    try:
        operations.result_confirm(
            user_id=request.user.pk,
            race_id=race_id,
            run_id=int(request.POST.get("run_id", "0") or 0),
            shared=request.POST.get("shared") == "on",
        )
    except errors.RaceNotFound:
        raise Http404("No such race") from None
    except (ValidationError, ValueError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, "Your result is saved.")
    return redirect("races:detail", race_id=race_id)
