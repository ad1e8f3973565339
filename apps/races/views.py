"""Race pages: the finder, adding and editing a race, a race's page with its runners' results.

Every read and write goes through `races_service`, so the pages work unchanged with races lifted out; when it
cannot be reached, a page that has something to show says races are temporarily unavailable, and the others
answer 503 (nothing is stored).
"""

from __future__ import annotations

import logging
import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.interface.service import accounts_service
from apps.races.forms import FinderForm, RaceForm
from apps.races.interface import contracts, errors
from apps.races.interface.service import MAX_OFFSET, races_service
from apps.runs.interface import contracts as runs_contracts
from project.rpc.errors import RemoteServiceError
from project.units import units_of
from project.web.signed_in import SignedInRequest
from project.web.unavailable import Unavailable

logger = logging.getLogger(__name__)
PAGE = 20
RACES = Unavailable("races", what="Races", note="Your runs are safe.")
RUN_IDS = (-(2**63), 2**63 - 1)  # what a database integer holds


def _add_errors(form: RaceForm, error: errors.InvalidRace) -> None:
    for field, problems in (error.fields or {"__all__": [error.message]}).items():
        field = {"race_date": "date"}.get(field, field)  # the service's name for the form's field
        form.add_error(field if field in form.fields else None, problems)


def _draft(form: RaceForm, *, timezone: str | None = None) -> contracts.RaceDraft:
    fields = form.race_fields()
    return contracts.RaceDraft(
        name=fields["name"],
        race_date=fields["local_date"],
        start_time=fields["local_time"],
        timezone=fields["zone"] or timezone,
        distance_m=fields["distance_m"],
        city=fields["city"],
        country=fields["country"],
        latitude=fields["latitude"],
        longitude=fields["longitude"],
        website=fields["website"],
    )


@login_required
@require_GET
def race_list(request: SignedInRequest) -> HttpResponse:
    form = FinderForm(request.GET or None, units=request.user.units)
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
            "radius_km": form.radius_in_km(),
            "include_past": data["include_past"],
        }
    try:
        offset = min(max(0, int(request.GET.get("offset", 0))), MAX_OFFSET)
    except ValueError:
        offset = 0
    page, mine, unavailable = None, set(), False
    try:
        page = races_service.find_races(**params, offset=offset, limit=PAGE) if not form.errors else None
        mine = {race.id for race in races_service.list_races_of_runner(user_id=request.user.pk, include_past=True)}
    except RemoteServiceError:
        RACES.log(request)
        page, unavailable = None, True
    query = request.GET.copy()
    query.pop("offset", None)
    return render(
        request,
        "races/list.html",
        {
            "form": form,
            "page": page,
            "mine": mine,
            "unavailable": unavailable,
            "previous_offset": offset - PAGE if offset >= PAGE else None,
            "next_offset": offset + PAGE if page and page.total > offset + PAGE else None,
            "query": query.urlencode(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def race_new(request: SignedInRequest) -> HttpResponse:
    form = RaceForm(request.POST or None, units=request.user.units)
    if request.method == "POST" and form.is_valid():
        try:
            race = races_service.add_race(added_by_id=request.user.pk, draft=_draft(form))
        except errors.InvalidRace as error:
            _add_errors(form, error)
        except RemoteServiceError:
            RACES.log(request)
            form.add_error(None, RACES.message(changing=True))
        else:
            messages.success(request, f"{race.name} is added. Everyone can see it now.")
            return redirect("races:detail", race_id=race.id)
    return render(request, "races/form.html", {"form": form, "title": "Add a race"})


def _seen(request: SignedInRequest, race_id: int) -> contracts.RaceForRunner:
    try:
        return races_service.get_race_for_runner(
            race_id=race_id, user_id=request.user.pk, is_staff=request.user.is_staff
        )
    except errors.RaceNotFound:
        raise Http404("No such race") from None


@login_required
@require_http_methods(["GET", "POST"])
@RACES.degrades(get_status=503)
def race_edit(request: SignedInRequest, race_id: int) -> HttpResponse:
    seen = _seen(request, race_id)
    race = seen.race
    if race.id != race_id:  # merged into another: change that one
        return redirect("races:edit", race_id=race.id)
    if not seen.may_edit:
        return HttpResponseForbidden(errors.NotAllowed.default_message)
    local = race.starts_at.astimezone(zoneinfo.ZoneInfo(race.timezone))
    standard = str(race.distance_m) if race.distance_m in {m for m, _ in contracts.STANDARD_DISTANCES} else "other"
    initial = {
        "name": race.name,
        "date": local.date(),
        "start_time": local.time().replace(second=0, microsecond=0),
        "timezone": race.timezone,
        "distance": standard,
        "other_distance_km": round(race.distance_m / units_of(request.user.units).metres_per_distance, 3)
        if standard == "other"
        else None,
        "city": race.city,
        "country": race.country,
        "latitude": race.latitude,
        "longitude": race.longitude,
        "website": race.website,
    }
    form = RaceForm(request.POST or None, initial=initial, units=request.user.units)
    if request.method == "POST" and form.is_valid():
        try:
            races_service.update_race(
                race_id=race.id,
                user_id=request.user.pk,
                is_staff=request.user.is_staff,
                draft=_draft(form, timezone=race.timezone),
            )
        except errors.RaceNotFound:
            raise Http404("No such race") from None
        except errors.NotAllowed as error:
            return HttpResponseForbidden(error.message)
        except errors.InvalidRace as error:
            _add_errors(form, error)
        except RemoteServiceError:
            RACES.log(request)
            form.add_error(None, RACES.message(changing=True))
        else:
            messages.success(request, "The race is saved.")
            return redirect("races:detail", race_id=race.id)
    return render(request, "races/form.html", {"form": form, "title": f"Change {race.name}", "race": race})


def _names(results: list[contracts.Result]) -> dict[int, str]:
    if not results:
        return {}
    try:
        profiles = accounts_service.get_users(user_ids=[result.user_id for result in results])
    except RemoteServiceError:  # accounts is down: the results still show, without names
        logger.warning("races.runner_names_unavailable", exc_info=True)
        return {}
    return {profile.id: profile.display_name or "A runner" for profile in profiles}


@login_required
@require_GET
@RACES.degrades(get_status=503)
def race_detail(request: SignedInRequest, race_id: int) -> HttpResponse:
    seen = _seen(request, race_id)
    race = seen.race
    if race.id != race_id:  # merged into another: show that one
        return redirect("races:detail", race_id=race.id)
    candidates: list[contracts.ResultCandidate] = []
    candidates_unavailable = False
    if seen.race_day_over and seen.result is None:  # after the race, a result is offered to whoever ran it
        try:
            candidates = races_service.list_result_candidates(user_id=request.user.pk, race_id=race.id)
        except errors.RaceNotFound:
            raise Http404("No such race") from None
        except RemoteServiceError:
            logger.warning("races.result_candidates_unavailable", exc_info=True)
            candidates_unavailable = True
    names = _names(seen.results)
    return render(
        request,
        "races/detail.html",
        {
            "race": race,
            "seen": seen,
            "results": [(names.get(result.user_id, "A runner"), result) for result in seen.results],
            "candidates": candidates,
            "candidates_unavailable": candidates_unavailable,
            "counted": runs_contracts.COUNTED_LABEL,
        },
    )


@login_required
@require_POST
@RACES.degrades(get_status=503)
def race_running(request: SignedInRequest, race_id: int) -> HttpResponse:
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
@RACES.degrades(get_status=503)
def race_result(request: SignedInRequest, race_id: int) -> HttpResponse:
    try:
        run_id = int(request.POST.get("run_id", "0") or 0)
    except ValueError:
        run_id = None
    if run_id is None or not RUN_IDS[0] <= run_id <= RUN_IDS[1]:  # what no database holds: not a run of theirs
        messages.error(request, "That is not one of your runs.")
        return redirect("races:detail", race_id=race_id)
    try:
        races_service.confirm_result(
            user_id=request.user.pk, race_id=race_id, run_id=run_id, shared=request.POST.get("shared") == "on"
        )
    except errors.RaceNotFound:
        raise Http404("No such race") from None
    except errors.InvalidResult as error:
        messages.error(request, " ".join(error.fields.get("run_id", [error.message])))
    else:
        messages.success(request, "Your result is saved.")
    return redirect("races:detail", race_id=race_id)
