"""Subscribers that exist only for the integration tests; they record what they apply in Redis.

They run inside a real Celery worker process, so their effects must be visible from outside it.
"""

import os
from typing import ClassVar

import redis

from project.events import registry
from project.events.event import Event

REDIS_URL = os.environ.get("RUNNERLY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


class Pinged(Event):
    name: ClassVar[str] = "integration_tests.pinged"
    ping_id: int
    fail_first: bool = False


def _redis():
    return redis.Redis.from_url(REDIS_URL)


@registry.subscriber(Pinged, name="integration_tests.record_ping")
def record_ping(event: Pinged) -> None:
    _redis().rpush("applied:record", event.ping_id)


@registry.subscriber(Pinged, name="integration_tests.flaky_record_ping")
def flaky_record_ping(event: Pinged) -> None:
    if event.fail_first and _redis().incr(f"attempts:{event.ping_id}") == 1:
        raise ConnectionError("the flaky subscriber fails its first attempt")
    _redis().rpush("applied:flaky", event.ping_id)
