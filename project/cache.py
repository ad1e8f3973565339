"""Django's Redis cache backend, keeping one client per connection pool, and treating an unreachable
Redis as an empty cache.

Django's client builds a new `redis.Redis` object on every cache call; with redis-py 8 that
construction costs about as much as the round trip itself. The client is thread-safe (all state
is in the pool), so one per pool is enough.

When Redis cannot be reached (refused, reset, timed out), it acts as an empty cache that keeps
nothing: a read is a miss, a write is skipped, `add` succeeds and `incr` counts from zero, so pages
and the API keep answering from the database instead of failing.
After a failure the process leaves Redis alone for RETRY_SECONDS, and short socket timeouts bound
what a hung Redis costs. A delete that could not reach Redis is remembered and sent once Redis
answers again, so an invalidation is not lost to a short outage. The outage is logged as one
warning per LOG_SECONDS.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache.backends import redis as django_redis
from redis import exceptions as redis_errors

logger = logging.getLogger(__name__)

UNREACHABLE = (redis_errors.ConnectionError, redis_errors.TimeoutError)
# Defaults for OPTIONS: a Redis on the same network answers in a millisecond.
SOCKET_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}
RETRY_SECONDS = 1.0
LOG_SECONDS = 60.0
MAX_PENDING_DELETES = 10_000


class _Outage:
    """What this process knows of Redis being unreachable, shared by every thread's cache object (there is
    one Redis cache, `default`)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down = False
        self.retry_at = 0.0
        self.warned_at: float | None = None
        self.failures = 0  # calls that went without Redis since the last warning
        self.pending_deletes: set[str] = set()

    def ongoing(self) -> bool:
        return time.monotonic() < self.retry_at

    def went_without(self, keys: Iterable[str], error: Exception | None = None) -> None:
        now = time.monotonic()
        with self.lock:
            self.down, self.failures = True, self.failures + 1
            if len(self.pending_deletes) < MAX_PENDING_DELETES:
                self.pending_deletes.update(keys)
            if error is None:
                return
            self.retry_at = now + RETRY_SECONDS
            if self.warned_at is not None and now - self.warned_at < LOG_SECONDS:
                return
            self.warned_at, failures, self.failures = now, self.failures, 0
        logger.warning(
            "cache.unavailable", extra={"error": f"{error.__class__.__name__}: {error}", "failures": failures}
        )

    def ended(self) -> list[str]:
        """Redis answers again: the deletes to send now."""
        with self.lock:
            keys, self.pending_deletes = list(self.pending_deletes), set()
            was_down, self.down = self.down, False
        if was_down:
            logger.info("cache.available")
        return keys


_outage = _Outage()


class _RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    # Django's RedisCacheClient internals (untyped in django-stubs): one client per connection pool.
    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._clients[index] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client

    def _guard(self, fallback: Any, operation: Callable[..., Any], *args: Any, deletes: Iterable[str] = ()) -> Any:
        """`operation(*args)`, or `fallback` while Redis is unreachable; `deletes` are kept to send later."""
        if _outage.ongoing():
            _outage.went_without(deletes)
            return fallback
        try:
            result = operation(*args)
        except UNREACHABLE as error:
            _outage.went_without(deletes, error)
            return fallback
        if _outage.down:
            keys = _outage.ended()
            if keys:
                self._guard(None, super().delete_many, keys, deletes=keys)
        return result

    def add(self, key, value, timeout):
        # The key is absent from an empty cache: allauth's rate-limit lock is taken rather than waited for.
        return self._guard(True, super().add, key, value, timeout)

    def get(self, key, default):
        return self._guard(default, super().get, key, default)

    def set(self, key, value, timeout):
        return self._guard(None, super().set, key, value, timeout)

    def touch(self, key, timeout):
        return self._guard(False, super().touch, key, timeout)

    def delete(self, key):
        return self._guard(False, super().delete, key, deletes=[key])

    def get_many(self, keys):
        return self._guard({}, super().get_many, keys)

    def has_key(self, key):
        return self._guard(False, super().has_key, key)

    def incr(self, key, delta):
        # As if the counter had just been created: a counter (the Strava quota) lets the call through.
        return self._guard(delta, super().incr, key, delta)

    def set_many(self, data, timeout):
        return self._guard(None, super().set_many, data, timeout)

    def delete_many(self, keys):
        return self._guard(None, super().delete_many, keys, deletes=keys)

    def clear(self):
        return self._guard(False, super().clear)


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _RedisCacheClient
        self._options = {**SOCKET_OPTIONS, **self._options}  # type: ignore[has-type]
