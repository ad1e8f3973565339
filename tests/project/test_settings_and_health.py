import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def _deploy_check(settings_module, **env):
    """`manage.py check --deploy` failing on warnings, with production-like environment variables."""
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DJANGO_SECRET_KEY": "p7Zq-this-is-only-a-test-but-long-and-varied-9xK2#mW4&vL8@rT1^bN6",
        "DJANGO_ALLOWED_HOSTS": "runnerly.example",
        "DATABASE_URL": "postgres://runnerly@127.0.0.1:5432/runnerly",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "RPC_SIGNING_KEYS": "a-shared-secret-for-service-calls",
        "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example:587",
        "RUNNERLY_SITE_URL": "https://runnerly.example",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_production_settings_pass_the_deploy_check():
    assert _deploy_check("project.settings.production") == "System check identified no issues (0 silenced)."


@pytest.mark.parametrize("app", ["imports", "plans", "races", "reports", "runs", "strava"])
def test_each_extracted_services_settings_pass_the_deploy_check(app):
    output = _deploy_check(
        f"extracted.{app}.settings",
        DJANGO_ALLOWED_HOSTS=f"{app}.internal",
        DATABASE_URL=f"postgres://runnerly@127.0.0.1:5432/runnerly_{app}",
        RUNNERLY_MONOLITH_URL="http://web:8000",
    )
    # the admin's own middleware checks only: a service serves no admin, sessions or logins
    assert output == "System check identified no issues (3 silenced)."


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "project.settings.production"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "Set the DJANGO_SECRET_KEY environment variable" in result.stderr


@pytest.mark.django_db
def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_healthz_reports_the_database_and_eager_tasks(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "eager"}}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_broker_is_unreachable(client, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from project.celery import app

    unreachable = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable)  # Celery prefers the variable to its setting
    original = app.conf.broker_url
    app.conf.broker_url = unreachable
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "error: OperationalError"}


@pytest.mark.django_db
def test_the_demo_data_command_gives_a_year_of_runs_and_can_run_twice():
    from apps.runs.models import Run

    first, second = io.StringIO(), io.StringIO()
    call_command("seed_demo", stdout=first)
    call_command("seed_demo", stdout=second)
    runs = Run.objects.count()
    assert first.getvalue().splitlines() == [
        "Created the demo runner: log in as demo@runnerly.example / runnerly-demo-2026",
        f"{runs} demo runs added for demo@runnerly.example.",
        "4 demo races added; demo@runnerly.example is running the first.",
        "Half marathon, intermediate for Runnerly Spring Half: 47 sessions.",
    ]
    assert second.getvalue().splitlines()[1:] == [
        "0 demo runs added for demo@runnerly.example.",
        "0 demo races added; demo@runnerly.example is running the first.",
        "demo@runnerly.example already has a plan for Runnerly Spring Half.",
    ]
    assert 150 < runs < 250  # about four a week
    days = set(Run.objects.values_list("local_date", flat=True))
    assert (max(days) - min(days)).days > 300
