"""The runs list API answered from the cache (apps/runs/api/views.py `_from_cache`): one cache read, no query, the
same answer as DRF's, and every check of a token kept: revoked, deactivated, expired, throttled, another runner's."""

import datetime
import hashlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.accounts.interface import testing as accounts_testing
from apps.runs import listcache
from apps.runs.api import views
from apps.runs.interface import testing as runs_testing
from apps.runs.interface.service import runs_service

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 5, 1, 7, 30, tzinfo=datetime.UTC)
PASSWORD = "a-long-enough-Passw0rd"
HEADERS = ("Content-Type", "Allow", "Vary", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


@pytest.fixture
def runner():
    return accounts_testing.create_user(email="ada@example.com", password=PASSWORD)


def _staff_key(user_id: int) -> str:
    return Token.objects.create(user=get_user_model().objects.get(pk=user_id)).key


def _personal_token(client, *, email: str = "ada@example.com") -> str:
    client.login(email=email, password=PASSWORD)
    response = client.post("/profile/tokens/", {"name": "script", "scope": "read", "expires_in_days": "30"})
    return re.search(r'id="new-token-value" value="([^"]+)"', response.content.decode()).group(1)


def _get(token: str, path: str = "/api/v1/runs/?limit=50"):
    return APIClient().get(path, HTTP_AUTHORIZATION=f"Token {token}")


def _names(response) -> list[str]:
    return [run["name"] for run in response.json()["runs"]]


def test_a_repeated_request_is_answered_from_one_cache_read_with_the_same_answer(
    runner, django_assert_num_queries, monkeypatch
):
    runs_testing.record_manual_run(user_id=runner.id, start=START, name="Morning run")
    key = _staff_key(runner.id)
    first = _get(key)
    reads = []
    get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: reads.append(list(keys)) or get_many(keys))

    with django_assert_num_queries(0):
        again = _get(key)

    assert again.status_code == 200
    assert again.content == first.content
    assert {name: again[name] for name in HEADERS} == {name: first[name] for name in HEADERS}
    assert again["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert reads == [
        [
            "auth:token:" + hashlib.sha256(key.encode()).hexdigest(),
            *listcache.list_keys(user_id=runner.id, api_query=[("limit", ["50"])]),
        ]
    ]


def test_the_first_request_after_a_change_shows_it(runner, django_capture_on_commit_callbacks):
    run = runs_testing.record_manual_run(user_id=runner.id, start=START, name="Morning run")
    key = _staff_key(runner.id)
    assert _names(_get(key)) == ["Morning run"]

    with django_capture_on_commit_callbacks(execute=True):  # the runs version is forgotten after commit
        runs_service.update_run(user_id=runner.id, run_id=run.id, name="Tempo run")

    assert _names(_get(key)) == ["Tempo run"]
    assert _names(_get(key)) == ["Tempo run"]


def test_a_deleted_key_is_refused_even_with_its_page_cached(runner):
    key = _staff_key(runner.id)
    assert [_get(key).status_code for _ in range(2)] == [200, 200]

    Token.objects.filter(key=key).delete()

    response = _get(key)
    assert (response.status_code, response.json()["message"]) == (401, "Invalid token.")


def test_a_wrong_guess_of_the_owner_never_serves_another_runners_page(runner):
    runs_testing.record_manual_run(user_id=runner.id, start=START, name="Ada's run")
    other = accounts_testing.create_user(email="bob@example.com")
    runs_testing.record_manual_run(user_id=other.id, start=START, name="Bob's run")
    ada, bob = _staff_key(runner.id), _staff_key(other.id)
    assert _names(_get(ada)) == ["Ada's run"]
    assert _names(_get(bob)) == ["Bob's run"]

    views._owners[hashlib.sha256(bob.encode()).hexdigest()] = runner.id  # as if this process had it wrong

    assert _names(_get(bob)) == ["Bob's run"]
    assert _names(_get(ada)) == ["Ada's run"]


def test_a_bad_filter_still_gets_400_in_the_error_shape(runner):
    key = _staff_key(runner.id)
    assert _get(key).status_code == 200

    response = _get(key, "/api/v1/runs/?limit=0")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Some fields are not valid; see fields.",
        "fields": {"limit": ["Ensure this value is greater than or equal to 1."]},
    }


def test_a_personal_token_is_throttled_when_answered_from_the_cache_and_counted_once_after_a_change(
    client, runner, settings, django_capture_on_commit_callbacks
):
    settings.API_TOKEN_RATE = "3/min"
    run = runs_testing.record_manual_run(user_id=runner.id, start=START, name="Morning run")
    token = _personal_token(client)
    assert _get(token).status_code == 200  # through DRF: the process learns whose token it is

    with django_capture_on_commit_callbacks(execute=True):  # the runs version is forgotten after commit
        runs_service.update_run(user_id=runner.id, run_id=run.id, name="Tempo run")
    assert _names(_get(token)) == ["Tempo run"]  # no current page: computed, and counted once
    assert _get(token).status_code == 200  # from the cache, counted
    response = _get(token)

    assert (response.status_code, response["Retry-After"]) == (429, "60")
    assert response.json()["code"] == "throttled"


def test_a_personal_token_that_expires_while_its_page_is_cached_is_refused(client, runner, monkeypatch):
    from django.utils import timezone

    token = _personal_token(client)
    assert [_get(token).status_code for _ in range(2)] == [200, 200]
    in_31_days = timezone.now() + datetime.timedelta(days=31)
    monkeypatch.setattr(timezone, "now", lambda: in_31_days)

    response = _get(token)

    assert (response.status_code, response.json()["code"]) == (401, "token_expired")


def test_the_session_and_other_methods_go_through_drf(client, runner):
    runs_testing.record_manual_run(user_id=runner.id, start=START, name="Morning run")
    client.login(email="ada@example.com", password=PASSWORD)

    assert _names(client.get("/api/v1/runs/")) == ["Morning run"]
    assert _names(client.get("/api/v1/runs/")) == ["Morning run"]
    response = client.post("/api/v1/runs/", {"start": "2026-05-02T07:30:00+00:00"}, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")


def test_the_service_keeps_no_second_copy_of_a_page_the_api_keeps(runner):
    runs_testing.record_manual_run(user_id=runner.id, start=START, name="Morning run")
    key = _staff_key(runner.id)
    _get(key)

    assert listcache.cached_list(user_id=runner.id, api_query=[("limit", ["50"])])[0] is not None
    assert (
        listcache.cached_list(
            user_id=runner.id, start_date=None, end_date=None, sports=None, include_hidden=False, cursor=None, limit=50
        )[0]
        is None
    )
