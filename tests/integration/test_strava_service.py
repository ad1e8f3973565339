"""StravaService over real HTTP: extracted/strava on its own gunicorn, database, worker and queue; the
fake Strava on loopback; the runs recorded in the monolith (the live server) through RunsService."""

import pytest
import redis

from apps.accounts.interface import testing as accounts_testing
from apps.tokendealer import dealing
from project.rpc import jwt_auth
from tests.integration.test_extraction import (
    SHARED_CACHE,
    ExtractedService,
    _service_database,
    _service_env,
    _wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def strava_database():
    with _service_database("strava") as url:
        yield url


def test_the_strava_service_connects_imports_and_disconnects_over_http(
    live_server, workers, strava_database, fake_strava, settings
):
    redis.Redis.from_url(SHARED_CACHE).flushdb()
    monolith = live_server.url
    monolith_secret = dealing.client_create(client_id="monolith", audiences=["strava"])
    strava_secret = dealing.client_create(client_id="strava-service", audiences=["accounts", "runs"])
    strava = ExtractedService(
        "strava",
        {
            **_service_env(monolith, strava_database, "strava-service", strava_secret),
            "DJANGO_SETTINGS_MODULE": "extracted.strava.settings",
            **{
                name: str(getattr(settings, name))
                for name in (
                    "STRAVA_API_URL",
                    "STRAVA_OAUTH_URL",
                    "STRAVA_CLIENT_ID",
                    "STRAVA_CLIENT_SECRET",
                    "STRAVA_WEBHOOK_VERIFY_TOKEN",
                    "STRAVA_SUBSCRIPTION_ID",
                )
            },
            "STRAVA_TOKEN_KEYS": "ghZFKO4aoY1efTnTiBFyku39K7TeOa3xRAarEHTY4O0=",  # a Fernet key, tests only
        },
        workers,
    )
    strava.migrate()
    strava.start()
    try:
        settings.RPC_AUTH = "project.rpc.jwt_auth.JwtRequestAuth"
        settings.RPC_TOKEN_URL, settings.RPC_JWKS_URL = f"{monolith}/oauth/token", f"{monolith}/.well-known/jwks.json"
        settings.RPC_CLIENT_ID, settings.RPC_CLIENT_SECRET = "monolith", monolith_secret
        settings.RPC_TRANSPORT = "project.rpc.remote.HttpTransport"
        settings.SERVICE_ROUTING = {"strava": strava.url}
        jwt_auth.tokens.clear()
        jwt_auth.jwks.clear()
        from apps.runs.interface.service import runs_service
        from apps.strava.interface import contracts as strava_contracts
        from apps.strava.interface import errors as strava_errors
        from apps.strava.interface.service import strava_service

        runner = accounts_testing.create_user(email="ada@example.com")
        fake_strava.add_athlete(903, activities=30)
        fake_strava.codes["code-9"] = 903
        status = strava_service.complete_connection(user_id=runner.id, code="code-9", scopes="read,activity:read_all")
        assert (status.state, status.athlete_id) == (strava_contracts.ConnectionState.ACTIVE, 903)
        assert _wait_for(lambda: strava_service.get_connection_status(user_id=runner.id).backfill == "done")
        assert strava_service.get_connection_status(user_id=runner.id).imported == 30
        assert len(runs_service.list_runs(user_id=runner.id, include_hidden=True).runs) == 30  # in the monolith
        with pytest.raises(strava_errors.MissingScope):
            strava_service.complete_connection(user_id=runner.id, code="x", scopes="read")
        assert strava_service.disconnect(user_id=runner.id) == 30
        assert runs_service.list_runs(user_id=runner.id, include_hidden=True).runs == []
    finally:
        strava.stop()
        jwt_auth.tokens.clear()
        jwt_auth.jwks.clear()
