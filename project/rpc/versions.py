"""Answers of read methods kept by their callers, under versions the services publish (docs/decisions/0019).

A read method marked `kept_per_user` (or `kept_per_service`) is answered from the shared cache when the answer
there was computed under the current version of what it reads: the user's data in that service (key
`<service>:version:<user_id>`), or all of the service's data (`<service>:version:all`). The service forgets the
version when a write commits (`forget`), in whichever process writes: the next read starts a new version, and no
answer computed before the write is served again. The caller does this in `call`, through the delegator, whether
the service is in-process or remote: in a split deployment a kept answer costs one cache round trip instead of an
HTTP call, and in the monolith it spares the queries.

Every process that calls or writes must share the cache (one `DJANGO_CACHE_URL`, as deploy/docker-compose.yml
sets). An answer is kept at most `KEPT_SECONDS`, under a key holding a digest of the method's arguments and of
its result's schema, so a deployment that changes the result's shape never reads an old one, and the UTC date, so
a read that depends on the day (the upcoming races) is not answered from the day before.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import functools
import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pydantic
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from project.rpc import codec
from project.rpc.interface import KEPT_PER_USER, Service, signature_of

logger = logging.getLogger(__name__)
KEPT_SECONDS = 3600
ALL = "all"


def version_key(service: str, user_id: int | None = None) -> str:
    """The key of the version of one user's data in `service`, or of all of it (user_id None)."""
    return f"{service}:version:{ALL if user_id is None else user_id}"


def start_version(key: str) -> str:
    """The version under `key`, started now unless another process started it first (after a write forgot it)."""
    version = uuid.uuid4().hex
    if not cache.add(key, version, None):
        version = cache.get(key) or version
    return version


def forget(service: str, *, user_id: int | None = None) -> None:
    """Forget the version (one user's, or all of the service's) once the current transaction commits, at once
    outside one: every answer kept under it is stale from then on. Writes call it for what they change."""
    key = version_key(service, user_id)
    transaction.on_commit(lambda: cache.delete(key), robust=True)


@functools.cache
def _schema_digest(interface: type[Service], method_name: str) -> str:
    schema = codec.result_schema(interface, method_name)
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()[:12]


def _answer_key(interface: type[Service], method_name: str, params: bytes) -> str:
    digest = hashlib.sha256(params).hexdigest()[:32]
    day = datetime.datetime.now(datetime.UTC).date().isoformat()
    return f"{interface.name}:kept:{method_name}:{_schema_digest(interface, method_name)}:{day}:{digest}"


class NotKept(Exception):
    """There is no kept answer, and the caller wanted only one (`kept_only`)."""


_kept_only: contextvars.ContextVar[bool] = contextvars.ContextVar("rpc_kept_only", default=False)


@contextlib.contextmanager
def kept_only() -> Iterator[None]:
    """Within it, a kept read answers only from the cache and any other call raises `NotKept` before it is made:
    a page tries its remote sections this way in its own thread first, and sends only the others to threads."""
    token = _kept_only.set(True)
    try:
        yield
    finally:
        _kept_only.reset(token)


def refuse_unless_kept(interface: type[Service], method_name: str) -> None:
    """Raises `NotKept` within `kept_only`: the call would be made, not answered from the cache."""
    if _kept_only.get():
        raise NotKept(f"{interface.name}.{method_name}")


def _in_transaction() -> bool:
    """Inside a transaction of our own (not a test's wrapping one): its writes are not committed, so their versions
    are not forgotten yet, and it may roll back."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _cache_failed(interface: type[Service], method_name: str) -> None:
    logger.warning("rpc.kept_cache_failed", extra={"service": interface.name, "method": method_name}, exc_info=True)


@functools.cache
def _dated(interface: type[Service], method_name: str) -> bool:
    params, _ = signature_of(getattr(interface, method_name))
    return any(name == "today" for name, *_ in params)


def _unkept(interface: type[Service], method_name: str, kwargs: dict[str, Any]) -> bool:
    """Keeping is off, we are inside a transaction of our own, or a read dated by `today` was not given it (the
    service would work the day out in the runner's zone, which the key cannot hold)."""
    dated_by_service = _dated(interface, method_name) and kwargs.get("today") is None
    return not settings.RPC_KEEP_ANSWERS or _in_transaction() or dated_by_service


def call(interface: type[Service], method_name: str, method: Callable[..., Any], **kwargs: Any) -> Any:
    """`method(**kwargs)`, or the answer kept for these arguments under the current version.

    Inside a transaction the method answers, and nothing is kept: the answer may hold writes that roll back.
    With `RPC_KEEP_ANSWERS` off, it always answers. A cache that fails (not only an unreachable one, which
    project/cache.py turns into an empty cache) costs the answer from the service, never the call."""
    if _unkept(interface, method_name, kwargs):
        refuse_unless_kept(interface, method_name)
        return method(**kwargs)
    params = codec.encode_params(interface, method_name, kwargs)  # validated: bad arguments fail as they would
    per_user = interface.kept(method_name) == KEPT_PER_USER
    keys = [
        version_key(interface.name, kwargs["user_id"] if per_user else None),
        _answer_key(interface, method_name, params),
    ]
    try:
        found = cache.get_many(keys)
    except Exception:  # noqa: BLE001 - a cache error (out of memory, a read-only replica): ask the service
        _cache_failed(interface, method_name)
        refuse_unless_kept(interface, method_name)
        return method(**kwargs)
    version, entry = found.get(keys[0]), found.get(keys[1])
    if version is not None and entry is not None and entry[0] == version:
        try:
            return codec.decode_result_json(interface, method_name, entry[1])
        except pydantic.ValidationError:
            logger.warning("rpc.kept_answer_unreadable", extra={"service": interface.name, "method": method_name})
    refuse_unless_kept(interface, method_name)
    try:
        version = version or start_version(keys[0])
    except Exception:  # noqa: BLE001 - as above: the answer is given, not kept
        _cache_failed(interface, method_name)
        return method(**kwargs)
    result = method(**kwargs)
    try:
        cache.set(keys[1], (version, codec.dump_result(interface, method_name, result)), KEPT_SECONDS)
    except Exception:  # noqa: BLE001 - as above
        _cache_failed(interface, method_name)
    return result
