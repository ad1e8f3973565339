"""Deleting an account leaves nothing of the runner in any app (issue #13, item 2)."""

import datetime

import pytest
from django.core.files.storage import default_storage

from apps.accounts.interface import testing as accounts_testing
from apps.imports import operations as imports_operations
from apps.imports.models import ImportJob, Upload
from apps.races.interface import testing as races_testing
from apps.races.interface.service import races_service
from apps.runs.interface import testing as runs_testing
from apps.runs.interface.service import runs_service
from apps.strava import crypto
from apps.strava.models import StravaConnection
from project.events import outbox
from project.events.models import Delivery
from tests.imports import reference

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
ATHLETE = 903


@pytest.fixture
def runner(client):
    profile = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    client.login(email="ada@example.com", password=PASSWORD)
    return profile


@pytest.fixture
def connected(runner, fake_strava):
    fake_strava.add_athlete(ATHLETE)
    tokens = fake_strava._issue(ATHLETE)
    StravaConnection.objects.create(
        user_id=runner.id,
        athlete_id=ATHLETE,
        scopes="read,activity:read_all",
        access_token=crypto.seal(tokens["access_token"]),
        refresh_token=crypto.seal(tokens["refresh_token"]),
        expires_at="2099-01-01T00:00:00Z",
    )
    return tokens["access_token"]


def _delete_account(client, capture):
    with capture(execute=True):
        response = client.post("/profile/delete/", {"password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/")


def test_every_app_deletes_what_it_holds_files_included(
    client, runner, connected, fake_strava, django_capture_on_commit_callbacks
):
    other = accounts_testing.create_user(email="bo@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        job = imports_operations.upload_create(
            user_id=runner.id, name="run.gpx", data=(reference.FIXTURES / "gpx11_strava_run_hr.gpx").read_bytes()
        )
        runs_testing.record_manual_run(user_id=runner.id, start=datetime.datetime(2026, 11, 2, 7, tzinfo=datetime.UTC))
    upload_path = Upload.objects.get().file.name
    assert default_storage.exists(upload_path)
    soon = datetime.date.today() + datetime.timedelta(days=40)
    alone = races_testing.add_race(added_by_id=runner.id, name="Ada's own 10K", race_date=soon)
    shared = races_testing.add_race(added_by_id=runner.id, name="City Marathon", race_date=soon)
    races_service.set_running(user_id=runner.id, race_id=shared.id, running=True)
    races_service.set_running(user_id=other.id, race_id=shared.id, running=True)
    assert ImportJob.objects.get(pk=job.pk).imported == 1

    _delete_account(client, django_capture_on_commit_callbacks)

    assert runs_service.list_runs(user_id=runner.id, include_hidden=True).runs == []
    assert (Upload.objects.count(), ImportJob.objects.count(), default_storage.exists(upload_path)) == (0, 0, False)
    assert [race.id for race in races_service.races_of_runner(user_id=other.id)] == [shared.id]
    # A race is a public fact others may be planning for: it stays, without the name of who added it.
    kept = [races_service.get_race(race_id=race.id) for race in (alone, shared)]
    assert [(race.added_by_id, race.name) for race in kept] == [(None, "Ada's own 10K"), (None, "City Marathon")]
    assert StravaConnection.objects.count() == 0
    assert connected not in fake_strava.access_tokens  # Strava was told before the tokens went
    assert Delivery.objects.filter(delivered_at=None).count() == 0


def test_with_strava_down_the_tokens_are_kept_until_strava_has_been_told(
    client, runner, connected, fake_strava, django_capture_on_commit_callbacks, settings
):
    fake_strava.down.add("/oauth/deauthorize")
    _delete_account(client, django_capture_on_commit_callbacks)
    assert StravaConnection.objects.filter(user_id=runner.id).count() == 1
    waiting = Delivery.objects.get(subscriber="strava.forget_connection_of_deleted_user")
    assert (waiting.delivered_at, waiting.attempts) == (None, 1)

    fake_strava.down.clear()
    settings.EVENTS_RETRY_SECONDS = 0
    Delivery.objects.update(next_attempt_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    outbox.sweep()
    assert StravaConnection.objects.count() == 0
    assert connected not in fake_strava.access_tokens
