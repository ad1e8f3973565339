"""The whole split deployment at once, every part its own process: the monolith's web (gunicorn) and
worker on the test database; the reports and the strava services, each with its own gunicorn,
PostgreSQL database, worker and queue; JWTs from the monolith's token dealer. This process is only
a client (a browser's requests, and service calls as another service would make them).
"""

import calendar
import datetime
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from apps.accounts.interface import testing as accounts_testing
from apps.reports.interface.service import reports_service
from apps.runs.interface.contracts import RUNNING_SPORTS
from apps.runs.interface.service import runs_service
from apps.strava.interface.service import strava_service
from apps.tokendealer import dealing
from project.rpc import jwt_auth, remote
from tests.imports.reference import FIXTURES
from tests.integration.conftest import _test_database_url
from tests.integration.test_extraction import (
    ROOT,
    SHARED_CACHE,
    ExtractedService,
    _free_port,
    _service_database,
    _service_env,
    _wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-enough-Passw0rd"
STRAVA_SETTINGS = ("STRAVA_API_URL", "STRAVA_OAUTH_URL", "STRAVA_CLIENT_ID", "STRAVA_CLIENT_SECRET")


def _browser(monolith, email):
    """A signed-in browser session against the monolith's gunicorn."""
    session = requests.Session()
    page = session.get(f"{monolith}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    session.post(
        f"{monolith}/accounts/login/",
        data={"login": email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{monolith}/accounts/login/"},
    )
    return session


def test_monolith_reports_and_strava_as_separate_processes(workers, fake_strava, settings, tmp_path):
    redis.Redis.from_url(SHARED_CACHE).flushdb()
    port = _free_port()
    monolith = f"http://127.0.0.1:{port}"
    secrets_ = {
        "monolith": dealing.client_create(client_id="monolith", audiences=["reports", "strava"]),
        "reports": dealing.client_create(client_id="reports-service", audiences=["accounts", "runs"]),
        "strava": dealing.client_create(client_id="strava-service", audiences=["accounts", "runs"]),
    }
    with _service_database("reports") as reports_db, _service_database("strava") as strava_db:
        reports = ExtractedService(
            "reports",
            {
                **_service_env(monolith, reports_db, "reports-service", secrets_["reports"]),
                "DJANGO_SETTINGS_MODULE": "extracted.reports.settings",
            },
            workers,
        )
        strava = ExtractedService(
            "strava",
            {
                **_service_env(monolith, strava_db, "strava-service", secrets_["strava"]),
                "DJANGO_SETTINGS_MODULE": "extracted.strava.settings",
                **{name: str(getattr(settings, name)) for name in STRAVA_SETTINGS},
                "STRAVA_TOKEN_KEYS": "ghZFKO4aoY1efTnTiBFyku39K7TeOa3xRAarEHTY4O0=",
            },
            workers,
        )
        monolith_env = {
            **_service_env(monolith, _test_database_url(), "monolith", secrets_["monolith"]),
            "DJANGO_SETTINGS_MODULE": "project.settings.test",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # this process is the monolith too: its dealer keys are sealed
            "RUNNERLY_EXTRACTED_APPS": "reports,strava",
            "SERVICE_ROUTING": f"reports={reports.url},strava={strava.url}",
            "RUNNERLY_TEST_MEDIA_ROOT": str(tmp_path),
            "RUNNERLY_TRUST_REQUEST_ID": "true",
        }
        web_log = tmp_path / "monolith-web.log"
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "project.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ],
            cwd=ROOT,
            env=monolith_env,
            stdout=web_log.open("w"),
            stderr=subprocess.STDOUT,
        )
        try:
            monolith_worker = workers.start(queues="celery", env=monolith_env)
            assert _wait_for(lambda: requests.get(f"{monolith}/livez", timeout=1).status_code == 200)
            for service in (reports, strava):
                service.migrate()
                service.start()
            assert _wait_for(lambda: "ready." in Path(monolith_worker.log_path).read_text())

            # This process calls the services as the monolith does.
            settings.RPC_AUTH = "project.rpc.jwt_auth.JwtRequestAuth"
            settings.RPC_TOKEN_URL, settings.RPC_JWKS_URL = (
                f"{monolith}/oauth/token",
                f"{monolith}/.well-known/jwks.json",
            )
            settings.RPC_CLIENT_ID, settings.RPC_CLIENT_SECRET = "monolith", secrets_["monolith"]
            settings.RPC_TRANSPORT = "project.rpc.remote.HttpTransport"
            settings.SERVICE_ROUTING = {"reports": reports.url, "strava": strava.url}
            settings.CACHES = {  # the monolith's cache: runs' pages are forgotten there when the worker imports
                "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": SHARED_CACHE}
            }
            jwt_auth.tokens.clear()
            jwt_auth.jwks.clear()

            runner = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
            api = {
                "Authorization": "Token " + Token.objects.create(user=get_user_model().objects.get(pk=runner.id)).key
            }

            # An upload in the monolith changes the report in the reports service.
            request_id = "upload-" + uuid.uuid4().hex[:12]
            with (FIXTURES / "gpx11_strava_run_hr.gpx").open("rb") as gpx:
                uploaded = requests.post(
                    f"{monolith}/api/v1/uploads/", files={"file": gpx}, headers={**api, "X-Request-ID": request_id}
                )
            assert uploaded.status_code == 202, uploaded.text
            assert _wait_for(lambda: runs_service.list_runs(user_id=runner.id).runs)
            day = runs_service.list_runs(user_id=runner.id).runs[0].local_date

            def month_runs():
                return reports_service.get_month_report(user_id=runner.id, year=day.year, month=day.month).summary.runs

            assert _wait_for(lambda: month_runs() == 1)
            browser = _browser(monolith, "ada@example.com")
            report_page = browser.get(f"{monolith}/reports/{day:%Y-%m}/")
            # two charts, each one <svg> holding its three drawings (phone, tablet, desktop): 8 tags
            assert (report_page.status_code, report_page.text.count("<svg")) == (200, 8)

            # Strava, through its own service: connect, import into the monolith, disconnect.
            fake_strava.add_athlete(904, activities=5)
            fake_strava.codes["code-s"] = 904
            strava_service.complete_connection(user_id=runner.id, code="code-s", scopes="read,activity:read_all")
            assert _wait_for(lambda: strava_service.get_connection_status(user_id=runner.id).backfill == "done")
            assert len(runs_service.list_runs(user_id=runner.id, include_hidden=True).runs) == 6
            assert browser.get(f"{monolith}/strava/").status_code == 200

            # One request id across the monolith's web and worker and the reports service.
            assert _wait_for(lambda: request_id in Path(reports.worker.log_path).read_text())
            assert request_id in web_log.read_text()
            assert request_id in Path(monolith_worker.log_path).read_text()

            # The reports service down: the monolith's pages degrade; a run recorded meanwhile arrives once.
            counted_before = month_runs()
            reports.stop()
            remote.reset_breakers()
            dashboard = browser.get(f"{monolith}/dashboard/")
            assert dashboard.status_code == 200
            assert "Your monthly report is temporarily unavailable" in dashboard.text
            # A month never asked is not kept (decision 0019): its page needs the service. (The upload's month may
            # be answered from its kept report, unless the Strava runs' refresh forgot it meanwhile.)
            month_before = day.replace(day=1) - datetime.timedelta(days=1)
            page = browser.get(f"{monolith}/reports/{month_before:%Y-%m}/")
            assert (page.status_code, 'id="reports-unavailable"' in page.text) == (200, True)
            assert browser.get(f"{monolith}/reports/{day:%Y-%m}/").status_code == 200
            manual = requests.post(
                f"{monolith}/api/v1/runs/",
                json={
                    "start": datetime.datetime.combine(day, datetime.time(5), tzinfo=datetime.UTC).isoformat(),
                    "distance_m": 4000,
                    "elapsed_s": 1300,
                },
                headers=api,
            )
            assert manual.status_code == 201, manual.text
            reports.start()
            remote.reset_breakers()
            assert _wait_for(lambda: month_runs() == counted_before + 1)
            time.sleep(1.0)  # a second application, if there were one, would show by now
            first, last = (
                datetime.date(day.year, day.month, 1),
                datetime.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1]),
            )
            in_month = runs_service.list_runs(
                user_id=runner.id, start_date=first, end_date=last, sports=list(RUNNING_SPORTS), limit=200
            ).runs
            assert month_runs() == len(in_month) == counted_before + 1
        finally:
            for service in (reports, strava):
                service.stop()
            web.terminate()
            web.wait(timeout=30)
            jwt_auth.tokens.clear()
            jwt_auth.jwks.clear()
