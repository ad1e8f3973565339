"""The reports app lifted out: its own gunicorn, its own PostgreSQL database, its own worker on its
own queue, JWTs from the monolith's token dealer. The monolith's web runs as Django's live server
(in this process, on the test database), its worker as a separate process.

- ReportsService answers over real HTTP, and an upload in the monolith changes the report in the
  service, across four processes.
- With the service stopped, the dashboard and the report page say "temporarily unavailable" (200),
  and events published meanwhile are delivered once it is back: none lost, none applied twice.
- The upload's request id appears in the monolith's, the worker's and the reports service's logs.
"""

import contextlib
import datetime
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
import redis
import requests
from django.db import connection

from apps.accounts.interface import testing as accounts_testing
from apps.reports.interface.service import reports_service
from apps.runs.interface.testing import record_manual_run
from apps.tokendealer import dealing
from project.events.models import Delivery
from project.rpc import jwt_auth, remote
from tests.imports.reference import FIXTURES
from tests.integration.conftest import SHARED_CACHE

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-long-enough-Passw0rd"


def _wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except Exception:  # a service still starting
            pass
        time.sleep(0.2)
    return False


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _url_for(database: str) -> str:
    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + database))


@contextlib.contextmanager
def _service_database(app):
    """A fresh PostgreSQL database for an extracted service, next to the test database."""
    name = connection.settings_dict["NAME"] + "_" + app
    admin = psycopg2.connect(_url_for("postgres"))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _url_for(name)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def reports_database():
    with _service_database("reports") as url:
        yield url


def _service_env(monolith, database, client_id, secret):
    return {
        **os.environ,
        "RPC_AUTH": "project.rpc.jwt_auth.JwtRequestAuth",
        "RPC_TOKEN_URL": f"{monolith}/oauth/token",
        "RPC_JWKS_URL": f"{monolith}/.well-known/jwks.json",
        "DATABASE_URL": database,
        "DJANGO_SECRET_KEY": "integration-only-secret-key-for-an-extracted-service-0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "RUNNERLY_SITE_URL": monolith,
        "RUNNERLY_MONOLITH_URL": monolith,
        "DJANGO_CACHE_URL": SHARED_CACHE,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "RPC_CLIENT_ID": client_id,
        "RPC_CLIENT_SECRET": secret,
        "RUNNERLY_EVENTS_RETRY_SECONDS": "0",
    }


class ExtractedService:
    """extracted/<app> as it is deployed: migrate, then gunicorn and a worker on the app's own queue."""

    def __init__(self, app, env, workers):
        self.app, self.env, self.workers, self.port = app, env, workers, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.web = self.worker = None
        self.log = Path(f"/tmp/runnerly-{app}-web-{self.port}.log")

    def migrate(self):
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self):
        self.web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                f"extracted/{self.app}/gunicorn.conf.py",
                f"extracted.{self.app}.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
        )
        self.worker = self.workers.start(queues=self.app, env=self.env)
        assert _wait_for(lambda: requests.get(f"{self.url}/livez", timeout=1).status_code == 200), self.log.read_text()
        assert _wait_for(lambda: "ready." in Path(self.worker.log_path).read_text())

    def stop(self):
        for process in (self.web, self.worker):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


@pytest.fixture
def split(live_server, workers, reports_database, settings, tmp_path):
    """The split deployment; this process plays the monolith's web (and the test's client)."""
    redis.Redis.from_url(SHARED_CACHE).flushdb()
    monolith = live_server.url
    secrets_ = {
        "monolith": dealing.client_create(client_id="monolith", audiences=["reports", "accounts", "runs"]),
        "reports": dealing.client_create(client_id="reports-service", audiences=["accounts", "runs", "imports"]),
    }
    jwt = {
        "RPC_AUTH": "project.rpc.jwt_auth.JwtRequestAuth",
        "RPC_TOKEN_URL": f"{monolith}/oauth/token",
        "RPC_JWKS_URL": f"{monolith}/.well-known/jwks.json",
    }
    reports = ExtractedService(
        "reports",
        {
            **_service_env(monolith, reports_database, "reports-service", secrets_["reports"]),
            "DJANGO_SETTINGS_MODULE": "extracted.reports.settings",
        },
        workers,
    )
    reports.migrate()
    monolith_env = {
        **jwt,
        "RPC_CLIENT_ID": "monolith",
        "RPC_CLIENT_SECRET": secrets_["monolith"],
        "RUNNERLY_EXTRACTED_APPS": "reports",
        "SERVICE_ROUTING": f"reports={reports.url}",
        "DJANGO_CACHE_URL": SHARED_CACHE,
        "RUNNERLY_TEST_MEDIA_ROOT": str(tmp_path),
    }
    # This process, as the monolith: the same settings its worker gets from the environment.
    settings.RPC_AUTH = jwt["RPC_AUTH"]
    settings.RPC_TOKEN_URL, settings.RPC_JWKS_URL = jwt["RPC_TOKEN_URL"], jwt["RPC_JWKS_URL"]
    settings.RPC_CLIENT_ID, settings.RPC_CLIENT_SECRET = "monolith", secrets_["monolith"]
    settings.RPC_TRANSPORT = "project.rpc.remote.HttpTransport"
    settings.SERVICE_ROUTING = {"reports": reports.url}
    settings.EXTRACTED_APPS = ["reports"]
    settings.EVENTS_SUBSCRIBER_QUEUES = {"reports": "reports"}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": SHARED_CACHE}}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    settings.REQUEST_ID_TRUSTED = True
    jwt_auth.tokens.clear()
    jwt_auth.jwks.clear()
    monolith_worker = workers.start(queues="celery", env=monolith_env)
    reports.start()
    yield reports, monolith_worker
    reports.stop()
    jwt_auth.tokens.clear()
    jwt_auth.jwks.clear()


def _month_runs(user_id, day):
    return reports_service.get_month_report(user_id=user_id, year=day.year, month=day.month).summary.runs


def test_an_upload_changes_the_report_in_the_extracted_service(split, client):
    reports, monolith_worker = split
    runner = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    token = "upload-" + uuid.uuid4().hex[:12]
    client.login(email="ada@example.com", password=PASSWORD)
    response = client.post(
        "/api/v1/uploads/",
        {"file": (FIXTURES / "gpx11_strava_run_hr.gpx").open("rb")},
        headers={"X-Request-ID": token},
    )
    assert response.status_code == 202, response.content
    from apps.runs.interface.service import runs_service

    assert _wait_for(lambda: runs_service.list_runs(user_id=runner.id).runs)
    day = runs_service.list_runs(user_id=runner.id).runs[0].local_date
    assert _wait_for(lambda: _month_runs(runner.id, day) == 1), "the report never changed"
    assert _wait_for(lambda: Delivery.objects.filter(delivered_at=None).count() == 0)  # settled back here

    # The ReportsService contract over real HTTP, with JWTs.
    report = reports_service.get_month_report(user_id=runner.id, year=day.year, month=day.month)
    assert report.summary.distance_m == runs_service.list_runs(user_id=runner.id).runs[0].distance_m
    assert reports_service.get_year_overview(user_id=runner.id, year=day.year).years == [day.year]

    # The upload's request id in the monolith worker's log and in the reports service's.
    monolith_log = Path(monolith_worker.log_path).read_text()
    reports_log = Path(reports.worker.log_path).read_text()
    assert token in monolith_log
    assert token in reports_log

    # The service down: pages degrade, events wait; back up: delivered once.
    reports.stop()
    remote.reset_breakers()
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200
    assert "Your monthly report is temporarily unavailable" in dashboard.content.decode()
    page = client.get(f"/reports/{day:%Y-%m}/")  # a kept read (decision 0019): its last answer, still current
    assert page.status_code == 200
    assert 'id="reports-unavailable"' not in page.content.decode()
    month_before = day.replace(day=1) - datetime.timedelta(days=1)
    page = client.get(f"/reports/{month_before:%Y-%m}/")  # never asked, so not kept: the service is needed
    assert page.status_code == 200
    assert 'id="reports-unavailable"' in page.content.decode()
    record_manual_run(
        user_id=runner.id, start=datetime.datetime.combine(day, datetime.time(5), tzinfo=datetime.UTC), timezone=None
    )
    time.sleep(1.0)
    assert Delivery.objects.filter(delivered_at=None, subscriber__startswith="reports.").count() == 1
    reports.start()
    remote.reset_breakers()
    assert _wait_for(lambda: _month_runs(runner.id, day) == 2), "the event sent while it was down never arrived"
    assert _wait_for(lambda: Delivery.objects.filter(delivered_at=None).count() == 0)
    time.sleep(1.0)
    assert _month_runs(runner.id, day) == 2


def test_copying_the_reports_tables_into_the_service_database_verifies_every_table(
    reports_database, django_capture_on_commit_callbacks
):
    """Before the switch: the monolith's reports tables (filled in-process here) copied and checked."""
    from apps.reports import operations
    from apps.reports.models import MonthSummary

    runners = [accounts_testing.create_user(email=f"r{i}@example.com") for i in range(3)]
    for i, runner in enumerate(runners):
        for day in range(1, 4 + i):
            record_manual_run(user_id=runner.id, start=datetime.datetime(2026, 9, day, 7, tzinfo=datetime.UTC))
        operations.rebuild_summaries(user_id=runner.id)
        operations.skip_delivery(user_id=runner.id, year=2026, month=8)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "extracted.reports.settings",
        "DATABASE_URL": reports_database,
        "RUNNERLY_COPY_FROM_DATABASE_URL": _url_for(connection.settings_dict["NAME"]),
        "DJANGO_SECRET_KEY": "integration-only-secret-key-for-the-reports-service-0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "RUNNERLY_SITE_URL": "http://127.0.0.1",
        "RUNNERLY_MONOLITH_URL": "http://127.0.0.1",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    copied = subprocess.run(
        [*manage, "copy_app_data", "reports"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert copied.returncode == 0, copied.stderr
    lines = copied.stdout.splitlines()
    assert lines[:2] == [
        f"copied {MonthSummary.objects.count()} rows of reports_monthsummary",
        "copied 3 rows of reports_reportdelivery",
    ]
    assert lines[2].startswith(f"reports_monthsummary: {MonthSummary.objects.count()} rows, sha256 ")
    assert lines[2].endswith(" ok")
    assert lines[-1] == "Every table matches its source."
    again = subprocess.run(  # the same rows already there (as a migration's reference data would be): kept
        [*manage, "copy_app_data", "reports"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stderr
    assert "kept reports_monthsummary: the same rows as the source already" in again.stdout.splitlines()
    with contextlib.closing(psycopg2.connect(reports_database)) as target, target.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_monthsummary SET runs = runs + 1 WHERE id = (SELECT min(id) FROM reports_monthsummary)"
        )
        target.commit()
    differs = subprocess.run(
        [*manage, "copy_app_data", "reports"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert differs.returncode == 1
    assert "reports_monthsummary is not empty here; copy into an empty database" in differs.stderr
