"""`manage.py extract APP` writes the deployment glue of any app with an interface; a topology of several
extracted apps is the same two variables in every process."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from project.rpc import interface
from project.settings.service import SERVICES

ROOT = Path(__file__).resolve().parents[2]
APPS = ["imports", "plans", "races", "reports", "runs", "strava"]


@pytest.mark.parametrize("app", APPS)
def test_the_committed_glue_of_each_app_is_what_the_command_writes(app, settings, tmp_path):
    settings.BASE_DIR = tmp_path
    call_command("extract", app, stdout=io.StringIO())
    written = sorted(path.name for path in (tmp_path / "extracted" / app).iterdir())
    committed = sorted(path.name for path in (ROOT / "extracted" / app).iterdir() if path.name != "__pycache__")
    assert written == committed
    for name in written:
        assert (tmp_path / "extracted" / app / name).read_text() == (ROOT / "extracted" / app / name).read_text(), name


def test_the_services_of_the_settings_are_every_app_with_an_interface():
    apps_with_interface = [
        name for name in interface.registered_services() if name not in ("echo", "tally")
    ]  # the tests' own
    assert sorted(apps_with_interface) == SERVICES


def test_an_app_without_an_interface_is_refused(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    with pytest.raises(Exception, match=r"'dashboard' has no service interface; choose one of: accounts, "):
        call_command("extract", "dashboard", stdout=io.StringIO())


def _settings_of(app, **env):
    program = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SERVICE_ROUTING, s.EVENTS_SUBSCRIBER_QUEUES, s.CELERY_TASK_ROUTES, s.EVENTS_QUEUE]))"
    )
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": f"extracted.{app}.settings",
        "DJANGO_SECRET_KEY": "test-only-a-long-enough-secret-key-for-production-settings",
        "DJANGO_ALLOWED_HOSTS": "runs.internal",
        "DATABASE_URL": "sqlite:///unused.sqlite3",
        "RUNNERLY_SITE_URL": "https://runnerly.example",
        "RUNNERLY_MONOLITH_URL": "http://web:8000",
        **env,
    }
    out = subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_in_a_split_topology_a_service_calls_and_queues_each_app_where_it_runs():
    routing, queues, task_routes, own_queue = _settings_of(
        "runs",
        RUNNERLY_EXTRACTED_APPS="runs,reports,plans",
        SERVICE_ROUTING="runs=http://runs:8000,reports=http://reports:8000,plans=http://plans:8000",
    )
    assert routing == {
        "accounts": "http://web:8000",
        "imports": "http://web:8000",
        "plans": "http://plans:8000",
        "races": "http://web:8000",
        "reports": "http://reports:8000",
        "strava": "http://web:8000",
    }
    assert queues == {
        "accounts": "celery",
        "imports": "celery",
        "plans": "plans",
        "races": "celery",
        "reports": "reports",
        "runs": "runs",
        "strava": "celery",
    }
    assert task_routes["reports.*"] == {"queue": "reports"}
    assert task_routes["imports.*"] == {"queue": "celery"}
    assert own_queue == "runs"
    assert sorted(queues) == SERVICES


def test_a_service_alone_sends_everything_else_to_the_monolith():
    routing, queues, _, _ = _settings_of("races")
    assert set(routing.values()) == {"http://web:8000"}
    assert "races" not in routing
    assert {name for name, queue in queues.items() if queue != "celery"} == {"races"}
