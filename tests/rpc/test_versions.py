"""Answers of kept reads: callers keep them under the version the service publishes, in-process and remote alike,
until a write forgets it (project/rpc/versions.py, decision 0019)."""

from __future__ import annotations

import abc
import datetime
import threading

import pytest
from django.core.cache import cache
from django.db import transaction

from project.rpc import interface as rpc
from project.rpc import routing, versions
from project.rpc.errors import InvalidRequest
from project.rpc.testing import TestClientTransport
from tests.rpc.echo import echo_service

pytestmark = pytest.mark.django_db


class TallyService(rpc.Service):
    name = "tally"
    local_implementation = "tests.rpc.test_versions.LocalTallyService"

    @rpc.kept_per_user
    @abc.abstractmethod
    def get_total(self, *, user_id: int, label: str = "total") -> dict[str, int]: ...

    @rpc.kept_per_service
    @abc.abstractmethod
    def get_everyones(self, *, label: str) -> dict[str, int]: ...

    @rpc.kept_per_user
    @abc.abstractmethod
    def get_day(self, *, user_id: int, today: datetime.date | None = None) -> str: ...


class LocalTallyService(TallyService):
    calls: list[str] = []
    totals: dict[int, int] = {}
    during: list = []  # run inside the next computation, once (a write racing the read)

    def get_total(self, *, user_id: int, label: str = "total") -> dict[str, int]:
        LocalTallyService.calls.append(f"total:{user_id}:{label}")
        total = LocalTallyService.totals.get(user_id, 0)
        while LocalTallyService.during:
            LocalTallyService.during.pop()()
        return {label: total}

    def get_day(self, *, user_id: int, today: datetime.date | None = None) -> str:
        LocalTallyService.calls.append(f"day:{today}")
        return str(today or "the runner's own today")

    def get_everyones(self, *, label: str) -> dict[str, int]:
        LocalTallyService.calls.append(f"everyone:{label}")
        return {label: sum(LocalTallyService.totals.values())}


tally_service: TallyService = routing.delegator(TallyService)


@pytest.fixture(autouse=True)
def _fresh():
    LocalTallyService.calls, LocalTallyService.totals, LocalTallyService.during = [], {1: 5, 2: 7}, []


def _write(user_id: int, total: int) -> None:
    """A write of the tally service: the stored value, then its version forgotten on commit."""
    with transaction.atomic():
        LocalTallyService.totals[user_id] = total
        versions.forget("tally", user_id=user_id)
        versions.forget("tally")


def test_a_kept_answer_is_served_without_asking_the_service_again(django_capture_on_commit_callbacks):
    assert tally_service.get_total(user_id=1) == {"total": 5}
    assert tally_service.get_total(user_id=1) == {"total": 5}
    assert tally_service.get_total(user_id=1, label="sum") == {"sum": 5}  # other arguments, another answer
    assert tally_service.get_total(user_id=2) == {"total": 7}
    assert LocalTallyService.calls == ["total:1:total", "total:1:sum", "total:2:total"]


def test_a_write_forgets_its_users_answers_on_commit_and_only_theirs(django_capture_on_commit_callbacks):
    tally_service.get_total(user_id=1)
    tally_service.get_total(user_id=2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _write(1, 9)
    assert tally_service.get_total(user_id=1) == {"total": 5}  # not committed yet: the version stands
    for callback in callbacks:
        callback()
    assert tally_service.get_total(user_id=1) == {"total": 9}
    assert tally_service.get_total(user_id=2) == {"total": 7}
    assert LocalTallyService.calls == ["total:1:total", "total:2:total", "total:1:total"]


def test_a_read_kept_per_service_is_forgotten_by_any_write_of_the_service(django_capture_on_commit_callbacks):
    assert tally_service.get_everyones(label="all") == {"all": 12}
    assert tally_service.get_everyones(label="all") == {"all": 12}
    with django_capture_on_commit_callbacks(execute=True):
        _write(2, 1)
    assert tally_service.get_everyones(label="all") == {"all": 6}
    assert LocalTallyService.calls == ["everyone:all", "everyone:all"]


def test_an_answer_computed_while_a_write_commits_is_not_served_after_it(django_capture_on_commit_callbacks):
    LocalTallyService.during.append(lambda: _write(1, 11))  # commits between the read of the data and the keeping
    with django_capture_on_commit_callbacks(execute=True):
        assert tally_service.get_total(user_id=1) == {"total": 5}
    assert tally_service.get_total(user_id=1) == {"total": 11}
    assert tally_service.get_total(user_id=1) == {"total": 11}
    assert LocalTallyService.calls == ["total:1:total", "total:1:total"]


def test_inside_a_transaction_the_service_answers_and_nothing_is_kept():
    with transaction.atomic():
        LocalTallyService.totals[1] = 50  # a write not committed, that rolls back
        assert tally_service.get_total(user_id=1) == {"total": 50}
        transaction.set_rollback(True)
    LocalTallyService.totals[1] = 5
    assert tally_service.get_total(user_id=1) == {"total": 5}
    assert LocalTallyService.calls == ["total:1:total", "total:1:total"]


def test_bad_arguments_are_refused_as_without_keeping():
    with pytest.raises(InvalidRequest) as refused:
        tally_service.get_total(user_id="one")
    assert list(refused.value.fields) == ["user_id"]
    assert LocalTallyService.calls == []


def test_a_kept_answer_that_cannot_be_read_any_more_is_computed_again():
    tally_service.get_total(user_id=1)
    [key] = [key for key in cache._cache if ":tally:kept:get_total:" in key]  # locmem's keys carry a prefix
    raw_key = key.split(":", 2)[2]
    version, _ = cache.get(raw_key)
    cache.set(raw_key, (version, b'{"total": "five"}'))
    assert tally_service.get_total(user_id=1) == {"total": 5}
    assert LocalTallyService.calls == ["total:1:total", "total:1:total"]


def test_with_no_cache_every_call_asks_the_service(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    tally_service.get_total(user_id=1)
    tally_service.get_total(user_id=1)
    assert LocalTallyService.calls == ["total:1:total", "total:1:total"]


def test_remote_the_kept_answer_spares_the_http_call(settings):
    settings.SERVICE_ROUTING = {"tally": "http://testserver"}
    settings.RPC_TRANSPORT = "tests.rpc.test_versions.CountingTransport"
    CountingTransport.posts = 0
    assert tally_service.get_total(user_id=2) == {"total": 7}
    assert tally_service.get_total(user_id=2) == {"total": 7}
    assert CountingTransport.posts == 1


def test_two_threads_starting_a_version_at_once_share_one(settings):
    started: list[str] = []
    barrier = threading.Barrier(2)

    def start() -> None:
        barrier.wait()
        started.append(versions.start_version(versions.version_key("tally", 3)))

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert started[0] == started[1] == cache.get("tally:version:3")


def test_a_read_kept_per_user_must_take_the_user():
    with pytest.raises(rpc.InterfaceError, match="a read kept per user takes `user_id: int`"):

        class _Broken(rpc.Service):
            name = "broken_kept"
            local_implementation = "nowhere.Broken"

            @rpc.kept_per_user
            @abc.abstractmethod
            def get_total(self, *, owner: int) -> int: ...


def test_kept_reads_are_reads():
    assert TallyService.required_scope("get_total") == rpc.READ_SCOPE
    assert TallyService.is_idempotent("get_everyones")
    assert (TallyService.kept("get_total"), TallyService.kept("get_everyones")) == ("user", "service")


class CountingTransport(TestClientTransport):
    __test__ = False
    posts = 0

    def post(self, url, *, body, headers):
        CountingTransport.posts += 1
        return super().post(url, body=body, headers=headers)


def test_with_keeping_off_every_call_asks_the_service(settings):
    settings.RPC_KEEP_ANSWERS = False
    tally_service.get_total(user_id=1)
    tally_service.get_total(user_id=1)
    assert LocalTallyService.calls == ["total:1:total", "total:1:total"]
    assert routing.implementation(TallyService).get_total(user_id=2) == {"total": 7}


def test_kept_only_answers_from_the_cache_or_refuses_before_any_call():
    with versions.kept_only(), pytest.raises(versions.NotKept, match=r"tally\.get_total"):
        tally_service.get_total(user_id=1)
    assert LocalTallyService.calls == []
    tally_service.get_total(user_id=1)
    with versions.kept_only():
        assert tally_service.get_total(user_id=1) == {"total": 5}
        with pytest.raises(versions.NotKept, match=r"echo\.echo"):
            echo_service.echo  # noqa: B018 - not a kept read: refused before it is called
    assert LocalTallyService.calls == ["total:1:total"]


class BrokenCache:
    """A cache whose every call fails as Redis does when it is out of memory (not unreachable)."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise RuntimeError("OOM command not allowed when used memory > 'maxmemory'")

        return fail


def test_a_failing_cache_costs_the_kept_answer_not_the_call(monkeypatch, caplog):
    monkeypatch.setattr(versions, "cache", BrokenCache())
    assert tally_service.get_total(user_id=1) == {"total": 5}
    assert tally_service.get_total(user_id=1) == {"total": 5}
    assert LocalTallyService.calls == ["total:1:total", "total:1:total"]
    assert [record.message for record in caplog.records].count("rpc.kept_cache_failed") == 2


def test_a_read_dated_by_today_is_kept_only_when_the_caller_gives_the_day():
    day = datetime.date(2026, 12, 1)
    assert tally_service.get_day(user_id=1, today=day) == tally_service.get_day(user_id=1, today=day) == "2026-12-01"
    tally_service.get_day(user_id=1)
    tally_service.get_day(user_id=1)
    assert LocalTallyService.calls == ["day:2026-12-01", "day:None", "day:None"]
