"""A page made of other services' answers: each section loads on its own, and one that cannot is marked
unavailable instead of failing the page.

In-process (every service routed "local") the sections load one after the other, as plain function calls.
When some are remote, the page first tries those marked `kept` in its own thread with only the answers callers
keep (`versions.kept_only`, decision 0019): a section found there costs a cache read, and no thread. The others load
at once on a small pool of threads shared by the process
(`PAGE_SECTION_WORKERS`), so a page with seven remote sections costs about its slowest one, not their sum.
The page waits at most `PAGE_SECTIONS_DEADLINE_SECONDS` for them all: a section not back by then is
unavailable (its call goes on in the background and is dropped); each remote call is also bounded by
`RPC_CONNECT_TIMEOUT` and `RPC_READ_TIMEOUT` and its retries. The request id goes with each call.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections

from project.rpc import routing, versions
from project.rpc.errors import RemoteServiceError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Section:
    service: str  # the service it asks, by interface name: it loads on the pool when that one is remote
    load: Callable[[], Any]
    kept: bool = False  # `load` makes only kept reads: remote, it is tried from the cache in the page's thread first


def _unavailable() -> dict[str, Any]:
    return {"value": None, "unavailable": True}


def _load(name: str, section: Section) -> dict[str, Any]:
    try:
        return {"value": section.load(), "unavailable": False}
    except RemoteServiceError:
        logger.warning("page.section_unavailable", extra={"section": name, "service": section.service}, exc_info=True)
        return _unavailable()


def _load_in_thread(name: str, section: Section) -> dict[str, Any]:
    try:
        return _load(name, section)
    finally:
        connections.close_all()  # this thread's own, if the call opened one (an in-process token): none left open


_pool: concurrent.futures.ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _shared_pool() -> concurrent.futures.ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = concurrent.futures.ThreadPoolExecutor(settings.PAGE_SECTION_WORKERS, thread_name_prefix="section")
        return _pool


def load_sections(sections: Mapping[str, Section]) -> dict[str, dict[str, Any]]:
    """{name: {"value": ..., "unavailable": bool}} for each section, in the order given."""
    remote = {
        name
        for name, section in sections.items()
        if settings.PAGE_SECTION_WORKERS and routing.routing_for(section.service) != routing.LOCAL
    }
    deadline = time.monotonic() + settings.PAGE_SECTIONS_DEADLINE_SECONDS  # the first pass counts too
    loaded: dict[str, dict[str, Any]] = {}
    with versions.kept_only():  # a handoff to a thread costs more than a cache read on a busy machine
        for name in remote & {name for name, section in sections.items() if section.kept}:
            with contextlib.suppress(versions.NotKept):
                loaded[name] = _load(name, sections[name])
    futures = {
        name: _shared_pool().submit(contextvars.copy_context().run, _load_in_thread, name, sections[name])
        for name in remote - loaded.keys()
    }
    loaded |= {name: _load(name, section) for name, section in sections.items() if name not in remote}
    for name, future in futures.items():
        try:
            loaded[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except concurrent.futures.TimeoutError:
            logger.warning("page.section_late", extra={"section": name, "service": sections[name].service})
            loaded[name] = _unavailable()
    return {name: loaded[name] for name in sections}
