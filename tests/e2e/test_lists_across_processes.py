"""A run recorded by another process (`manage.py import_activities`) is listed at once, with `make run`'s settings.

The app runs as `make run` starts it (dev settings, `runserver`), on its own SQLite file and port. The cache
is the default one, DJANGO_CACHE_URL left empty; only its folder is moved (RUNNERLY_CACHE_DIR) so that
the test neither reads nor clears the developer's `.cache/django`, whose user ids belong to another database.
The last test shows that, with RUNNERLY_CACHE_DIR unset too, that folder is the project's `.cache/django`.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from apps.accounts.management.commands import seed_demo_user

ROOT = Path(__file__).resolve().parents[2]
ACTIVITY = ROOT / "tests" / "fixtures" / "activities" / "gpx11_strava_run_hr.gpx"
RUN_NAME = "Greeting SF with a dumb, dumb route"  # the <name> in that file
# What the test process, CI or a developer's shell may have set; the app gets `make run`'s environment instead.
TEST_ONLY_PREFIXES = ("DJANGO_", "RUNNERLY_", "DATABASE_URL", "CELERY_", "RPC_", "SERVICE_ROUTING", "REDIS_URL")


def _make_run_environment(tmp_path: Path) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(TEST_ONLY_PREFIXES)}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "project.settings.dev",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        # Empty is the default (a file cache shared by every process); set, it shadows a developer's .env.
        "DJANGO_CACHE_URL": "",
        "RUNNERLY_CACHE_DIR": str(tmp_path / "cache"),
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def make_run(tmp_path):
    """`make run` on a fresh database: migrate, the demo runner, runserver. Yields (base URL, environment)."""
    env = _make_run_environment(tmp_path)
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo_user")
    port = _free_port()
    log_path = tmp_path / "runserver.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, log_path.read_text()
            try:
                urllib.request.urlopen(base_url + "/healthz", timeout=1).close()
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
        yield base_url, env
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.e2e
def test_a_run_imported_by_another_process_is_listed_at_once_on_the_dashboard_and_the_runs_page(
    make_run, page, tmp_path
):
    base_url, env = make_run
    page.goto(base_url + "/accounts/login/")
    page.fill("input[name=login]", seed_demo_user.DEMO_EMAIL)
    page.fill("input[name=password]", seed_demo_user.DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    last_runs = page.locator("section", has=page.get_by_role("heading", name="Last runs"))
    assert last_runs.locator("p.empty").inner_text() == "No runs yet. Upload a file or enter a run by hand."
    page.goto(base_url + "/runs/")
    assert page.locator("main p.empty").inner_text() == "No runs match. Upload a file or enter a run by hand."
    # Both empty lists are now cached for an hour.

    output = _manage(
        env,
        "import_activities",
        str(ACTIVITY),
        "--user",
        seed_demo_user.DEMO_EMAIL,
    )
    assert output.splitlines()[0] == "Imported 1, duplicates 0, failed 0."  # then a note: the file names no sport

    page.goto(base_url + "/dashboard/")
    rows = last_runs.locator("table tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("td").nth(1).inner_text() == RUN_NAME
    page.goto(base_url + "/runs/")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("td").nth(1).inner_text() == RUN_NAME
    assert list((tmp_path / "cache").glob("*.djcache"))  # the cache every process shares


def test_make_run_caches_in_a_folder_of_the_project_that_every_process_shares(tmp_path):
    env = {**_make_run_environment(tmp_path), "RUNNERLY_CACHE_DIR": ""}
    printed = _manage(
        env,
        "shell",
        "--no-imports",
        "-c",
        "import json; from django.conf import settings; print(json.dumps(settings.CACHES))",
    )

    assert json.loads(printed) == {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(ROOT / ".cache" / "django"),
            "OPTIONS": {"MAX_ENTRIES": 10000},
        }
    }
