"""Connecting Strava, importing the history within the quota, following webhooks, disconnecting."""

import datetime
import json
import urllib.parse

import pytest
import requests

from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface import contracts as runs_contracts
from apps.runs.interface.service import runs_service
from apps.strava import client as strava_client
from apps.strava import crypto, operations, tasks
from apps.strava.interface import contracts
from apps.strava.interface.service import strava_service
from apps.strava.models import PendingEvent, StravaConnection

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
ATHLETE = 901


@pytest.fixture
def runner(client):
    profile = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    client.login(email="ada@example.com", password=PASSWORD)
    return profile


def _connect(client, fake, django_capture_on_commit_callbacks):
    """The whole OAuth dance: our connect button, Strava's authorize form, our callback."""
    response = client.post("/strava/connect/")
    authorize = urllib.parse.urlsplit(response["Location"])
    query = dict(urllib.parse.parse_qsl(authorize.query))
    assert (query["client_id"], query["scope"], query["response_type"]) == ("4242", "read,activity:read_all", "code")
    approved = requests.post(
        f"{authorize.scheme}://{authorize.netloc}{authorize.path}", data=query, allow_redirects=False, timeout=5
    )
    callback = urllib.parse.urlsplit(approved.headers["Location"])
    with django_capture_on_commit_callbacks(execute=True):
        return client.get(f"{callback.path}?{callback.query}")


def _strava_runs(user_id):
    return [
        run
        for run in runs_service.list_runs(user_id=user_id, include_hidden=True, limit=200).runs
        if run.source == "strava"
    ]


def test_connecting_stores_encrypted_tokens_and_imports_the_history(
    client, runner, fake_strava, django_capture_on_commit_callbacks
):
    fake_strava.add_athlete(ATHLETE, activities=450)
    response = _connect(client, fake_strava, django_capture_on_commit_callbacks)
    assert response["Location"] == "/strava/"
    connection = StravaConnection.objects.get()
    assert (connection.user_id, connection.athlete_id, connection.backfill, connection.imported) == (
        runner.id,
        ATHLETE,
        "done",
        450,
    )
    token = crypto.unseal(connection.access_token)
    assert token in fake_strava.access_tokens
    assert token.encode() not in bytes(connection.access_token)  # encrypted at rest
    runs = _strava_runs(runner.id)
    assert len(runs) == 200  # a page of the list; the total is below
    assert runs_service.get_month_summary(user_id=runner.id, year=2024, month=1).runs == 31
    assert fake_strava.api_requests("/api/v3/athlete/activities") == 3  # 450 activities, 200 a page
    page = client.get("/strava/").content.decode()
    assert "History imported: 450 activities." in page


@pytest.mark.django_db(transaction=True)
def test_with_the_dev_servers_eager_tasks_the_callback_answers_before_the_history_is_read(
    client, runner, fake_strava, settings, django_capture_on_commit_callbacks
):
    import threading

    from project import celery

    settings.RUNNERLY_EAGER_IN_BACKGROUND = True
    fake_strava.add_athlete(ATHLETE, activities=450)
    fake_strava.held["/api/v3/athlete/activities"] = released = threading.Event()
    response = _connect(client, fake_strava, django_capture_on_commit_callbacks)
    assert (response.status_code, response["Location"]) == (302, "/strava/")
    assert StravaConnection.objects.get().imported == 0  # the import waits on Strava in its own thread
    (importing,) = [thread for thread in celery.background if thread.is_alive()]
    released.set()
    importing.join(timeout=300)  # generous: a loaded CI machine takes a while for 450 activities
    connection = StravaConnection.objects.get()
    assert (connection.backfill, connection.imported) == ("done", 450)


def test_an_activity_becomes_a_run_with_its_values(client, runner, fake_strava, django_capture_on_commit_callbacks):
    fake_strava.add_athlete(ATHLETE, activities=1)
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    run = _strava_runs(runner.id)[0]
    activity = fake_strava.athletes[ATHLETE].activities[0]
    assert (run.name, run.sport, run.distance_m, run.moving_s, run.elapsed_s, run.timezone) == (
        activity["name"],
        "run",
        activity["distance"],
        1500.0,
        1560.0,
        "Europe/Paris",
    )
    assert run.start == datetime.datetime(2024, 1, 1, 6, 0, tzinfo=datetime.UTC)
    assert run.local_date == datetime.date(2024, 1, 1)


def test_a_missing_scope_is_explained_and_nothing_is_stored(
    client, runner, fake_strava, django_capture_on_commit_callbacks
):
    fake_strava.add_athlete(ATHLETE, activities=3, scopes="read")
    response = _connect(client, fake_strava, django_capture_on_commit_callbacks)
    assert response["Location"] == "/strava/"
    assert StravaConnection.objects.count() == 0
    assert "Runnerly needs to see all your activities" in client.get("/strava/").content.decode()


def test_a_callback_with_another_state_is_refused(client, runner, fake_strava):
    fake_strava.add_athlete(ATHLETE)
    client.post("/strava/connect/")
    response = client.get("/strava/callback/?state=forged&code=abc&scope=read,activity:read_all")
    assert response["Location"] == "/strava/"
    assert StravaConnection.objects.count() == 0
    assert "That Strava answer was not for this session" in client.get("/strava/").content.decode()


def test_without_credentials_the_page_says_strava_is_not_configured(client, runner, settings):
    settings.STRAVA_CLIENT_ID = ""
    assert "Strava is not configured on this server yet" in client.get("/strava/").content.decode()
    client.post("/strava/connect/")
    assert StravaConnection.objects.count() == 0


def test_an_expired_token_is_refreshed_once_and_the_new_refresh_token_kept(
    client, runner, fake_strava, django_capture_on_commit_callbacks
):
    fake_strava.add_athlete(ATHLETE)
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    StravaConnection.objects.update(expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    connection = StravaConnection.objects.get()
    first = operations.get_access_token(connection_id=connection.pk)
    second = operations.get_access_token(connection_id=connection.pk)
    assert first == second
    assert fake_strava.refresh_calls == 1
    connection.refresh_from_db()
    assert crypto.unseal(connection.refresh_token) in fake_strava.refresh_tokens


def test_a_revoked_refresh_token_asks_the_runner_to_connect_again(
    client, runner, fake_strava, django_capture_on_commit_callbacks
):
    fake_strava.add_athlete(ATHLETE)
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    fake_strava.refresh_tokens.clear()
    StravaConnection.objects.update(expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    with pytest.raises(strava_client.Unauthorized):
        operations.get_access_token(connection_id=StravaConnection.objects.get().pk)
    assert StravaConnection.objects.get().status == "reconnect"
    assert strava_service.get_connection_status(user_id=runner.id).state == contracts.ConnectionState.NEEDS_RECONNECT
    assert "Strava no longer accepts Runnerly" in client.get("/strava/").content.decode()


def test_a_429_mid_backfill_loses_nothing_and_duplicates_nothing(
    client, runner, fake_strava, django_capture_on_commit_callbacks
):
    fake_strava.add_athlete(ATHLETE, activities=450)
    fake_strava.fail_with_429.add("/api/v3/athlete/activities")
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    connection = StravaConnection.objects.get()
    assert (connection.backfill, connection.imported) == ("waiting", 0)
    assert connection.next_batch_at is not None
    assert tasks.backfill(connection_id=connection.pk) == "done"  # the next window
    connection.refresh_from_db()
    assert (connection.backfill, connection.imported) == ("done", 450)
    assert len({run.id for run in _strava_runs(runner.id)}) == 200
    assert StravaConnection.objects.get().imported == 450


def test_the_backfill_stops_at_80_percent_of_the_window_and_waits(
    client, runner, fake_strava, settings, django_capture_on_commit_callbacks
):
    fake_strava.limit_15min = fake_strava.read_limit_15min = 3
    fake_strava.add_athlete(ATHLETE, activities=1000)
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    connection = StravaConnection.objects.get()
    assert connection.backfill == "waiting"
    assert connection.imported == 200  # the stats and 1 page: 80% of 3 calls is 2.4 in this window
    assert max(fake_strava.windows().values()) == 2
    page = client.get("/strava/").content.decode()
    assert f"Importing 200 of about 1000, next batch at {connection.next_batch_at:%H:%M} UTC" in page


def _event(**overrides):
    return {
        "object_type": "activity",
        "object_id": 555,
        "aspect_type": "create",
        "owner_id": ATHLETE,
        "subscription_id": 7,
        "event_time": 1700000000,
        "updates": {},
        **overrides,
    }


def _post_event(client, body, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/strava/webhook/", data=json.dumps(body), content_type="application/json")


def test_the_webhook_answers_the_subscription_handshake(client, fake_strava):
    response = client.get(
        "/strava/webhook/", {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "xyz"}
    )
    assert response.json() == {"hub.challenge": "xyz"}
    assert client.get("/strava/webhook/", {"hub.verify_token": "wrong", "hub.challenge": "xyz"}).status_code == 400


def test_webhook_events_create_update_and_delete_runs(client, runner, fake_strava, django_capture_on_commit_callbacks):
    athlete = fake_strava.add_athlete(ATHLETE)
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    start = datetime.datetime(2026, 5, 1, 7, tzinfo=datetime.UTC)
    athlete.activities.append(fake_strava.activity(ATHLETE, 555, start, name="Morning"))
    assert _post_event(client, _event(), django_capture_on_commit_callbacks).json() == {"status": "received"}
    assert [run.name for run in _strava_runs(runner.id)] == ["Morning"]
    athlete.activities[-1]["name"] = "Morning tempo"
    _post_event(
        client, _event(aspect_type="update", updates={"title": "Morning tempo"}), django_capture_on_commit_callbacks
    )
    assert [run.name for run in _strava_runs(runner.id)] == ["Morning tempo"]
    _post_event(client, _event(aspect_type="delete"), django_capture_on_commit_callbacks)
    assert [run.name for run in _strava_runs(runner.id)] == ["Morning tempo"]  # still on Strava: not deleted
    athlete.activities.pop()
    _post_event(client, _event(aspect_type="delete"), django_capture_on_commit_callbacks)
    assert _strava_runs(runner.id) == []


def _due_now():
    """The time an event waits for has passed (the next rate-limit window, its back-off)."""
    PendingEvent.objects.update(due_at=datetime.datetime.now(datetime.UTC))


def test_an_event_met_by_strava_being_down_is_kept_and_followed_once_it_is_back(
    client, runner, fake_strava, django_capture_on_commit_callbacks
):
    athlete = fake_strava.add_athlete(ATHLETE)
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    athlete.activities.append(
        fake_strava.activity(ATHLETE, 555, datetime.datetime(2026, 5, 1, 7, tzinfo=datetime.UTC))
    )
    fake_strava.down.add("/api/v3/activities/")
    assert _post_event(client, _event(), django_capture_on_commit_callbacks).json() == {"status": "received"}
    (kept,) = PendingEvent.objects.all()
    waited = kept.due_at - datetime.datetime.now(datetime.UTC)
    assert (kept.kind, kept.attempts, kept.last_error) == (
        "create",
        1,
        "StravaError: Strava answered 503 to activities/555",
    )
    assert datetime.timedelta(seconds=50) < waited <= datetime.timedelta(minutes=1)
    assert tasks.sweep_events() == 0  # not due yet
    fake_strava.down.clear()
    _due_now()
    assert tasks.sweep_events() == 1
    assert ([run.name for run in _strava_runs(runner.id)], PendingEvent.objects.count()) == (["Run 555"], 0)


def test_an_event_met_by_the_rate_limit_waits_for_the_next_window(
    client, runner, fake_strava, django_capture_on_commit_callbacks
):
    athlete = fake_strava.add_athlete(ATHLETE)
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    athlete.activities.append(
        fake_strava.activity(ATHLETE, 555, datetime.datetime(2026, 5, 1, 7, tzinfo=datetime.UTC))
    )
    fake_strava.fail_with_429.add("/api/v3/activities/555")
    _post_event(client, _event(), django_capture_on_commit_callbacks)
    (kept,) = PendingEvent.objects.all()
    assert (kept.attempts, kept.due_at > datetime.datetime.now(datetime.UTC)) == (0, True)  # a wait, not a failure
    _due_now()
    assert tasks.sweep_events() == 1
    assert [run.name for run in _strava_runs(runner.id)] == ["Run 555"]


def test_the_same_event_twice_is_kept_once_and_one_being_followed_is_not_taken_again(runner):
    first = operations.keep_event(athlete_id=ATHLETE, activity_id=555, kind="update")
    assert operations.keep_event(athlete_id=ATHLETE, activity_id=555, kind="update").pk == first.pk
    operations.keep_event(athlete_id=ATHLETE, activity_id=555, kind="delete")
    assert PendingEvent.objects.count() == 2
    PendingEvent.objects.filter(pk=first.pk).update(
        due_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)  # held by another try
    )
    assert tasks.follow_event(event_id=first.pk) == "not due"
    assert PendingEvent.objects.filter(pk=first.pk).exists()


def test_an_event_queued_by_the_previous_version_is_followed(
    client, runner, fake_strava, django_capture_on_commit_callbacks
):
    athlete = fake_strava.add_athlete(ATHLETE)
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    athlete.activities.append(
        fake_strava.activity(ATHLETE, 555, datetime.datetime(2026, 5, 1, 7, tzinfo=datetime.UTC))
    )
    assert tasks.apply_event(athlete_id=ATHLETE, activity_id=555, aspect="create") == "created"
    assert ([run.name for run in _strava_runs(runner.id)], PendingEvent.objects.count()) == (["Run 555"], 0)


def test_webhook_events_of_another_subscription_are_ignored_and_malformed_ones_refused(
    client, runner, fake_strava, django_capture_on_commit_callbacks
):
    fake_strava.add_athlete(ATHLETE)
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    assert _post_event(client, _event(subscription_id=999), django_capture_on_commit_callbacks).json() == {
        "status": "received"  # the same answer as for our subscription: nothing to learn by guessing
    }
    assert client.post("/strava/webhook/", data="{not json", content_type="application/json").status_code == 400
    assert (
        client.post(
            "/strava/webhook/", data=json.dumps({"object_type": "activity"}), content_type="application/json"
        ).status_code
        == 400
    )
    assert _strava_runs(runner.id) == []


def test_an_athlete_revoking_access_deletes_their_strava_runs(
    client, runner, fake_strava, django_capture_on_commit_callbacks
):
    fake_strava.add_athlete(ATHLETE, activities=3)
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    fake_strava.revoke(ATHLETE)
    _post_event(
        client,
        _event(object_type="athlete", object_id=ATHLETE, aspect_type="update", updates={"authorized": "false"}),
        django_capture_on_commit_callbacks,
    )
    assert StravaConnection.objects.count() == 0
    assert _strava_runs(runner.id) == []
    from django.core import mail

    assert [message.subject for message in mail.outbox] == ["[Runnerly] Strava is disconnected"]
    assert "deleted the 3 runs that came from it" in mail.outbox[0].body


def test_disconnecting_deletes_strava_runs_and_keeps_the_others(
    client, runner, fake_strava, django_capture_on_commit_callbacks
):
    fake_strava.add_athlete(ATHLETE, activities=3)
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    mine = runs_service.record_run(
        draft=runs_contracts.RunDraft(
            user_id=runner.id,
            source="manual",
            start=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC),
            elapsed_s=600,
            distance_m=2000,
        )
    ).run
    token = crypto.unseal(StravaConnection.objects.get().access_token)
    response = client.post("/strava/disconnect/")
    assert response["Location"] == "/strava/"
    assert [run.id for run in runs_service.list_runs(user_id=runner.id, include_hidden=True).runs] == [mine.id]
    assert token not in fake_strava.access_tokens  # deauthorized at Strava
    assert strava_service.get_connection_status(user_id=runner.id).state == "not_connected"


def test_a_run_uploaded_as_a_file_and_then_synced_from_strava_shows_once(
    client, runner, fake_strava, django_capture_on_commit_callbacks
):
    from apps.imports.interface import testing as imports_testing
    from tests.imports import reference

    imports_testing.import_file(
        user_id=runner.id, name="sf.gpx", data=(reference.FIXTURES / "gpx11_strava_run_hr.gpx").read_bytes()
    )
    file_run = runs_service.list_runs(user_id=runner.id).runs[0]
    athlete = fake_strava.add_athlete(ATHLETE)
    athlete.activities.append(
        fake_strava.activity(
            ATHLETE,
            777,
            file_run.start + datetime.timedelta(seconds=20),
            distance=file_run.distance_m * 1.01,
            name="SF run",
        )
    )
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    visible = runs_service.list_runs(user_id=runner.id).runs
    assert [run.id for run in visible] == [file_run.id]
    hidden = _strava_runs(runner.id)[0]
    assert (hidden.hidden, hidden.duplicate_of_id) == (True, file_run.id)


def test_strava_service_in_both_modes(service_mode, client, runner, fake_strava, django_capture_on_commit_callbacks):
    assert strava_service.get_connection_status(user_id=runner.id) == contracts.StravaStatus(state="not_connected")
    fake_strava.add_athlete(ATHLETE, activities=2)
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    status = strava_service.get_connection_status(user_id=runner.id)
    assert (status.state, status.athlete_id, status.athlete_name, status.backfill, status.imported) == (
        "active",
        ATHLETE,
        "Ada Runner",
        "done",
        2,
    )


def test_strava_runs_get_their_streams_and_so_best_efforts(
    client, runner, fake_strava, django_capture_on_commit_callbacks
):
    fake_strava.add_athlete(ATHLETE, activities=1)
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    activity = fake_strava.athletes[ATHLETE].activities[0]
    assert fake_strava.api_requests(f"/api/v3/activities/{activity['id']}/streams") == 1
    summary = _strava_runs(runner.id)[0]
    run = runs_service.get_run(user_id=runner.id, run_id=summary.id)
    speed = activity["distance"] / activity["elapsed_time"]
    assert run.has_streams is True
    assert run.distance_m == activity["distance"]  # Strava's own distance is kept
    efforts = {effort.distance_key: effort.elapsed_s for effort in run.best_efforts}
    assert list(efforts) == ["400m", "1k", "1mi", "5k"]
    assert efforts["1k"] == pytest.approx(1000 / speed, abs=0.01)
    assert efforts["5k"] == pytest.approx(5000 / speed, abs=0.01)
    assert [split.index for split in run.splits] == [1, 2, 3, 4, 5]  # 5,000 m: five full kilometres
    assert run.polyline != ""


def test_streams_wait_while_the_quota_is_half_used(
    client, runner, fake_strava, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("apps.strava.quota._now", lambda: 1_800_000_000.0 + 60)
    fake_strava.limit_15min = fake_strava.read_limit_15min = 6  # stats and list use 2 of 6; streams stop at 3
    fake_strava.add_athlete(ATHLETE, activities=5)
    _connect(client, fake_strava, django_capture_on_commit_callbacks)
    assert fake_strava.api_requests("/api/v3/activities/") == 1  # one run got its streams, then the quota said wait
    missing = runs_service.list_runs_without_streams(user_id=runner.id, source=runs_contracts.Source.STRAVA)
    assert len(missing) == 4
