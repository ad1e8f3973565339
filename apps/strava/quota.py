"""One Strava quota for the whole app, shared by every worker through the cache (Redis in production).

Strava counts requests per 15-minute window (aligned on the clock: :00, :15, :30, :45) and per
day (UTC). Each call first takes a slot with an atomic increment of the window's and the day's
counters, and is refused when that would pass STRAVA_QUOTA_FRACTION (80%) of the limit; after
the call, the usage Strava reports raises our counters if Strava counted more than we did.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Mapping

from django.conf import settings
from django.core.cache import cache

DAY_S = 86400


def _now() -> float:
    return time.time()


def _window_s() -> int:
    return settings.STRAVA_QUOTA_WINDOW_S  # Strava's is 15 minutes; tests shorten it


def _boundary(now: float, period: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp((int(now // period) + 1) * period, tz=datetime.UTC)


def next_window(now: float | None = None) -> datetime.datetime:
    return _boundary(_now() if now is None else now, _window_s())


def _keys(now: float) -> tuple[str, str]:
    return f"strava:used15:{int(now // _window_s())}", f"strava:usedday:{int(now // DAY_S)}"


def _limits() -> tuple[int, int]:
    return cache.get("strava:limits") or tuple(settings.STRAVA_DEFAULT_LIMITS)


def _take(key: str, ttl: int) -> int:
    cache.add(key, 0, ttl)
    return cache.incr(key)


class Full(Exception):
    """No slot left in a window; `retry_at` is when the next one opens."""

    def __init__(self, retry_at: datetime.datetime) -> None:
        super().__init__(retry_at.isoformat())
        self.retry_at = retry_at


def reserve() -> None:
    """Take one call's slot, or raise `Full` when it would pass the safe fraction of a window."""
    now = _now()
    window_key, day_key = _keys(now)
    limit_15, limit_day = _limits()
    fraction = settings.STRAVA_QUOTA_FRACTION
    used_day = _take(day_key, 2 * DAY_S)
    if used_day > fraction * limit_day:
        cache.decr(day_key)
        raise Full(_boundary(now, DAY_S))
    used_15 = _take(window_key, 2 * _window_s())
    if used_15 > fraction * limit_15:
        cache.decr(window_key)
        cache.decr(day_key)
        raise Full(_boundary(now, _window_s()))


def record(headers: Mapping[str, str]) -> None:
    """Take Strava's word: the stricter limits, and its usage where it counted more than we did."""
    limits, usages = [], []
    for prefix in ("X-RateLimit", "X-ReadRateLimit"):
        try:
            limit = [int(v) for v in headers[f"{prefix}-Limit"].split(",")[:2]]
            used = [int(v) for v in headers[f"{prefix}-Usage"].split(",")[:2]]
        except (KeyError, ValueError):
            continue
        limits.append(limit)
        usages.append(used)
    if not limits:
        return
    cache.set("strava:limits", (min(lim[0] for lim in limits), min(lim[1] for lim in limits)), 2 * DAY_S)
    window_key, day_key = _keys(_now())
    for key, reported, ttl in (
        (window_key, max(u[0] for u in usages), 2 * _window_s()),
        (day_key, max(u[1] for u in usages), 2 * DAY_S),
    ):
        cache.add(key, 0, ttl)
        ours = cache.get(key) or 0
        if reported > ours:
            cache.incr(key, reported - ours)


def usage() -> dict[str, int]:
    window_key, day_key = _keys(_now())
    limit_15, limit_day = _limits()
    return {
        "used_15": cache.get(window_key) or 0,
        "limit_15": limit_15,
        "used_day": cache.get(day_key) or 0,
        "limit_day": limit_day,
    }
