"""Malformed and hostile input on public endpoints: a 4xx with a message, never a 500 (issue #12, first slice)."""

import ast
import datetime
import json
import pathlib
import time
import urllib.parse

import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.races.interface import testing as races_testing
from project.rpc import auth

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"


@pytest.fixture
def runner(client):
    profile = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    client.login(email="ada@example.com", password=PASSWORD)
    return profile


def _event(updates):
    return {
        "object_type": "athlete",
        "aspect_type": "update",
        "object_id": 901,
        "owner_id": 901,
        "subscription_id": 0,
        "updates": updates,
    }


@pytest.mark.parametrize("updates", ["authorized", ["authorized", "false"], 5, True])
def test_a_strava_event_whose_updates_are_not_an_object_is_refused(client, updates):
    response = client.post("/strava/webhook/", data=json.dumps(_event(updates)), content_type="application/json")
    assert (response.status_code, response.content) == (400, b"malformed event: updates: Input should be an object")


@pytest.mark.parametrize("updates", [{"title": "Morning run"}, {}, None])
def test_a_strava_event_with_updates_as_an_object_or_none_is_taken(client, updates):
    response = client.post("/strava/webhook/", data=json.dumps(_event(updates)), content_type="application/json")
    assert (response.status_code, response.json()) == (200, {"status": "received"})


@pytest.mark.parametrize("signature", ["sha256=é" * 3, "sha256=\u2603", "sha256=" + "0" * 64])
def test_a_service_call_with_a_bad_or_non_ascii_signature_is_401(client, signature):
    headers = {auth.TIMESTAMP_HEADER: str(int(time.time())), auth.SIGNATURE_HEADER: signature}
    response = client.generic(
        "POST", "/internal/rpc/runs/get_run", data=b"{}", content_type="application/json", headers=headers
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_strava_callback_with_a_non_ascii_state_is_refused_not_a_500(client, runner, settings):
    settings.STRAVA_CLIENT_ID, settings.STRAVA_CLIENT_SECRET = "4242", "secret"
    session = client.session
    session["strava_oauth_state"] = "expected-state"
    session.save()
    response = client.get("/strava/callback/", {"state": "\u00e9t\u00e9", "code": "x", "scope": "read"})
    assert response.status_code in (302, 400)
    assert response.status_code != 500


@pytest.mark.parametrize(
    ("target", "lands_on"),
    [
        ("https://evil.example/", "race"),
        ("//evil.example/", "race"),
        ("http://testserver.evil.example/", "race"),
        ("/dashboard/", "/dashboard/"),
        ("", "race"),
    ],
)
def test_after_im_running_this_the_redirect_stays_on_this_site(client, runner, target, lands_on):
    race = races_testing.add_race(added_by_id=runner.id, race_date=datetime.date.today() + datetime.timedelta(days=30))
    response = client.post(f"/races/{race.id}/running/", {"running": "yes", "next": target})
    assert response.status_code == 302
    assert response["Location"] == (f"/races/{race.id}/" if lands_on == "race" else lands_on)


def test_a_race_search_offset_past_any_integer_is_a_400_on_the_api_and_the_last_page_on_the_site(client, runner):
    huge = "771560487233998946304"
    api = client.get(f"/api/v1/races/?offset={huge}")
    assert api.status_code == 400
    assert "offset" in api.json()["fields"]
    assert client.get(f"/races/?offset={huge}").status_code == 200


EVIL_TARGETS = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "http://testserver.evil.example/"]


@pytest.mark.parametrize("target", EVIL_TARGETS)
@pytest.mark.parametrize("where", ["query", "form"])
def test_after_logging_in_the_redirect_stays_on_this_site(client, target, where):
    accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    query = f"?next={urllib.parse.quote(target)}" if where == "query" else ""
    data = {"login": "ada@example.com", "password": PASSWORD, **({"next": target} if where == "form" else {})}
    response = client.post("/accounts/login/" + query, data)
    assert (response.status_code, response["Location"]) == (302, "/dashboard/")


def test_after_logging_in_a_next_on_this_site_is_followed(client):
    accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    response = client.post("/accounts/login/", {"login": "ada@example.com", "password": PASSWORD, "next": "/runs/"})
    assert (response.status_code, response["Location"]) == (302, "/runs/")


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_after_logging_out_the_redirect_stays_on_this_site(client, runner, target):
    response = client.post("/accounts/logout/", {"next": target})
    assert (response.status_code, response["Location"]) == (302, "/")


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_after_the_admin_login_the_redirect_stays_on_this_site(client, admin_user, target):
    response = client.post(
        f"/admin/login/?next={urllib.parse.quote(target)}",
        {"username": admin_user.email, "password": "password", "next": target},
    )
    assert (response.status_code, response["Location"]) == (302, "/dashboard/")  # LOGIN_REDIRECT_URL


def _redirect_calls(path: pathlib.Path):
    """(function, first argument) of every redirect(...) and HttpResponseRedirect(...) call in a module."""
    tree = ast.parse(path.read_text())
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef):
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", ""))
                    in {"redirect", "HttpResponseRedirect"}
                    and node.args
                ):
                    yield function.name, node.args[0]


# Redirects whose target is computed, and why each cannot lead off the site. Any other target is a URL name.
COMPUTED_TARGETS = {
    ("apps/races/views.py", "race_running"): "`next` goes through url_has_allowed_host_and_scheme",
    ("apps/strava/views.py", "connect"): "settings.STRAVA_OAUTH_URL, with a query this view builds",
}


def test_every_redirect_in_our_code_goes_to_a_url_name_or_a_checked_target():
    root = pathlib.Path(__file__).resolve().parents[2]
    computed = set()
    for path in sorted([*root.glob("apps/**/*.py"), *root.glob("project/**/*.py")]):
        for function, target in _redirect_calls(path):
            if not (isinstance(target, ast.Constant) and isinstance(target.value, str)):
                computed.add((str(path.relative_to(root)), function))
    assert computed == set(COMPUTED_TARGETS)
