"""Every app lifted out at once (issue #14): runs, imports, races, plans, reports and strava each on its own
gunicorn, PostgreSQL database, worker and queue; the monolith keeps accounts, the token dealer, the pages and
the public API, on its own gunicorn and worker. Thirteen processes; this one is only a client (it calls the
services as the monolith does, to look, and may not read any extracted app's tables: the router forbids it).

A runner's life over HTTP: sign up and confirm, upload a file (one request id through every process it
touches), see the run, the dashboard and the month's report, add a race, choose a plan, a run ticks its
session, Strava imports, and at the end the account is deleted everywhere. In between, each service is
stopped in turn: every page still answers (200 with the section unavailable, or 503, never a 500), and the
events published meanwhile are handled once when it is back.
"""

import contextlib
import datetime
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
import redis
import requests
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from apps.reports.interface.service import reports_service
from apps.runs.interface.service import runs_service
from apps.strava.interface.service import strava_service
from apps.tokendealer import dealing
from project.events import registry
from project.rpc import remote
from tests.imports.reference import FIXTURES
from tests.integration.conftest import _test_database_url
from tests.integration.test_deletion_with_a_service_down import _rows_of
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
EMAIL = "maya@example.com"
SERVICES = ("runs", "imports", "races", "plans", "reports", "strava")
STRAVA_SETTINGS = ("STRAVA_API_URL", "STRAVA_OAUTH_URL", "STRAVA_CLIENT_ID", "STRAVA_CLIENT_SECRET")
PAGES = ["/dashboard/", "/runs/", "/records/", "/imports/", "/races/", "/plans/", "/reports/", "/strava/", "/profile/"]
RUN_RECORDED_SUBSCRIBERS = {sub.name.split(".")[0] for sub in registry.subscribers_of("runs.run_recorded")}
UNAVAILABLE = re.compile(r"temporarily unavailable|unavailable", re.IGNORECASE)


def _csrf(session, url):
    page = session.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def _submit(session, url, data, *, form_url=None):
    token = _csrf(session, form_url or url)
    return session.post(url, data={**data, "csrfmiddlewaretoken": token}, headers={"Referer": form_url or url})


def _sign_up(monolith, mail_dir):
    """Sign up and follow the link of the confirmation email, which logs the runner in: a browser session."""
    browser = requests.Session()
    signed_up = _submit(
        browser, f"{monolith}/accounts/signup/", {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD}
    )
    assert signed_up.url.endswith("/accounts/confirm-email/"), signed_up.url
    mails = "\n".join(path.read_text() for path in sorted(Path(mail_dir).glob("*")))
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mails).group(0)
    link = monolith + link[link.index("/accounts/") :]
    confirmed = _submit(browser, link, {})
    assert (confirmed.status_code, confirmed.url.endswith("/dashboard/")) == (200, True), confirmed.url
    return browser


def _query(database_url, statement, params=()):
    with contextlib.closing(psycopg2.connect(database_url)) as database, database.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def _pending_or_doubled(databases, publisher, event_id, subscriber_app):
    """What is wrong with the deliveries of one event to one app: not yet delivered, or handled twice."""
    rows = _query(
        databases[publisher],
        "SELECT subscriber, delivered_at IS NOT NULL FROM events_delivery WHERE event_id = %s AND subscriber LIKE %s",
        [event_id, subscriber_app + ".%"],
    )
    handled = _query(
        databases[subscriber_app],
        "SELECT subscriber, count(*) FROM events_inboxentry WHERE event_id = %s GROUP BY subscriber",
        [event_id],
    )
    problems = [f"{subscriber} not delivered" for subscriber, delivered in rows if not delivered]
    problems += [f"{subscriber} handled {count} times" for subscriber, count in handled if count != 1]
    if len(handled) != len(rows):
        problems.append(f"{len(rows)} deliveries, {len(handled)} handled")
    return problems if rows else ["no delivery"]


def _beat(name, env, tmp_path):
    """A process's beat: its periodic tasks (the events sweep among them) on its own queue."""
    command = [sys.executable, "-m", "celery", "-A", "project", "beat", "-s", str(tmp_path / f"beat-{name}")]
    log = (tmp_path / f"beat-{name}.log").open("w")
    return subprocess.Popen([*command, "-l", "INFO"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _stop(process):
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)


class Monolith:
    """The monolith's gunicorn (pages, public API, accounts, the token dealer) and its worker."""

    def __init__(self, env, workers, tmp_path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env, self.workers, self.log = env, workers, tmp_path / "monolith-web.log"
        self.web = self.worker = None

    def start(self):
        command = [sys.executable, "-m", "gunicorn", "-c", "python:project.gunicorn_conf", "project.wsgi"]
        command += ["--bind", f"127.0.0.1:{self.port}"]
        self.web = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log.open("a"), stderr=subprocess.STDOUT
        )
        self.worker = self.workers.start(queues="celery", env=self.env)
        assert _wait_for(lambda: requests.get(f"{self.url}/livez", timeout=1).status_code == 200)
        assert _wait_for(lambda: "ready." in Path(self.worker.log_path).read_text())

    def stop(self):
        if self.web is not None and self.web.poll() is None:
            self.web.terminate()
            self.web.wait(timeout=30)


def test_every_app_as_its_own_service_through_a_runners_life_and_each_one_stopped(
    workers, fake_strava, settings, tmp_path
):
    redis.Redis.from_url(SHARED_CACHE).flushdb()
    media, mail = tmp_path / "media", tmp_path / "mail"
    media.mkdir()
    mail.mkdir()
    audiences = ["accounts", *SERVICES]
    secrets_ = {"monolith": dealing.client_create(client_id="monolith", audiences=list(SERVICES))}
    for app in SERVICES:
        secrets_[app] = dealing.client_create(client_id=f"{app}-service", audiences=[a for a in audiences if a != app])
    strava_env = {name: str(getattr(settings, name)) for name in STRAVA_SETTINGS}
    strava_env["STRAVA_TOKEN_KEYS"] = "ghZFKO4aoY1efTnTiBFyku39K7TeOa3xRAarEHTY4O0="

    with contextlib.ExitStack() as stack:
        databases = {app: stack.enter_context(_service_database(app)) for app in SERVICES}
        services = {app: ExtractedService(app, {}, workers) for app in SERVICES}
        monolith = Monolith({}, workers, tmp_path)
        topology = {
            "RUNNERLY_EXTRACTED_APPS": ",".join(SERVICES),
            "SERVICE_ROUTING": ",".join(f"{app}={service.url}" for app, service in services.items()),
            "RPC_BREAKER_RESET_SECONDS": "1",  # a service back is tried again within a second (default 30)
            "RUNNERLY_EVENTS_SWEEP_SECONDS": "2",  # deliveries that failed meanwhile are sent again (default 60)
        }
        for app, service in services.items():
            service.env = {
                **_service_env(monolith.url, databases[app], f"{app}-service", secrets_[app]),
                **topology,
                **(strava_env if app == "strava" else {}),
                "DJANGO_SETTINGS_MODULE": f"extracted.{app}.settings",
                "DJANGO_MEDIA_ROOT": str(media),  # shared with the monolith, as object storage would be
            }
        monolith.env = {
            **_service_env(monolith.url, _test_database_url(), "monolith", secrets_["monolith"]),
            **topology,
            **strava_env,
            "DJANGO_SETTINGS_MODULE": "project.settings.test",
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the dealer's keys are sealed with it here and there
            "RUNNERLY_TEST_MEDIA_ROOT": str(media),
            "RUNNERLY_TEST_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "RUNNERLY_TEST_EMAIL_DIR": str(mail),
            "RUNNERLY_TRUST_REQUEST_ID": "true",
            "PAGE_SECTION_WORKERS": "8",
        }
        stack.callback(monolith.stop)
        for service in services.values():
            stack.callback(service.stop)
        monolith.start()
        for service in services.values():
            service.migrate()
        for service in services.values():
            service.start()
        for name, env in [("monolith", monolith.env)] + [(app, service.env) for app, service in services.items()]:
            beat = _beat(name, env, tmp_path)
            stack.callback(_stop, beat)

        # This process looks as the monolith does: every app over HTTP, with the dealer's tokens.
        settings.EXTRACTED_APPS = list(SERVICES)
        settings.SERVICE_ROUTING = {app: service.url for app, service in services.items()}
        settings.RPC_AUTH = "project.rpc.jwt_auth.JwtRequestAuth"
        settings.RPC_TRANSPORT = "project.rpc.remote.HttpTransport"
        settings.RPC_CLIENT_ID, settings.RPC_CLIENT_SECRET = "monolith", secrets_["monolith"]
        # ... and shares their cache: the answers it keeps are forgotten by the services' writes (decision 0019).
        settings.CACHES = {"default": {"BACKEND": "project.cache.RedisCache", "LOCATION": SHARED_CACHE}}

        # Sign up, confirm, log in; the dashboard has every section.
        browser = _sign_up(monolith.url, mail)
        dashboard = browser.get(f"{monolith.url}/dashboard/")
        assert (dashboard.status_code, UNAVAILABLE.search(dashboard.text)) == (200, None)
        runner = get_user_model().objects.get(email=EMAIL)
        api = {"Authorization": "Token " + Token.objects.create(user=runner).key}

        # An upload: one request id through the monolith's web, imports' web and worker, runs and reports.
        request_id = "upload-" + uuid.uuid4().hex[:12]
        with (FIXTURES / "gpx11_strava_run_hr.gpx").open("rb") as gpx:
            uploaded = requests.post(
                f"{monolith.url}/api/v1/uploads/", files={"file": gpx}, headers={**api, "X-Request-ID": request_id}
            )
        assert uploaded.status_code == 202, uploaded.text
        job_url = f"{monolith.url}/api/v1/jobs/{uploaded.json()['id']}/"
        assert _wait_for(lambda: requests.get(job_url, headers=api).json()["status"] == "done")
        (run,) = runs_service.list_runs(user_id=runner.id).runs
        day = run.local_date
        run_page = browser.get(f"{monolith.url}/runs/{run.id}/")
        assert (run_page.status_code, run.name in run_page.text) == (200, True)
        assert run.name in browser.get(f"{monolith.url}/dashboard/").text

        def month_runs():
            return reports_service.get_month_report(user_id=runner.id, year=day.year, month=day.month).summary.runs

        assert _wait_for(lambda: month_runs() == 1)
        report_page = browser.get(f"{monolith.url}/reports/{day:%Y-%m}/")
        assert (report_page.status_code, report_page.text.count("<svg") >= 2) == (200, True)
        for process in (monolith.log, services["imports"].log, services["runs"].log):
            assert request_id in process.read_text(), process
        for worker in (services["imports"].worker, services["reports"].worker):
            assert _wait_for(lambda worker=worker: request_id in Path(worker.log_path).read_text()), worker.log_path

        # A race, a plan for it, and a run that ticks the plan's first session. A plan's sessions start after the
        # runner's today, and a run cannot start in the future: so the runner lives at UTC-12 and runs at UTC+14,
        # where "now" is already the day after the runner's today (exactly 24 hours ahead, at any hour).
        profile = _submit(
            browser, f"{monolith.url}/profile/", {"display_name": "Maya", "timezone": "Etc/GMT+12", "units": "metric"}
        )
        assert profile.status_code == 200, profile.status_code
        now = datetime.datetime.now(datetime.UTC)
        runner_today = (now - datetime.timedelta(hours=12)).date()
        tomorrow = runner_today + datetime.timedelta(days=1)
        templates = requests.get(f"{monolith.url}/api/v1/plan-templates/", headers=api).json()["templates"]
        template = min(templates, key=lambda t: t["weeks"])
        race = requests.post(
            f"{monolith.url}/api/v1/races/",
            json={
                "name": "Split City 10K",
                "date": (
                    runner_today + datetime.timedelta(days=7 * template["weeks"])
                ).isoformat(),  # week 1: tomorrow
                "distance_m": template["distance_m"],
                "city": "Lyon",
                "country": "France",
                "timezone": "UTC",
            },
            headers=api,
        )
        assert race.status_code == 201, race.text
        assert "Split City 10K" in browser.get(f"{monolith.url}/races/").text
        plan = requests.post(
            f"{monolith.url}/api/v1/plans/",
            json={
                "race_id": race.json()["id"],
                "template": template["slug"],
                "training_days": list(range(7)),
                "long_run_day": tomorrow.weekday(),  # the long run is always on it: a session tomorrow
            },
            headers=api,
        )
        assert plan.status_code == 201, plan.text
        sessions_url = f"{monolith.url}/api/v1/plans/{plan.json()['id']}/sessions/"
        sessions = requests.get(sessions_url, headers=api).json()["sessions"]
        session = next(s for s in sessions if s["date"] == tomorrow.isoformat())
        assert (session["kind"], session["status"]) == ("long", "upcoming")
        distance_m = session["distance_m"] or 8000
        elapsed_s = session["duration_s"] or round(distance_m * 0.36)  # 6:00 per km
        assert elapsed_s < 7200
        ticked = requests.post(
            f"{monolith.url}/api/v1/runs/",
            json={
                "start": (now - datetime.timedelta(hours=2)).isoformat(),
                "timezone": "Etc/GMT-14",
                "distance_m": distance_m,
                "elapsed_s": elapsed_s,
            },
            headers=api,
        )
        assert ticked.status_code == 201, ticked.text

        def session_status():
            return next(
                s for s in requests.get(sessions_url, headers=api).json()["sessions"] if s["id"] == session["id"]
            )

        assert _wait_for(lambda: session_status()["run_id"] == ticked.json()["id"])
        plan_page = browser.get(f"{monolith.url}/plans/{plan.json()['id']}/")
        assert (plan_page.status_code, UNAVAILABLE.search(plan_page.text)) == (200, None)

        # Strava, through its own service, into the runs service.
        fake_strava.add_athlete(905, activities=3)
        fake_strava.codes["code-split"] = 905
        strava_service.complete_connection(user_id=runner.id, code="code-split", scopes="read,activity:read_all")
        assert _wait_for(lambda: strava_service.get_connection_status(user_id=runner.id).backfill == "done")
        assert len(runs_service.list_runs(user_id=runner.id, include_hidden=True).runs) == 5

        # Each service stopped in turn: no page answers 5xx but 503; events published meanwhile arrive once.
        for app, service in services.items():
            service.stop()
            remote.reset_breakers()
            for path in PAGES:
                page = browser.get(f"{monolith.url}{path}")
                assert page.status_code in (200, 503), (app, path, page.status_code)
            own = browser.get(f"{monolith.url}/{app}/")  # the app's own page: only that service
            if app == "imports":  # its jobs are a kept read (decision 0019): the last answer, still current, shows
                assert (own.status_code, "gpx11_strava_run_hr.gpx" in own.text) == (200, True)
            else:
                assert own.status_code == 503 or UNAVAILABLE.search(own.text), (app, own.status_code)
            meanwhile = None
            if app != "runs":
                recorded = requests.post(
                    f"{monolith.url}/api/v1/runs/",
                    json={"start": f"{day.isoformat()}T05:00:00+00:00", "distance_m": 4000, "elapsed_s": 1300},
                    headers=api,
                )
                assert recorded.status_code == 201, (app, recorded.text)
                (meanwhile,) = _query(
                    databases["runs"], "SELECT id FROM events_outboxevent ORDER BY created_at DESC LIMIT 1"
                )[0]
            else:
                down = requests.get(f"{monolith.url}/api/v1/runs/", headers=api)
                assert down.status_code == 503, down.status_code
            service.start()
            remote.reset_breakers()
            time.sleep(1.5)  # the monolith's circuit for it half-opens after RPC_BREAKER_RESET_SECONDS
            if meanwhile and app in RUN_RECORDED_SUBSCRIBERS:
                assert _wait_for(
                    lambda app=app, event=meanwhile: not _pending_or_doubled(databases, "runs", event, app)
                ), (app, _pending_or_doubled(databases, "runs", meanwhile, app))
                time.sleep(1.0)  # a second application, if there were one, would show by now
                assert _pending_or_doubled(databases, "runs", meanwhile, app) == []
        assert month_runs() == len(
            runs_service.list_runs(
                user_id=runner.id,
                start_date=day.replace(day=1),
                end_date=day,
                sports=["run"],
                limit=200,
            ).runs
        )

        # Delete the account: nothing of the runner is left in any database, Strava has been told.
        deleted = _submit(browser, f"{monolith.url}/profile/delete/", {"password": PASSWORD})
        assert deleted.status_code == 200, deleted.status_code
        assert _wait_for(lambda: _rows_of(runner.id, databases) == {}, timeout=90), _rows_of(runner.id, databases)
        assert 905 not in {athlete for athlete, _ in fake_strava.access_tokens.values()}
