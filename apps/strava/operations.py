"""Connecting, keeping tokens fresh, importing history and following changes. Calls to Strava and
to other services happen outside database transactions; the token refresh alone holds a row lock."""

from __future__ import annotations

import contextlib
import datetime
import logging
import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.runs.interface import contracts as runs_contracts
from apps.runs.interface import errors as runs_errors
from apps.runs.interface.service import runs_service
from apps.strava import client, crypto
from apps.strava.interface import errors
from apps.strava.models import PendingEvent, StravaConnection
from project import celery

logger = logging.getLogger(__name__)

REQUIRED_SCOPE = "activity:read_all"
EVENT_LEASE = datetime.timedelta(minutes=5)  # a try holds its event this long; past it, the sweep tries again
EVENT_ETA_AT_MOST = datetime.timedelta(minutes=20)  # a rate-limit wait this short is sent for then, not swept
EVENT_MAX_ATTEMPTS = 12  # failed tries (Strava or a service down) before an event is dropped, over ~2 days
PAGE_SIZE = 200
REFRESH_MARGIN = datetime.timedelta(minutes=5)
SPORTS = {
    "Run": "run",
    "TrailRun": "trail_run",
    "VirtualRun": "treadmill",
    "Walk": "walk",
    "Hike": "hike",
    "Ride": "ride",
    "VirtualRide": "ride",
    "MountainBikeRide": "ride",
    "GravelRide": "ride",
    "EBikeRide": "ride",
}


def _expires(payload: dict[str, Any]) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(int(payload["expires_at"]), tz=datetime.UTC)


def create_connection(*, user_id: int, code: str, scopes: str) -> StravaConnection:
    """Exchange the authorization code and keep the connection; the backfill starts on commit."""
    granted = set(scopes.split(","))
    if REQUIRED_SCOPE not in granted:
        raise errors.MissingScope(
            "Runnerly needs to see all your activities (“View data about your private activities”). "
            "Connect again and leave that box ticked."
        )
    payload = client.oauth_post(
        "token",
        {
            "client_id": settings.STRAVA_CLIENT_ID,
            "client_secret": settings.STRAVA_CLIENT_SECRET,
            "code": code,
            "grant_type": "authorization_code",
        },
    )
    athlete = payload.get("athlete") or {}
    with transaction.atomic():
        connection, _ = StravaConnection.objects.update_or_create(
            user_id=user_id,
            defaults={
                "athlete_id": athlete["id"],
                "athlete_name": f"{athlete.get('firstname', '')} {athlete.get('lastname', '')}".strip(),
                "scopes": scopes,
                "access_token": crypto.seal(payload["access_token"]),
                "refresh_token": crypto.seal(payload["refresh_token"]),
                "expires_at": _expires(payload),
                "status": StravaConnection.Status.ACTIVE,
                "last_error": "",
            },
        )
        transaction.on_commit(lambda: _queue_backfill(connection_id=connection.pk), robust=True)
    logger.info("strava.connected", extra={"user_id": user_id, "athlete_id": connection.athlete_id})
    return connection


def _queue_backfill(*, connection_id: int) -> None:
    from kombu.exceptions import OperationalError as BrokerUnavailable

    try:
        celery.send_later("strava.backfill", connection_id=connection_id)
    except BrokerUnavailable:  # the connection is kept; its backfill stays pending until it is queued again
        logger.warning("strava.backfill_not_queued", extra={"connection_id": connection_id}, exc_info=True)


def get_access_token(*, connection_id: int) -> str:
    """A valid access token, refreshed first when it expires within five minutes.

    The refresh happens under a row lock, and the new refresh token is saved in the same
    transaction, so concurrent tasks refresh once and never lose the token Strava rotated.
    """
    connection = StravaConnection.objects.get(pk=connection_id)
    if connection.expires_at - REFRESH_MARGIN > timezone.now():
        return crypto.unseal(connection.access_token)
    with transaction.atomic():
        connection = StravaConnection.objects.select_for_update().get(pk=connection_id)
        if connection.expires_at - REFRESH_MARGIN > timezone.now():
            return crypto.unseal(connection.access_token)  # another task refreshed it meanwhile
        try:
            payload = client.oauth_post(
                "token",
                {
                    "client_id": settings.STRAVA_CLIENT_ID,
                    "client_secret": settings.STRAVA_CLIENT_SECRET,
                    "grant_type": "refresh_token",
                    "refresh_token": crypto.unseal(connection.refresh_token),
                },
            )
        except client.Unauthorized as error:
            # Kept (committed) before raising: the runner must see that they have to connect again.
            revoked: client.Unauthorized | None = error
            connection.status, connection.last_error = StravaConnection.Status.NEEDS_RECONNECT, str(error)
            connection.save(update_fields=["status", "last_error", "updated_at"])
        else:
            revoked = None
            connection.access_token = crypto.seal(payload["access_token"])
            connection.refresh_token = crypto.seal(payload["refresh_token"])
            connection.expires_at = _expires(payload)
            connection.save(update_fields=["access_token", "refresh_token", "expires_at", "updated_at"])
    if revoked is not None:
        logger.warning("strava.refresh_revoked", extra={"athlete_id": connection.athlete_id})
        raise revoked
    logger.info("strava.token_refreshed", extra={"athlete_id": connection.athlete_id})
    return crypto.unseal(connection.access_token)


def _timezone(value: str) -> str | None:
    match = re.search(r"\)\s*(\S+)$", value or "")
    return match.group(1) if match else None


def build_draft(*, user_id: int, activity: dict[str, Any]) -> runs_contracts.RunDraft:
    return runs_contracts.RunDraft(
        user_id=user_id,
        source=runs_contracts.Source.STRAVA,
        source_id=str(activity["id"]),
        name=activity.get("name") or "",
        sport=runs_contracts.Sport(SPORTS.get(activity.get("sport_type") or activity.get("type") or "", "other")),
        start=datetime.datetime.fromisoformat(activity["start_date"].replace("Z", "+00:00")),
        timezone=_timezone(activity.get("timezone", "")),
        elapsed_s=float(activity.get("elapsed_time") or 0) or None,
        moving_s=float(activity.get("moving_time") or 0) or None,
        distance_m=float(activity.get("distance") or 0),
        elevation_gain_m=activity.get("total_elevation_gain"),
        average_heart_rate=round(activity["average_heartrate"]) if activity.get("average_heartrate") else None,
        max_heart_rate=round(activity["max_heartrate"]) if activity.get("max_heartrate") else None,
    )


def _epoch(activity: dict[str, Any]) -> int:
    return int(datetime.datetime.fromisoformat(activity["start_date"].replace("Z", "+00:00")).timestamp())


def import_next_page(*, connection_id: int) -> bool:
    """Import the next page of history, oldest first. Returns True when there is more to do.

    The cursor (the newest start imported) moves only after the page's runs are stored, and
    storing is idempotent on the Strava id, so a page cut short by a 429 or a dead worker is
    simply read again.
    """
    connection = StravaConnection.objects.get(pk=connection_id)
    if connection.status != StravaConnection.Status.ACTIVE:
        return False
    token = get_access_token(connection_id=connection_id)
    if connection.estimated_total is None:
        _estimate_total(connection, token)
    page = (
        client.api_get(
            token, "athlete/activities", {"after": connection.backfill_after, "per_page": PAGE_SIZE, "page": 1}
        )
        or []
    )
    stored = 0  # created now, or found already stored (a page read again after a crash counts once)
    for activity in page:
        try:
            runs_service.record_run(draft=build_draft(user_id=connection.user_id, activity=activity))
            stored += 1
        except runs_errors.InvalidRun as error:
            logger.warning(
                "strava.activity_skipped", extra={"activity_id": activity.get("id"), "reason": error.message}
            )
    newest = max((_epoch(activity) for activity in page), default=connection.backfill_after)
    more = len(page) == PAGE_SIZE
    StravaConnection.objects.filter(pk=connection_id).update(
        backfill_after=newest,
        imported=F("imported") + stored,
        backfill=StravaConnection.Backfill.RUNNING if more else StravaConnection.Backfill.DONE,
        next_batch_at=None,
        last_error="",
        updated_at=timezone.now(),
    )
    logger.info("strava.backfill_page", extra={"athlete_id": connection.athlete_id, "activities": len(page)})
    return more


def _estimate_total(connection: StravaConnection, token: str) -> None:
    """How many activities to expect, from the athlete's all-time totals (for "340 of about 1,200")."""
    stats = client.api_get(token, f"athletes/{connection.athlete_id}/stats") or {}
    total = sum(
        int((stats.get(key) or {}).get("count") or 0)
        for key in ("all_run_totals", "all_ride_totals", "all_swim_totals")
    )
    StravaConnection.objects.filter(pk=connection.pk).update(estimated_total=total)


def pause_backfill(*, connection_id: int, until: datetime.datetime) -> None:
    StravaConnection.objects.filter(pk=connection_id).update(
        backfill=StravaConnection.Backfill.WAITING, next_batch_at=until, updated_at=timezone.now()
    )


def restart_backfill(*, connection_id: int) -> None:
    """Read the whole history again from its start (what is already stored is not stored twice)."""
    StravaConnection.objects.filter(pk=connection_id).update(backfill_after=0, imported=0, updated_at=timezone.now())


def apply_activity(*, athlete_id: int, activity_id: int, aspect: str, updates: dict[str, Any] | None = None) -> str:
    """Follow one webhook event: create, update or delete the run of a Strava activity."""
    connection = StravaConnection.objects.filter(athlete_id=athlete_id).first()
    if connection is None or connection.status != StravaConnection.Status.ACTIVE:
        return "ignored"
    source = runs_contracts.Source.STRAVA
    if aspect == "delete":
        try:
            run = runs_service.find_run_by_source(
                user_id=connection.user_id, source=source, source_id=str(activity_id)
            )
        except runs_errors.RunNotFound:
            return "absent"
        # Strava does not sign its events: a run goes only when Strava itself no longer has the activity.
        try:
            still_there = client.api_get(get_access_token(connection_id=connection.pk), f"activities/{activity_id}")
        except client.Unauthorized:
            return "needs reconnect"
        if still_there is not None:
            logger.warning("strava.delete_unconfirmed", extra={"athlete_id": athlete_id, "activity_id": activity_id})
            return "still on strava"
        runs_service.delete_run(user_id=connection.user_id, run_id=run.id)
        return "deleted"
    activity = client.api_get(get_access_token(connection_id=connection.pk), f"activities/{activity_id}")
    if activity is None:
        return "absent"
    draft = build_draft(user_id=connection.user_id, activity=activity)
    recorded = runs_service.record_run(draft=draft)
    if not recorded.created:
        runs_service.update_run(user_id=connection.user_id, run_id=recorded.run.id, name=draft.name, sport=draft.sport)
        return "updated"
    return "created"


def confirm_revocation(*, connection_id: int) -> bool:
    """Whether Strava refuses the runner's token (asked before acting on an unsigned deauthorization event).

    Raises `client.RateLimited` when the window is full (ask again later).
    """
    try:
        client.api_get(get_access_token(connection_id=connection_id), "athlete")
    except client.Unauthorized:
        return True
    return False


def disconnect(*, user_id: int, revoked_by_athlete: bool = False) -> int:
    """Forget the connection and delete the runs that came from Strava, as its API agreement requires."""
    connection = StravaConnection.objects.filter(user_id=user_id).first()
    if connection is None:
        return 0
    if not revoked_by_athlete:
        try:
            client.oauth_post("deauthorize", {"access_token": crypto.unseal(connection.access_token)})
        except client.StravaError:
            logger.warning("strava.deauthorize_failed", extra={"athlete_id": connection.athlete_id})
    connection.delete()
    deleted = runs_service.delete_runs_from_source(user_id=user_id, source=runs_contracts.Source.STRAVA)
    logger.info("strava.disconnected", extra={"user_id": user_id, "runs_deleted": deleted})
    return deleted


def forget_connection(*, user_id: int) -> None:
    """Withdraw Runnerly's access on Strava, then forget the tokens (the runner's account is deleted).

    A token Strava refuses is already withdrawn. When Strava cannot be reached, the `StravaError`
    propagates and the event is delivered again later: the tokens are kept until Strava has been told.
    """
    connection = StravaConnection.objects.filter(user_id=user_id).first()
    if connection is None:
        return
    with contextlib.suppress(client.Unauthorized):  # already withdrawn (on Strava's side, or by its refresh token)
        client.oauth_post("deauthorize", {"access_token": get_access_token(connection_id=connection.pk)})
    connection.delete()
    PendingEvent.objects.filter(athlete_id=connection.athlete_id).delete()
    logger.info("strava.forgotten", extra={"user_id": user_id, "athlete_id": connection.athlete_id})


def tell_revoked(*, user_id: int, runs_deleted: int) -> None:
    from django.core.mail import send_mail

    from apps.accounts.interface.service import accounts_service

    profile = accounts_service.get_user(user_id=user_id)
    send_mail(
        "[Runnerly] Strava is disconnected",
        f"Hello {profile.display_name or profile.email},\n\n"
        "You withdrew Runnerly's access on Strava, so we have disconnected your account and, as Strava's "
        f"terms require, deleted the {runs_deleted} runs that came from it. Runs you uploaded or entered "
        "yourself are still there.\n\nYou can connect again at any time from the Strava page.\n",
        None,
        [profile.email],
    )


STREAM_KEYS = "time,latlng,altitude,heartrate,cadence,distance"
STREAMS_BELOW = 0.5  # fetch streams only while the window is less than half used: imports come first
STREAMS_BATCH = 20


def _streams_of(payload: dict[str, Any]) -> runs_contracts.Streams | None:
    def data(key: str) -> list | None:
        return (payload.get(key) or {}).get("data")

    time_s = data("time")
    if not time_s or len(time_s) < 2:
        return None
    latlng = data("latlng")
    return runs_contracts.Streams(
        time_s=[float(t) for t in time_s],
        latitude=[point[0] for point in latlng] if latlng else None,
        longitude=[point[1] for point in latlng] if latlng else None,
        elevation_m=data("altitude"),
        heart_rate=data("heartrate"),
        cadence=data("cadence"),
        distance_m=data("distance"),
    )


def fetch_streams(*, connection_id: int, limit: int = STREAMS_BATCH) -> int:
    """Give up to `limit` Strava runs their samples, while the quota leaves room. Returns how many."""
    from apps.strava import quota

    connection = StravaConnection.objects.get(pk=connection_id)
    missing = runs_service.list_runs_without_streams(
        user_id=connection.user_id, source=runs_contracts.Source.STRAVA, limit=limit
    )
    fetched = 0
    for run in missing:
        usage = quota.usage()
        if (
            usage["used_15"] >= STREAMS_BELOW * usage["limit_15"]
            or usage["used_day"] >= STREAMS_BELOW * usage["limit_day"]
        ):
            raise client.RateLimited(quota.next_window())
        payload = client.api_get(
            get_access_token(connection_id=connection_id),
            f"activities/{run.source_id}/streams",
            {"keys": STREAM_KEYS, "key_by_type": "true"},
        )
        streams = _streams_of(payload or {})
        if streams is not None:
            runs_service.attach_streams(user_id=connection.user_id, run_id=run.id, streams=streams)
            fetched += 1
    return fetched


def keep_event(*, athlete_id: int, activity_id: int, kind: str) -> PendingEvent:
    """Keep a webhook event until it has been followed; the same event already pending is kept once."""
    try:
        with transaction.atomic():
            return PendingEvent.objects.create(
                athlete_id=athlete_id, activity_id=activity_id, kind=kind, due_at=timezone.now()
            )
    except IntegrityError:
        return PendingEvent.objects.get(athlete_id=athlete_id, activity_id=activity_id, kind=kind)


def send_event(event_id: int, at: datetime.datetime | None = None) -> None:
    if at is None:
        celery.send_later("strava.follow_event", event_id=event_id)
    else:  # a wait within the broker's visibility timeout (a longer eta would be redelivered early)
        celery.task("strava.follow_event").apply_async(kwargs={"event_id": event_id}, eta=at)


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=min(2 ** (attempts - 1), 8 * 60))  # 1, 2, 4 ... minutes, then 8 hours


def follow_event(*, event_id: int) -> str:
    """Follow one kept event, if it is due and no other execution holds it; what came of it.

    Done (or nothing to do), it goes. Strava's rate limit makes it wait for the next window; Strava, the
    network or a service down makes it wait 1, 2, 4... minutes (at most 8 hours), and after
    `EVENT_MAX_ATTEMPTS` such failures it is dropped with an error in the log: the hourly safety sync still
    reads new activities.
    """
    now = timezone.now()
    taken = PendingEvent.objects.filter(pk=event_id, due_at__lte=now).update(
        due_at=now + EVENT_LEASE, attempts=F("attempts") + 1
    )
    if not taken:
        return "not due"
    event = PendingEvent.objects.get(pk=event_id)
    try:
        if event.kind == PendingEvent.Kind.REVOKED:
            outcome = _revocation_follow(athlete_id=event.athlete_id)
        else:
            outcome = apply_activity(athlete_id=event.athlete_id, activity_id=event.activity_id, aspect=event.kind)
    except client.RateLimited as limited:
        retry_at = limited.retry_at
        PendingEvent.objects.filter(pk=event.pk).update(
            due_at=retry_at, attempts=F("attempts") - 1, last_error=str(limited)[:500]
        )
        if retry_at - timezone.now() <= EVENT_ETA_AT_MOST:  # sent for then; a longer wait is left to the sweep
            transaction.on_commit(lambda: send_event(event.pk, at=retry_at), robust=True)
        return "waiting"
    except Exception as error:  # Strava down, a timeout, a service unavailable: try again later
        if event.attempts >= EVENT_MAX_ATTEMPTS:
            logger.error("strava.event_dropped", extra={"event_id": event.pk, "kind": event.kind}, exc_info=True)
            PendingEvent.objects.filter(pk=event.pk).delete()
            return "dropped"
        logger.warning("strava.event_failed", extra={"event_id": event.pk, "attempt": event.attempts}, exc_info=True)
        PendingEvent.objects.filter(pk=event.pk).update(
            due_at=timezone.now() + _backoff(event.attempts), last_error=f"{type(error).__name__}: {error}"[:500]
        )
        return "failed"
    PendingEvent.objects.filter(pk=event.pk).delete()
    logger.info("strava.event_followed", extra={"event_id": event.pk, "kind": event.kind, "outcome": outcome})
    return outcome


def _revocation_follow(*, athlete_id: int) -> str:
    """The athlete withdrew Runnerly's access on Strava: once Strava refuses their token, delete their
    Strava runs and tell them."""
    connection = StravaConnection.objects.filter(athlete_id=athlete_id).first()
    if connection is None:
        return "ignored"
    if not confirm_revocation(connection_id=connection.pk):  # not Strava's word: the token still works
        logger.warning("strava.revocation_unconfirmed", extra={"athlete_id": athlete_id})
        return "still authorized"
    deleted = disconnect(user_id=connection.user_id, revoked_by_athlete=True)
    tell_revoked(user_id=connection.user_id, runs_deleted=deleted)
    return f"disconnected, {deleted} runs deleted"


def sweep_events(*, batch_size: int = 500) -> int:
    """Send every kept event that is due (beat, every minute); how many."""
    due = list(
        PendingEvent.objects.filter(due_at__lte=timezone.now())
        .order_by("due_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    for event_id in due:
        send_event(event_id)
    return len(due)
