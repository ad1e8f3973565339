"""A thin client for the part of Strava's v3 API we use, on requests (docs/decisions/0011).

Every call first reserves room in the app's shared quota and afterwards records the usage Strava
reports in its rate-limit headers; near a limit or on a 429 it raises `RateLimited` with the time
the next window opens, so a task reschedules itself instead of sleeping.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

import requests
from django.conf import settings

from apps.strava import quota

logger = logging.getLogger(__name__)
TIMEOUT = (3.05, 15)


class StravaError(Exception):
    pass


class Unauthorized(StravaError):
    """The access or refresh token is no longer valid: the athlete must connect again."""


class RateLimited(StravaError):
    def __init__(self, retry_at: datetime.datetime) -> None:
        super().__init__(f"Strava's rate limit: retry at {retry_at.isoformat()}")
        self.retry_at = retry_at


_session = requests.Session()


def _errors(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:200]


def oauth_post(path: str, data: dict[str, str]) -> dict[str, Any]:
    response = _session.post(f"{settings.STRAVA_OAUTH_URL}/{path}", data=data, timeout=TIMEOUT)
    if response.status_code in (400, 401):
        raise Unauthorized(f"Strava refused {path}: {_errors(response)}")
    if response.status_code != 200:
        raise StravaError(f"Strava answered {response.status_code} to {path}")
    return response.json()


def api_get(access_token: str, path: str, params: dict[str, Any] | None = None) -> Any:
    try:
        quota.reserve()
    except quota.Full as full:
        raise RateLimited(full.retry_at) from None
    response = _session.get(
        f"{settings.STRAVA_API_URL}/{path}",
        params=params,
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=TIMEOUT,
    )
    quota.record(response.headers)
    if response.status_code == 429:
        raise RateLimited(quota.next_window())
    if response.status_code == 401:
        raise Unauthorized(f"Strava refused the access token: {_errors(response)}")
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise StravaError(f"Strava answered {response.status_code} to {path}")
    return response.json()


def subscriptions(method: str, path: str = "", data: dict[str, Any] | None = None) -> Any:
    """Strava's push-subscription endpoints, authenticated with the app's own credentials."""
    credentials = {"client_id": settings.STRAVA_CLIENT_ID, "client_secret": settings.STRAVA_CLIENT_SECRET}
    url = f"{settings.STRAVA_API_URL}/push_subscriptions{path}"
    if method == "GET":
        response = _session.get(url, params=credentials, timeout=TIMEOUT)
    elif method == "POST":
        response = _session.post(url, data={**credentials, **(data or {})}, timeout=TIMEOUT)
    else:
        response = _session.delete(url, params=credentials, timeout=TIMEOUT)
    if response.status_code >= 400:
        raise StravaError(f"Strava answered {response.status_code}: {_errors(response)}")
    return response.json() if response.content else None
