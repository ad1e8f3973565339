"""Redis, cache and broker at once, stops in the middle of a burst of requests: no 500 (issue #12, item 2).

A private redis-server (port 6392, never the shared one) is the cache and the broker of a gunicorn
serving the test database. While it is down, reads and writes answer from PostgreSQL, and the Strava
webhook keeps its event in the database for the sweep (#16). Once Redis is back, everything answers as
before and the cache fills again. A second test uploads files while Redis is down for 12 s: they are
imported once it is back, with nothing done by hand.
"""

import concurrent.futures
import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest
import redis
import requests
from rest_framework.authtoken.models import Token

from apps.accounts.interface import testing as accounts_testing
from tests.integration.conftest import _test_database_url
from tests.integration.test_extraction import ROOT, _free_port, _wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
REDIS_PORT = 6392
PASSWORD = "a-long-enough-Passw0rd"
EVENT = {"object_type": "activity", "aspect_type": "create", "object_id": 5, "owner_id": 901, "subscription_id": 7}
REQUESTS, PACE_S, WORKERS = 200, 0.025, 8


class PrivateRedis:
    def __init__(self, port: int) -> None:
        self.port, self.process = port, None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
        )
        assert _wait_for(lambda: redis.Redis(port=self.port).ping(), timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis():
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server")
    server = PrivateRedis(REDIS_PORT)
    server.start()
    yield server
    server.stop()


@contextlib.contextmanager
def _gunicorn(tmp_path, **extra_env: str):
    """gunicorn on the test database, with the private Redis as its cache (db 0) and broker (db 1): its URL."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "project.settings.test",
        "DATABASE_URL": _test_database_url(),
        "DJANGO_CACHE_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/1",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **extra_env,
    }
    log = tmp_path / "web.log"
    gunicorn = ["gunicorn", "project.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"]
    process = subprocess.Popen(
        [sys.executable, "-m", *gunicorn, "--access-logfile", "-"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert _wait_for(lambda: requests.get(f"{url}/livez", timeout=1).status_code == 200)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        print("\n".join(line for line in log.read_text().splitlines() if re.search(r'WARNING|ERROR|" 5\d\d ', line)))


@pytest.fixture
def web(private_redis, tmp_path):
    with _gunicorn(tmp_path) as url:
        yield url


def _sign_in(url: str) -> dict[str, str]:
    session = requests.Session()
    page = session.get(f"{url}/accounts/login/", timeout=10)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    signed_in = session.post(
        f"{url}/accounts/login/",
        data={"login": "ada@example.com", "password": PASSWORD, "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{url}/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert (signed_in.status_code, signed_in.headers["Location"]) == (302, "/dashboard/")
    return session.cookies.get_dict()


def _requests(url: str, token: str, cookies: dict[str, str]) -> dict[str, tuple[int, object]]:
    """Each kind of request: how to send it, and the status it answers when all is well."""
    api = {"Authorization": f"Token {token}"}
    run = {"start": "2026-05-01T07:30:00+02:00", "distance_m": 10000, "elapsed_s": 3000, "name": "Parkrun"}
    return {
        "api read": (200, lambda: requests.get(f"{url}/api/v1/runs/?limit=5", headers=api, timeout=30)),
        "api write": (201, lambda: requests.post(f"{url}/api/v1/runs/", json=run, headers=api, timeout=30)),
        "login page": (200, lambda: requests.get(f"{url}/accounts/login/", timeout=30)),
        "dashboard": (200, lambda: requests.get(f"{url}/dashboard/", cookies=cookies, timeout=30)),
        "runs page": (200, lambda: requests.get(f"{url}/runs/", cookies=cookies, timeout=30)),
        "webhook": (200, lambda: requests.post(f"{url}/strava/webhook/", data=json.dumps(EVENT), timeout=30)),
    }


def test_a_redis_outage_during_a_burst_gives_no_500_and_everything_answers_once_it_is_back(private_redis, web):
    runner = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    token = Token.objects.create(user_id=runner.id).key
    kinds = _requests(web, token, _sign_in(web))
    names = list(kinds)
    for name, (expected, send) in kinds.items():  # warm: every kind answers before the outage
        assert (name, send().status_code) == (name, expected)

    def timed(name):
        started = time.monotonic()
        response = kinds[name][1]()
        return name, started, time.monotonic(), response

    stop_after, restart_after = 40, 140
    futures = []
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        began = time.monotonic()
        for index in range(REQUESTS):
            if index == stop_after:
                private_redis.stop()
                down_from = time.monotonic()
            if index == restart_after:
                down_until = time.monotonic()
                private_redis.start()
            time.sleep(max(0.0, began + index * PACE_S - time.monotonic()))
            futures.append(pool.submit(timed, names[index % len(names)]))
        results = [future.result() for future in futures]
    print(f"{REQUESTS} requests in {time.monotonic() - began:.1f} s, Redis down for {down_until - down_from:.1f} s")

    unexpected, webhook_while_down = [], []
    for name, started, ended, response in results:
        if name == "webhook" and down_from < started and ended < down_until:
            webhook_while_down.append((response.status_code, response.json()))
        if response.status_code != kinds[name][0]:
            unexpected.append((name, response.status_code, response.text[:200]))
    assert unexpected == []
    assert len(webhook_while_down) >= 3
    assert set(map(json.dumps, webhook_while_down)) == {json.dumps((200, {"status": "received"}))}
    from apps.strava.models import PendingEvent

    assert list(PendingEvent.objects.values_list("athlete_id", "activity_id", "kind")) == [(901, 5, "create")]

    def all_answer() -> bool:
        return all(send().status_code == expected for expected, send in kinds.values())

    assert _wait_for(all_answer, timeout=15)
    assert {name: send().status_code for name, (_, send) in kinds.items()} == {
        name: expected for name, (expected, _) in kinds.items()
    }
    cached = redis.Redis(port=REDIS_PORT, db=0)
    assert cached.exists(":1:auth:token:" + hashlib.sha256(token.encode()).hexdigest()) == 1  # the cache fills again


QUICK_SWEEP = {
    "RUNNERLY_IMPORTS_SWEEP_SECONDS": "1",
    "RUNNERLY_IMPORTS_QUEUED_GRACE_SECONDS": "2",
    "RUNNERLY_IMPORTS_STALE_SECONDS": "5",
}


def test_files_uploaded_while_redis_is_down_for_12_s_are_imported_once_it_is_back(
    private_redis, tmp_path, workers, beat
):
    """Issue #12, item 2: an API upload and a form upload while Redis (cache and broker) is down, amid a
    burst of reads; no answer is a 5xx, and a worker and beat import both files once Redis is back."""
    from apps.imports.models import ImportJob
    from tests.imports import hostile

    media = tmp_path / "media"
    media.mkdir()
    workers.env["RUNNERLY_TEST_MEDIA_ROOT"] = str(media)
    with _gunicorn(tmp_path, RUNNERLY_TEST_MEDIA_ROOT=str(media)) as url:
        runner = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
        api = {"Authorization": f"Token {Token.objects.create(user_id=runner.id).key}"}
        cookies = _sign_in(url)
        private_redis.stop()
        down = time.monotonic()
        uploaded = requests.post(
            f"{url}/api/v1/uploads/",
            files={"file": ("morning.gpx", hostile.fixture("gpx11_strava_run_hr.gpx"))},
            headers=api,
            timeout=30,
        )
        browser = requests.Session()
        browser.cookies.update(cookies)
        form = browser.get(f"{url}/imports/", timeout=30)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        submitted = browser.post(
            f"{url}/imports/",
            files={"files": ("laps.tcx", hostile.fixture("tcx_garmin_fr410_run_laps_hr.tcx"))},
            data={"csrfmiddlewaretoken": csrf},
            headers={"Referer": f"{url}/imports/"},
            allow_redirects=False,
            timeout=30,
        )
        assert (uploaded.status_code, form.status_code, submitted.status_code) == (202, 200, 302)
        reads = [
            lambda: requests.get(f"{url}/api/v1/runs/?limit=5", headers=api, timeout=30),
            lambda: requests.get(f"{url}/api/v1/jobs/", headers=api, timeout=30),
            lambda: requests.get(f"{url}/dashboard/", cookies=cookies, timeout=30),
            lambda: requests.get(f"{url}/accounts/login/", timeout=30),
        ]
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            futures = []
            while time.monotonic() - down < 12:
                futures.append(pool.submit(reads[len(futures) % len(reads)]))
                time.sleep(0.03)
            burst = [future.result().status_code for future in futures]
        private_redis.start()
        assert (len(burst) > 100, sorted(set(burst))) == (True, [200])
        assert sorted(job.status for job in ImportJob.objects.all()) == ["queued", "queued"]  # stored, not lost

        beat({**QUICK_SWEEP, "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/1"})
        assert _wait_for(lambda: all(job.finished for job in ImportJob.objects.all()), timeout=90)
        assert sorted((job.status, job.imported) for job in ImportJob.objects.all()) == [("done", 1), ("done", 1)]
