"""Runners' personal API tokens: the page that makes and revokes them, and the API answering them."""

import datetime
import hashlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from apps.accounts.interface import testing as accounts_testing
from apps.accounts.models import ApiToken
from apps.runs.interface import testing as runs_testing

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-Passw0rd"
START = datetime.datetime(2026, 5, 1, 7, 30, tzinfo=datetime.UTC)
NEW_RUN = {"name": "Lunch run", "start": "2026-05-02T12:00:00+00:00", "distance_m": 8000, "elapsed_s": 2400}
INVALID = {"code": "authentication_failed", "message": "Invalid token.", "fields": {}}


@pytest.fixture
def runner(client):
    profile = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    client.login(email="ada@example.com", password=PASSWORD)
    return profile


def _create(client, *, name="sync script", scope="read", expires_in_days="30") -> str:
    response = client.post("/profile/tokens/", {"name": name, "scope": scope, "expires_in_days": expires_in_days})
    assert response.status_code == 200
    return re.search(r'id="new-token-value" value="([^"]+)"', response.content.decode()).group(1)


def _api(api_client, token, method="get", path="/api/v1/runs/", **kwargs):
    return getattr(api_client, method)(path, HTTP_AUTHORIZATION=f"Token {token}", **kwargs)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def test_the_tokens_page_needs_a_login(client):
    response = client.get("/profile/tokens/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/?next=/profile/tokens/")


def test_the_profile_links_to_the_tokens_page(client, runner):
    assert b'href="/profile/tokens/"' in client.get("/profile/").content


def test_a_new_token_is_shown_once_and_only_its_digest_is_stored(client, runner):
    plain = _create(client, name="watch sync", scope="read_write", expires_in_days="30")

    assert re.fullmatch(r"rnly_[A-Za-z0-9_-]{43}", plain)
    token = ApiToken.objects.get()
    assert (token.user_id, token.name, token.scope, token.prefix, token.last_used_at) == (
        runner.id,
        "watch sync",
        "read_write",
        plain[:11],
        None,
    )
    assert token.digest == hashlib.sha256(plain.encode()).hexdigest()
    assert abs(token.expires_at - token.created_at - datetime.timedelta(days=30)) < datetime.timedelta(seconds=1)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        row = cursor.fetchone()
    assert [value for value in row if isinstance(value, str) and plain in value] == []

    page = client.get("/profile/tokens/")
    assert plain.encode() not in page.content
    assert f"<code>{token.prefix}…</code>".encode() in page.content
    assert page["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_sending_the_same_form_again_makes_no_second_token(client, runner):
    page = client.get("/profile/tokens/").content.decode()
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)
    form = {"name": "watch", "scope": "read", "expires_in_days": "30", "once": once}
    assert client.post("/profile/tokens/", form).context["created"] is not None
    again = client.post("/profile/tokens/", form)  # the browser's reload of the page that showed the token
    assert again.context["created"] is None
    assert again.context["form"].non_field_errors() == [
        "This form was sent already: the token it made is in the list above (its value was shown once)."
    ]
    assert ApiToken.objects.filter(user_id=runner.id).count() == 1
    assert '<div class="overflow-auto">\n<table>' in again.content.decode()  # the list scrolls in its box on a phone


def test_a_token_that_never_expires_has_no_expiry(client, runner):
    _create(client, expires_in_days="")
    assert ApiToken.objects.get().expires_at is None


def test_a_token_without_a_name_is_refused_and_nothing_is_stored(client, runner):
    response = client.post("/profile/tokens/", {"name": "", "scope": "read", "expires_in_days": "30"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"name": ["This field is required."]}
    assert b"new-token-value" not in response.content
    assert ApiToken.objects.count() == 0


def test_a_runner_has_at_most_twenty_tokens(client, runner):
    for number in range(20):
        _create(client, name=f"token {number}")
    response = client.post("/profile/tokens/", {"name": "one more", "scope": "read", "expires_in_days": "30"})
    assert response.context["form"].non_field_errors() == [
        "You have 20 tokens, the most you can have. Revoke one first."
    ]
    assert ApiToken.objects.count() == 20


def test_a_read_token_reads_the_runners_runs(client, runner, api_client):
    run = runs_testing.record_manual_run(user_id=runner.id, start=START, name="Morning run")
    runs_testing.record_manual_run(user_id=accounts_testing.create_user().id, start=START)
    token = _create(client, scope="read")

    response = _api(api_client, token)

    assert response.status_code == 200
    assert [(item["id"], item["name"]) for item in response.json()["runs"]] == [(run.id, "Morning run")]


def test_a_read_token_cannot_write(client, runner, api_client):
    token = _create(client, scope="read")

    response = _api(api_client, token, "post", data=NEW_RUN, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "code": "token_read_only",
        "message": "This token can only read. Create a token with read and write access to change data.",
        "fields": {},
    }
    assert _api(api_client, token).json()["runs"] == []


def test_a_read_and_write_token_adds_a_run(client, runner, api_client):
    token = _create(client, scope="read_write")

    response = _api(api_client, token, "post", data=NEW_RUN, format="json")

    assert response.status_code == 201
    assert [item["name"] for item in _api(api_client, token).json()["runs"]] == ["Lunch run"]


def test_a_revoked_token_is_refused_at_once(client, runner, api_client, django_capture_on_commit_callbacks):
    token = _create(client)
    assert _api(api_client, token).status_code == 200  # its owner is now in the cache
    token_id = ApiToken.objects.get().pk

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/profile/tokens/{token_id}/revoke/")

    assert (response.status_code, response["Location"]) == (302, "/profile/tokens/")
    assert ApiToken.objects.count() == 0
    response = _api(api_client, token)
    assert (response.status_code, response.json()) == (401, INVALID)
    assert response["WWW-Authenticate"] == "Token"


def test_revoking_needs_a_post(client, runner):
    _create(client)
    assert client.get(f"/profile/tokens/{ApiToken.objects.get().pk}/revoke/").status_code == 405
    assert ApiToken.objects.count() == 1


def test_an_unknown_token_is_refused(api_client, db):
    response = _api(api_client, "rnly_" + "x" * 43)
    assert (response.status_code, response.json()) == (401, INVALID)


def test_an_expired_token_is_refused(client, runner, api_client):
    token = _create(client)
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = _api(api_client, token)

    assert response.status_code == 401
    assert response.json() == {"code": "token_expired", "message": "This token has expired.", "fields": {}}


def test_a_token_that_expires_while_cached_is_refused(client, runner, api_client, monkeypatch):
    token = _create(client, expires_in_days="30")
    assert _api(api_client, token).status_code == 200

    in_31_days = timezone.now() + datetime.timedelta(days=31)
    monkeypatch.setattr(timezone, "now", lambda: in_31_days)

    assert _api(api_client, token).json()["code"] == "token_expired"


def test_the_token_of_a_deactivated_runner_is_refused_at_once(client, runner, api_client):
    token = _create(client)
    assert _api(api_client, token).status_code == 200

    user = get_user_model().objects.get(pk=runner.id)
    user.is_active = False
    user.save()

    assert _api(api_client, token).status_code == 401


def test_deleting_the_account_deletes_its_tokens_and_they_stop_at_once(
    client, runner, api_client, django_capture_on_commit_callbacks
):
    token = _create(client)
    assert _api(api_client, token).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        get_user_model().objects.filter(pk=runner.id).delete()

    assert ApiToken.objects.count() == 0
    assert _api(api_client, token).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(client, runner, api_client):
    from django.core.cache import cache

    token = _create(client)
    _api(api_client, token)
    first = ApiToken.objects.get().last_used_at
    assert first is not None

    cache.clear()  # even when the token is looked up again, a use within the minute writes nothing
    _api(api_client, token)
    assert ApiToken.objects.get().last_used_at == first

    ApiToken.objects.update(last_used_at=first - datetime.timedelta(minutes=2))
    cache.clear()
    _api(api_client, token)
    assert ApiToken.objects.get().last_used_at > first


def test_each_token_is_throttled_with_retry_after(client, runner, api_client, settings):
    settings.API_TOKEN_RATE = "2/min"
    token, other = _create(client, name="one"), _create(client, name="two")

    assert [_api(api_client, token).status_code for _ in range(2)] == [200, 200]
    response = _api(api_client, token)

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert response.json() == {
        "code": "throttled",
        "message": "Request was throttled. Expected available in 60 seconds.",
        "fields": {},
    }
    assert _api(api_client, other).status_code == 200  # counted per token, not per runner
    assert client.get("/api/v1/runs/").status_code == 200  # the session is not throttled by it


def test_staff_created_keys_and_the_session_keep_working(client, runner, api_client):
    key = Token.objects.create(user=get_user_model().objects.get(pk=runner.id)).key
    assert _api(api_client, key).status_code == 200
    assert _api(api_client, key, "post", data=NEW_RUN, format="json").status_code == 201
    assert client.get("/api/v1/runs/").status_code == 200


def test_another_runner_cannot_see_or_revoke_a_token(client, runner, django_capture_on_commit_callbacks):
    _create(client, name="ada's script")
    token_id = ApiToken.objects.get().pk
    assert b"ada&#x27;s script" in client.get("/profile/tokens/").content
    accounts_testing.create_user(email="bob@example.com", password=PASSWORD)
    client.logout()
    client.login(email="bob@example.com", password=PASSWORD)

    page = client.get("/profile/tokens/").content
    assert b"ada&#x27;s script" not in page
    assert b"No tokens yet." in page
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/profile/tokens/{token_id}/revoke/").status_code == 404
    assert ApiToken.objects.filter(pk=token_id).exists()
