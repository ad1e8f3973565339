"""The cache of runs' lists under a per-user version (docs/decisions/0009). No models: only the cache.

Every process that reads or writes runs shares this cache: the service's `list_runs` keeps its pages
here, every write forgets the user's version after commit (`operations`), and the runs API keeps its
answers here under the same version, so a repeated request is served as it was without a call into the
service (docs/performance.md). With runs lifted out, the monolith and the runs service share it too
(one `DJANGO_CACHE_URL`, as deploy/docker-compose.yml sets for every process); a monolith with a
cache of its own would serve an API page up to LIST_CACHE_SECONDS old.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
from collections.abc import Iterator

from django.core.cache import cache

from project.rpc import versions

LIST_CACHE_SECONDS = 3600
# Set while a caller that keeps the answer itself computes it (`kept_by_caller`).
_kept_by_caller: contextvars.ContextVar[bool] = contextvars.ContextVar("runs_list_kept_by_caller", default=False)


@contextlib.contextmanager
def kept_by_caller() -> Iterator[None]:
    """Within it, `cached_list` finds nothing and `store_list` keeps nothing: the caller (the runs API, which keeps its
    answer under its own key and the same version) has just found no page and will keep the one computed now, so
    the service's lookup and second copy would be two round trips for nothing. Only in this process: a runs service
    called over HTTP keeps its pages as usual."""
    token = _kept_by_caller.set(True)
    try:
        yield
    finally:
        _kept_by_caller.reset(token)


def _version_key(user_id: int) -> str:
    return versions.version_key("runs", user_id)  # the one callers' kept answers of runs reads are kept under


def _page_key(user_id: int, params: dict) -> str:
    digest = hashlib.sha256(repr(sorted(params.items())).encode()).hexdigest()[:32]
    return f"runs:list:{user_id}:{digest}"


def list_keys(*, user_id: int, **params: object) -> tuple[str, str]:
    """The keys of the user's runs version and of the page of these parameters, to read in one round trip
    with other keys (the runs API reads its token's owner with them); `page_in` makes the answer of it."""
    return _version_key(user_id), _page_key(user_id, params)


def page_in(found: dict, keys: tuple[str, str]) -> str | None:
    """The page among the values `found` under `keys` (`list_keys`), if it was computed under the current version."""
    version, entry = found.get(keys[0]), found.get(keys[1])
    if version is not None and entry is not None and entry[0] == version:
        return entry[1]
    return None


def cached_list(*, user_id: int, **params: object) -> tuple[str | None, str]:
    """A cached page of the user's runs (or None) and the runs version to store a fresh one under.

    One round trip reads both the user's runs version and the page, which is kept with the version
    it was computed under. Every write forgets the version (`forget_lists`), so a page computed
    before a change never matches again (docs/decisions/0009).
    """
    if _kept_by_caller.get():
        return None, ""  # `store_list` keeps nothing under this version
    keys = list_keys(user_id=user_id, **params)
    found = cache.get_many(list(keys))
    page = page_in(found, keys)
    if page is not None:
        return page, found[keys[0]]
    return None, found.get(keys[0]) or start_version(user_id)


def start_version(user_id: int) -> str:
    """The user's runs version, started now unless another request started it first (after a write forgot it)."""
    return versions.start_version(_version_key(user_id))


def store_list(*, user_id: int, version: str, value: str, **params: object) -> None:
    if _kept_by_caller.get():
        return
    cache.set(_page_key(user_id, params), (version, value), LIST_CACHE_SECONDS)


def forget_lists(user_id: int) -> None:
    cache.delete(_version_key(user_id))
