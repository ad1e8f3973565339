import logging
import secrets
import urllib.parse
from typing import Annotated, Any

import pydantic
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.strava import operations
from apps.strava.interface import errors
from apps.strava.interface.service import strava_service
from apps.strava.models import PendingEvent
from project.rpc.errors import RemoteServiceError
from project.web.signed_in import SignedInRequest

logger = logging.getLogger(__name__)
STATE_KEY = "strava_oauth_state"


def _configured() -> bool:
    return bool(settings.STRAVA_CLIENT_ID and settings.STRAVA_CLIENT_SECRET)


@login_required
@require_GET
def status(request: SignedInRequest) -> HttpResponse:
    try:
        current = strava_service.get_connection_status(user_id=request.user.pk)
    except RemoteServiceError:
        current = None  # the page says Strava is temporarily unavailable
    return render(request, "strava/status.html", {"configured": _configured(), "status": current})


@login_required
@require_POST
def connect(request: SignedInRequest) -> HttpResponse:
    if not _configured():
        messages.error(request, "Strava is not configured on this server (STRAVA_CLIENT_ID and STRAVA_CLIENT_SECRET).")
        return redirect("strava:status")
    state = secrets.token_urlsafe(24)
    request.session[STATE_KEY] = state
    query = urllib.parse.urlencode(
        {
            "client_id": settings.STRAVA_CLIENT_ID,
            "redirect_uri": request.build_absolute_uri(reverse("strava:callback")),
            "response_type": "code",
            "approval_prompt": "auto",
            "scope": f"read,{operations.REQUIRED_SCOPE}",
            "state": state,
        }
    )
    return redirect(f"{settings.STRAVA_OAUTH_URL}/authorize?{query}")


@login_required
@require_GET
def callback(request: SignedInRequest) -> HttpResponse:
    expected = request.session.pop(STATE_KEY, None)
    if not expected or not secrets.compare_digest(expected.encode(), request.GET.get("state", "").encode()):
        messages.error(request, "That Strava answer was not for this session. Please connect again.")
        return redirect("strava:status")
    if request.GET.get("error"):
        messages.warning(request, "You did not give Runnerly access to Strava, so nothing changed.")
        return redirect("strava:status")
    try:
        strava_service.complete_connection(
            user_id=request.user.pk, code=request.GET.get("code", ""), scopes=request.GET.get("scope", "")
        )
    except errors.MissingScope as error:
        messages.error(request, error.message)
        return redirect("strava:status")
    except (errors.StravaRefused, RemoteServiceError):
        logger.warning("strava.connect_failed", exc_info=True)
        messages.error(request, "Strava did not accept the connection. Please try again in a minute.")
        return redirect("strava:status")
    messages.success(request, "Connected to Strava. Your runs are being imported.")
    return redirect("strava:status")


@login_required
@require_POST
def disconnect(request: SignedInRequest) -> HttpResponse:
    try:
        deleted = strava_service.disconnect(user_id=request.user.pk)
    except RemoteServiceError:
        messages.error(request, "Strava is temporarily unavailable here; nothing changed. Try again in a minute.")
        return redirect("strava:status")
    messages.success(request, f"Disconnected from Strava; the {deleted} runs that came from it are deleted.")
    return redirect("strava:status")


StravaId = Annotated[int, pydantic.Field(ge=0, lt=2**63)]  # what a BigIntegerField holds


class WebhookEvent(pydantic.BaseModel):
    """An event as Strava posts it; anything else (not JSON, wrong types, ids out of range) is refused with a 400."""

    object_type: str
    aspect_type: str
    object_id: StravaId
    owner_id: StravaId
    subscription_id: StravaId
    updates: dict[str, Any] | None = None


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, secret: str = "") -> HttpResponse:
    """Strava's push subscription: the handshake, then events, answered at once: each is kept
    (`PendingEvent`) and followed by a worker, again later when it cannot be now.

    Strava does not sign events: the URL carries STRAVA_WEBHOOK_PATH_SECRET when it is set, every
    event gets the same answer (nothing tells a guesser what matched), and what an event would
    destroy is first confirmed with Strava (operations.apply_activity, operations._revocation_follow).
    """
    expected = settings.STRAVA_WEBHOOK_PATH_SECRET
    if not secrets.compare_digest(secret.encode(), expected.encode()):
        raise Http404("No such page")
    if request.method == "GET":
        verify_token, offered = settings.STRAVA_WEBHOOK_VERIFY_TOKEN, request.GET.get("hub.verify_token", "")
        if not verify_token or not secrets.compare_digest(offered.encode(), verify_token.encode()):
            return HttpResponseBadRequest("bad verify token")  # none set: no subscription can be made
        if not request.GET.get("hub.challenge"):
            return HttpResponseBadRequest("bad verify token")
        return JsonResponse({"hub.challenge": request.GET["hub.challenge"]})
    try:
        event = WebhookEvent.model_validate_json(request.body)
    except pydantic.ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        return HttpResponseBadRequest(f"malformed event: {where + ': ' if where else ''}{problem['msg']}"[:200])
    object_type, aspect, object_id, owner_id = event.object_type, event.aspect_type, event.object_id, event.owner_id
    if settings.STRAVA_SUBSCRIPTION_ID and event.subscription_id != settings.STRAVA_SUBSCRIPTION_ID:
        logger.info("strava.webhook_ignored", extra={"subscription_id": event.subscription_id})
        return JsonResponse({"status": "received"})
    updates = event.updates or {}
    if object_type == "athlete" and str(updates.get("authorized")) == "false":
        activity_id, kind = 0, str(PendingEvent.Kind.REVOKED)
    elif object_type == "activity" and aspect in ("create", "update", "delete"):
        activity_id, kind = object_id, aspect
    else:
        return JsonResponse({"status": "received"})
    try:
        with transaction.atomic():
            pending = operations.keep_event(athlete_id=owner_id, activity_id=activity_id, kind=kind)
            # Handed to a worker after the commit; with the broker down, the minute's sweep sends it.
            transaction.on_commit(lambda: operations.send_event(pending.pk), robust=True)
    except DatabaseError:
        # Nothing could be kept: Strava sends an event again when it is not answered with a 200.
        logger.warning("strava.webhook_not_kept", extra={"object_type": object_type, "aspect": aspect})
        return JsonResponse(
            {"status": "unavailable", "message": "The event could not be kept; send it again later."},
            status=503,
            headers={"Retry-After": "60"},
        )
    return JsonResponse({"status": "received"})
