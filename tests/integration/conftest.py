"""Real Celery workers for the integration tests: separate processes on the test database and Redis."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.db import connection

from project.celery import app as celery_app
from tests.integration.subscribers import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]
# The cache every process of a test shares (this one, its workers, its services), as a deployment's processes do:
# answers a caller keeps are forgotten by the writes of another process (docs/decisions/0019).
SHARED_CACHE = "redis://127.0.0.1:6379/12"


def _test_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


class Workers:
    """Starts `celery worker` processes with the test's environment; kills what is left at the end."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen] = []
        self.env: dict[str, str] = {}
        self.queue_env: dict[str, dict[str, str]] = {}  # for the workers of one queue only, e.g. the monolith's

    def start(self, *, queues: str = "celery", env: dict[str, str] | None = None) -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.settings.test",
            "DATABASE_URL": _test_database_url(),
            "CELERY_BROKER_URL": celery_app.conf.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "RUNNERLY_TEST_REDIS_URL": REDIS_URL,
            "RUNNERLY_EVENTS_RETRY_SECONDS": "0",
            **self.env,
            **(env or {}),
            **self.queue_env.get(queues, {}),
        }
        log = tempfile.NamedTemporaryFile("w+", prefix="runnerly-worker-", suffix=".log", delete=False)  # noqa: SIM115
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "project",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "-Q",
                queues,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        process.log_path = log.name
        self.processes.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """As a crash would: no warm shutdown, unacknowledged tasks stay with the broker."""
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a warm shutdown that hangs is not what the test is about
                print(f"--- {process.log_path}: no warm shutdown in 30 s, killed")
                process.kill()
                process.wait(timeout=30)
            lines = Path(process.log_path).read_text().splitlines()
            print(f"--- {process.log_path}: the worker's task lines")
            print("\n".join(line for line in lines if " Task " in line or "ERROR" in line or "Traceback" in line))


@pytest.fixture
def store():
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


EXTRACTED_QUEUES = ("reports", "strava")


def _purge_queues():
    """Nothing left over from another test: the default queue and the extracted services' own."""
    celery_app.control.purge()
    broker = redis.Redis.from_url(celery_app.conf.broker_url)
    for queue in EXTRACTED_QUEUES:
        broker.delete(queue, *(f"{queue}\x06\x16{priority}" for priority in (3, 6, 9)))


@pytest.fixture
def workers(store, settings):
    """Workers on the test database, and this process sending tasks to the broker instead of running them; this
    process and the workers share one cache (SHARED_CACHE)."""
    _purge_queues()
    celery_app.conf.task_always_eager = False
    redis.Redis.from_url(SHARED_CACHE).flushdb()
    settings.CACHES = {"default": {"BACKEND": "project.cache.RedisCache", "LOCATION": SHARED_CACHE}}
    pool = Workers()
    pool.env["DJANGO_CACHE_URL"] = SHARED_CACHE
    try:
        yield pool
    finally:
        celery_app.conf.task_always_eager = True
        pool.stop_all()
        _purge_queues()


@pytest.fixture
def worker(workers):
    return workers.start()


@pytest.fixture
def beat(workers):
    """Starts `celery beat` with the workers' environment (and `env`); stopped at the end."""
    started = []
    folder = tempfile.mkdtemp(prefix="runnerly-beat-")

    def start(env):
        process = workers.start(env=env)  # a worker to run what beat sends, then beat itself
        command = [sys.executable, "-m", "celery", "-A", "project", "beat", "-s", f"{folder}/schedule", "-l", "INFO"]
        beat_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "project.settings.test",
            "DATABASE_URL": _test_database_url(),
            "CELERY_BROKER_URL": celery_app.conf.broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            **workers.env,
            **env,
        }
        beat = subprocess.Popen(command, cwd=ROOT, env=beat_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(beat)
        return process

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=30)
    shutil.rmtree(folder, ignore_errors=True)
