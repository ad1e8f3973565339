"""Strava does not sign its webhook events: a forged one destroys nothing (issue #12, item 1).

Each destructive event is forged against the fake Strava (tests/fakes/strava): nothing is deleted and no
connection dropped unless the fake confirms it (the activity is gone, the runner's token is refused).
"""

import json
import urllib.parse

import pytest
import requests

from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface.service import runs_service
from apps.strava.models import StravaConnection

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
ATHLETE = 901


@pytest.fixture
def connected(client, fake_strava, django_capture_on_commit_callbacks):
    runner = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    client.login(email="ada@example.com", password=PASSWORD)
    fake_strava.add_athlete(ATHLETE, activities=3)
    authorize = urllib.parse.urlsplit(client.post("/strava/connect/")["Location"])
    approved = requests.post(
        f"{authorize.scheme}://{authorize.netloc}{authorize.path}",
        data=dict(urllib.parse.parse_qsl(authorize.query)),
        allow_redirects=False,
        timeout=5,
    )
    callback = urllib.parse.urlsplit(approved.headers["Location"])
    with django_capture_on_commit_callbacks(execute=True):
        client.get(f"{callback.path}?{callback.query}")
    client.logout()  # the attacker has no session
    return runner


def _forge(client, captured, path="/strava/webhook/", **event):
    body = {"aspect_type": "update", "subscription_id": 7, "event_time": 1, "updates": {}, **event}
    with captured(execute=True):
        return client.post(path, data=json.dumps(body), content_type="application/json")


def _strava_runs(user_id):
    return [r for r in runs_service.list_runs(user_id=user_id, limit=200).runs if r.source == "strava"]


def test_a_forged_deauthorization_drops_nothing_while_strava_still_takes_the_token(
    client, connected, fake_strava, django_capture_on_commit_callbacks
):
    assert len(_strava_runs(connected.id)) == 3
    response = _forge(
        client,
        django_capture_on_commit_callbacks,
        object_type="athlete",
        object_id=ATHLETE,
        owner_id=ATHLETE,
        updates={"authorized": "false"},
    )
    assert response.json() == {"status": "received"}
    assert StravaConnection.objects.count() == 1
    assert len(_strava_runs(connected.id)) == 3


def test_a_forged_delete_keeps_the_run_while_the_activity_is_on_strava(
    client, connected, fake_strava, django_capture_on_commit_callbacks
):
    [first, *_] = fake_strava.athletes[ATHLETE].activities
    _forge(
        client,
        django_capture_on_commit_callbacks,
        object_type="activity",
        object_id=first["id"],
        owner_id=ATHLETE,
        aspect_type="delete",
    )
    assert len(_strava_runs(connected.id)) == 3


def test_any_subscription_id_gets_the_same_answer(client, connected, django_capture_on_commit_callbacks):
    answers = {
        _forge(
            client,
            django_capture_on_commit_callbacks,
            object_type="activity",
            object_id=1,
            owner_id=1,
            subscription_id=s,
        ).content
        for s in (0, 7, 8, 123456)
    }
    assert answers == {b'{"status": "received"}'}


def test_with_a_path_secret_only_the_secret_url_takes_events(
    client, connected, settings, django_capture_on_commit_callbacks
):
    settings.STRAVA_WEBHOOK_PATH_SECRET = "s3cret-segment"
    event = {"object_type": "activity", "object_id": 1, "owner_id": ATHLETE}
    assert _forge(client, django_capture_on_commit_callbacks, **event).status_code == 404
    assert (
        _forge(client, django_capture_on_commit_callbacks, path="/strava/webhook/guess/", **event).status_code == 404
    )
    right = _forge(client, django_capture_on_commit_callbacks, path="/strava/webhook/s3cret-segment/", **event)
    assert (right.status_code, right.json()) == (200, {"status": "received"})
    handshake = client.get(
        "/strava/webhook/s3cret-segment/",
        {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "x"},
    )
    assert handshake.json() == {"hub.challenge": "x"}


def test_the_deploy_check_asks_for_a_webhook_secret_once_strava_is_configured(settings):
    from apps.strava import checks

    settings.STRAVA_CLIENT_ID, settings.STRAVA_WEBHOOK_PATH_SECRET = "4242", ""
    assert [message.id for message in checks.webhook_path_secret(None)] == ["strava.E001"]
    settings.STRAVA_WEBHOOK_PATH_SECRET = "s3cret-segment"
    assert checks.webhook_path_secret(None) == []
    settings.STRAVA_CLIENT_ID, settings.STRAVA_WEBHOOK_PATH_SECRET = "", ""
    assert checks.webhook_path_secret(None) == []
