"""Project-wide fixtures: service modes, and which slow suites this machine can run."""

from __future__ import annotations

import os
import shutil
import socket

import pytest
from django.conf import settings

from project.rpc import interface, jwt_auth, remote, routing

CHROMIUM = os.environ.get("RUNNERLY_CHROMIUM", "/usr/bin/chromium")


def _on_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _slow_suite_reasons() -> dict[str, str]:
    """Which marked suites cannot run here, and why (reported in the header and the summary)."""
    reasons = {}
    if not _on_postgresql():
        reasons["integration"] = "needs DATABASE_URL=postgres://... (see .ci/run)"
    if not shutil.which(CHROMIUM):
        reasons["e2e"] = f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    if not shutil.which("nginx"):
        reasons["nginx"] = "needs nginx (apt-get install nginx-light)"
    return reasons


def pytest_report_header(config):
    reasons = _slow_suite_reasons()
    lines = [f"database: {settings.DATABASES['default']['ENGINE']}"]
    lines += [f"not running the {marker} tests: {why}" for marker, why in reasons.items()]
    return lines


def pytest_collection_modifyitems(config, items):
    reasons = _slow_suite_reasons()
    if not reasons:
        return
    if os.environ.get("RUNNERLY_REQUIRE_ALL_SUITES"):
        raise pytest.UsageError("RUNNERLY_REQUIRE_ALL_SUITES is set but " + "; ".join(reasons.values()))
    keep, drop = [], []
    for item in items:
        (drop if any(item.get_closest_marker(marker) for marker in reasons) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def _empty_cache():
    """The rate limits live in the cache; each test starts with none used."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_rpc_state():
    """Each test starts with closed circuits, no cached implementations, and no tokens, keys or client checks."""
    caches = (jwt_auth.tokens, jwt_auth.jwks, jwt_auth.client_checks, jwt_auth.verified)
    remote.reset_breakers()
    routing._implementations.clear()
    for cache in caches:
        cache.clear()
    yield
    remote.reset_breakers()
    routing._implementations.clear()
    for cache in caches:
        cache.clear()


@pytest.fixture
def refused_url():
    """A port held bound but not listening: a connection to it is refused."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{closed.getsockname()[1]}"


@pytest.fixture(params=["local", "remote"])
def service_mode(request, settings):
    """Run the test once in-process and once over the internal HTTP endpoint (through the test client)."""
    if request.param == "remote":
        settings.SERVICE_ROUTING = {name: "http://testserver" for name in interface.registered_services()}
        settings.RPC_TRANSPORT = "project.rpc.testing.TestClientTransport"
    else:
        settings.SERVICE_ROUTING = {}
    return request.param


@pytest.fixture
def fake_strava(settings):
    """A fake Strava on loopback (tests/fakes/strava), with the app's settings pointing at it."""
    from tests.fakes.strava.server import FakeStrava

    fake = FakeStrava()
    base = fake.start()
    settings.STRAVA_API_URL = f"{base}/api/v3"
    settings.STRAVA_OAUTH_URL = f"{base}/oauth"
    settings.STRAVA_CLIENT_ID = "4242"
    settings.STRAVA_CLIENT_SECRET = "fake-secret"
    settings.STRAVA_WEBHOOK_VERIFY_TOKEN = "verify-me"
    settings.STRAVA_SUBSCRIPTION_ID = 7
    yield fake
    fake.stop()


@pytest.fixture
def upload(runner, django_capture_on_commit_callbacks):
    """Uploads a file as the test module's `runner`, its import run at once; returns the job's status."""
    from apps.imports import operations
    from apps.imports.interface.service import imports_service

    def send(name, data):
        with django_capture_on_commit_callbacks(execute=True):
            job = operations.create_upload(user_id=runner.id, name=name, data=data)
        return imports_service.get_job(user_id=runner.id, job_id=job.id)

    return send
