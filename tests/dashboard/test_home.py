"""The dashboard composes services: a service it cannot get an answer from, for whatever reason, is a section
that says so, never a failed page."""

import pytest
from django.apps import apps as django_apps

from apps.accounts.interface import testing as accounts_testing
from project.rpc import interface

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
SECTIONS_UNAVAILABLE = [
    "Your totals are temporarily unavailable.",
    "Your training plan is temporarily unavailable.",
    "Races are temporarily unavailable.",
    "Your monthly report is temporarily unavailable.",
    "Your runs are temporarily unavailable.",
]


@pytest.fixture
def runner(client):
    profile = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    client.login(email="ada@example.com", password=PASSWORD)
    return profile


def test_every_section_is_there_when_its_service_answers(client, runner):
    content = client.get("/dashboard/").content.decode()
    assert [text for text in SECTIONS_UNAVAILABLE if text in content] == []


@pytest.mark.django_db(transaction=True)
def test_with_the_token_dealer_unreachable_the_dashboard_answers_with_its_remote_sections_unavailable(
    client, runner, settings, live_server, refused_url
):
    # Every service answers over real HTTP; this process has no dealer tables (as an extracted service), so it
    # must ask the dealer for tokens over HTTP, and nothing listens there.
    settings.SERVICE_APPS = [app.label for app in django_apps.get_app_configs() if app.label != "tokendealer"]
    settings.SERVICE_ROUTING = {name: live_server.url for name in interface.registered_services()}
    settings.RPC_TRANSPORT = "project.rpc.remote.HttpTransport"
    settings.RPC_AUTH = "project.rpc.jwt_auth.JwtRequestAuth"
    settings.RPC_TOKEN_URL = refused_url + "/oauth/token"
    settings.RPC_JWKS_URL = refused_url + "/.well-known/jwks.json"
    response = client.get("/dashboard/")
    assert response.status_code == 200
    content = response.content.decode()
    assert [text for text in SECTIONS_UNAVAILABLE if text in content] == SECTIONS_UNAVAILABLE
