"""With Redis down, as cache or as broker, pages and the API answer; nothing gives a 500 (issue #12, item 2).

The cache is a real RedisCache and the broker a real Redis URL, both pointed at a port where nothing
listens; a private redis-server, paused and resumed, stands for a Redis that hangs.
"""

import datetime
import json
import logging
import shutil
import signal
import socket
import subprocess
import time

import pytest
import redis
from django.core.cache import cache
from rest_framework.authtoken.models import Token

from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface import testing as runs_testing
from project import cache as project_cache
from project.celery import app as celery_app
from project.events import registry
from project.events.models import Delivery

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
EVENT = {"object_type": "activity", "aspect_type": "create", "object_id": 5, "owner_id": 901, "subscription_id": 7}


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {"BACKEND": "project.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{_unused_port()}/0"}
    }


@pytest.fixture
def broker_down(monkeypatch):
    """This process publishes tasks to a Redis that is not there (a fresh connection pool, put back after)."""
    unreachable = f"redis://127.0.0.1:{_unused_port()}/0"
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable)  # Celery prefers the variable to its setting
    monkeypatch.setitem(celery_app.conf, "broker_url", unreachable)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr(celery_app, "_pool", None)
    monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)


@pytest.fixture
def runner():
    user = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    runs_testing.record_manual_run(
        user_id=user.id, start=datetime.datetime(2026, 5, 1, 6, tzinfo=datetime.UTC), distance_m=5000.0, name="Tempo"
    )
    return user


def test_an_unreachable_cache_reads_as_a_miss_and_skips_writes_in_milliseconds(cache_down):
    started = time.perf_counter()
    cache.set("answer", 42)
    assert cache.get("answer", "miss") == "miss"
    assert cache.get_many(["answer"]) == {}
    assert cache.add("answer", 42) is True  # absent, as from an empty cache
    assert cache.incr("answer", 3) == 3  # a counter (the Strava quota) counts from zero
    assert cache.delete("answer") is False
    assert cache.get_or_set("answer", 7) == 7
    assert time.perf_counter() - started < 0.5


def test_an_api_call_with_a_token_answers_from_the_database(client, runner, cache_down):
    key = Token.objects.create(user_id=runner.id).key
    for _ in range(2):  # the second call too: nothing was cached
        response = client.get("/api/v1/runs/", headers={"Authorization": f"Token {key}"})
        assert response.status_code == 200
        assert [(run["name"], run["distance_m"]) for run in response.json()["runs"]] == [("Tempo", 5000.0)]


def test_a_wrong_token_is_still_refused(client, runner, cache_down):
    response = client.get("/api/v1/runs/", headers={"Authorization": "Token " + "0" * 40})
    assert (response.status_code, response.json()["code"]) == (401, "authentication_failed")


def test_the_login_page_answers_and_logs_in(client, runner, cache_down):
    assert client.get("/accounts/login/").status_code == 200
    wrong = client.post("/accounts/login/", {"login": "ada@example.com", "password": "not-the-password"})
    assert wrong.status_code == 200
    assert "The email address and/or password you specified are not correct." in wrong.content.decode()
    right = client.post("/accounts/login/", {"login": "ada@example.com", "password": PASSWORD})
    assert (right.status_code, right["Location"]) == (302, "/dashboard/")


@pytest.mark.parametrize("path", ["/dashboard/", "/runs/", "/reports/2026-05/"])
def test_the_pages_that_cache_answer(client, runner, cache_down, path):
    client.login(email="ada@example.com", password=PASSWORD)
    response = client.get(path)
    assert response.status_code == 200


def test_the_runs_page_shows_the_runs_twice_over(client, runner, cache_down):
    client.login(email="ada@example.com", password=PASSWORD)
    for _ in range(2):
        assert "Tempo" in client.get("/runs/").content.decode()


def test_a_strava_event_received_while_the_broker_is_down_is_kept_for_the_sweep(
    client, broker_down, django_capture_on_commit_callbacks
):
    from apps.strava.models import PendingEvent

    with django_capture_on_commit_callbacks(execute=True):  # the hand-over fails, and is only logged
        response = client.post("/strava/webhook/", data=json.dumps(EVENT), content_type="application/json")
    assert (response.status_code, response.json()) == (200, {"status": "received"})
    assert list(PendingEvent.objects.values_list("athlete_id", "activity_id", "kind")) == [(901, 5, "create")]


def test_a_strava_event_that_cannot_be_kept_answers_503_so_strava_sends_it_again(client, monkeypatch):
    from django.db import OperationalError
    from django.db.backends import utils

    execute = utils.CursorWrapper.execute

    def refusing_the_insert(self, sql, params=None):
        if sql.startswith("INSERT") and "strava_pendingevent" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return execute(self, sql, params)

    monkeypatch.setattr(utils.CursorWrapper, "execute", refusing_the_insert)
    response = client.post("/strava/webhook/", data=json.dumps(EVENT), content_type="application/json")
    assert (response.status_code, response["Retry-After"]) == (503, "60")
    assert response.json() == {
        "status": "unavailable",
        "message": "The event could not be kept; send it again later.",
    }


def test_a_strava_event_that_queues_nothing_is_received_while_the_broker_is_down(client, broker_down):
    event = {**EVENT, "object_type": "athlete", "aspect_type": "update", "updates": {"title": "x"}}
    response = client.post("/strava/webhook/", data=json.dumps(event), content_type="application/json")
    assert (response.status_code, response.json()) == (200, {"status": "received"})


def test_a_run_recorded_while_the_broker_is_down_keeps_its_events_for_the_sweep(
    client, runner, broker_down, django_capture_on_commit_callbacks, caplog
):
    client.login(email="ada@example.com", password=PASSWORD)
    form = {"name": "Easy", "sport": "run", "date": "2026-05-02", "start_time": "07:00", "distance": "8"}
    with django_capture_on_commit_callbacks() as relays:
        response = client.post("/runs/new/", {**form, "duration": "45:00"})
    assert response.status_code == 302
    subscribers = [subscriber.name for subscriber in registry.subscribers_of("runs.run_recorded")]
    assert len(subscribers) == 2
    with caplog.at_level(logging.WARNING, logger="project.events.outbox"):
        for relay in relays:
            relay()
    # One refused publish (about 0.7 s with Celery's retries) is enough: the relay leaves the rest to the sweep,
    # rather than try the broker once per subscriber.
    tried = [record for record in caplog.records if record.message == "events.relay_failed"]
    assert len(tried) == 1
    pending = Delivery.objects.filter(event__name="runs.run_recorded", event__payload__distance_m=8000.0)
    assert sorted(pending.values_list("subscriber", "delivered_at")) == [(name, None) for name in subscribers]


@pytest.fixture
def private_redis():
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server")
    port = _unused_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield port, server
    server.send_signal(signal.SIGCONT)
    server.terminate()
    server.wait(timeout=10)


def test_a_delete_sent_while_redis_hangs_is_applied_once_it_answers(settings, private_redis):
    port, server = private_redis
    settings.CACHES = {"default": {"BACKEND": "project.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}}
    cache.set("runs:version:1", "old")
    server.send_signal(signal.SIGSTOP)
    try:
        started = time.perf_counter()
        assert cache.delete("runs:version:1") is False
        assert cache.get("runs:version:1") is None  # no second wait: the cache is left alone for a moment
        assert time.perf_counter() - started < 1.0
    finally:
        server.send_signal(signal.SIGCONT)
    time.sleep(project_cache.RETRY_SECONDS)
    assert cache.get("another-key") is None  # Redis answers: the delete it missed is sent now
    assert redis.Redis(port=port).exists(cache.make_and_validate_key("runs:version:1")) == 0
