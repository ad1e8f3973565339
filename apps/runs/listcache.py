"""The cache of runs' lists under a per-user version (docs/decisions/0009). No models: only the cache.

Every process that reads or writes runs shares this cache: the service's `list_runs` keeps its pages
here, every write forgets the user's version after commit (`operations`), and the runs API keeps its
answers here under the same version, so a repeated request is served as it was without a call into the
service (docs/performance.md). With runs lifted out, the monolith and the runs service share it too
(one `DJANGO_CACHE_URL`, as deploy/docker-compose.yml sets for every process); a monolith with a
cache of its own would serve an API page up to LIST_CACHE_SECONDS old.
"""

from __future__ import annotations

import hashlib
import uuid

from django.core.cache import cache

LIST_CACHE_SECONDS = 3600


def _version_key(user_id: int) -> str:
    return f"runs:version:{user_id}"


def _page_key(user_id: int, params: dict) -> str:
    digest = hashlib.sha256(repr(sorted(params.items())).encode()).hexdigest()[:32]
    return f"runs:list:{user_id}:{digest}"


def cached_list(*, user_id: int, **params: object) -> tuple[str | None, str]:
    """A cached page of the user's runs (or None) and the runs version to store a fresh one under.

    One round trip reads both the user's runs version and the page, which is kept with the version
    it was computed under. Every write forgets the version (`forget_lists`), so a page computed
    before a change never matches again (docs/decisions/0009).
    """
    version_key, page_key = _version_key(user_id), _page_key(user_id, params)
    found = cache.get_many([version_key, page_key])
    version = found.get(version_key)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(version_key, version, None):
            version = cache.get(version_key) or version  # another request started the version first
    entry = found.get(page_key)
    if entry is not None and entry[0] == version:
        return entry[1], version
    return None, version


def store_list(*, user_id: int, version: str, value: str, **params: object) -> None:
    cache.set(_page_key(user_id, params), (version, value), LIST_CACHE_SECONDS)


def forget_lists(user_id: int) -> None:
    cache.delete(_version_key(user_id))
