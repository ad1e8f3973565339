"""Deleting an account leaves nothing of the runner in any app (issue #13, item 2)."""

import datetime

import pytest
from django.apps import apps as django_apps
from django.core.files.storage import default_storage
from django.db.models import FileField

from apps.accounts.interface import testing as accounts_testing
from apps.imports import operations as imports_operations
from apps.imports.models import ImportJob, Upload
from apps.plans.interface.service import plans_service
from apps.races import operations as races_operations
from apps.races.interface import testing as races_testing
from apps.races.interface.service import races_service
from apps.reports import mailing
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
        job = imports_operations.create_upload(
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
    assert [race.id for race in races_service.list_races_of_runner(user_id=other.id)] == [shared.id]
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


def _runner_fields(model) -> list[str]:
    """The columns of a model that hold a runner's id: `user_id`, `*_user_id`, `added_by_id`."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if field.attname in ("user_id", "added_by_id") or field.attname.endswith("_user_id")
    ]


def _rows_of(user_id: int) -> dict[str, int]:
    """How many rows of every model of every app (ours, Django's, allauth's...) hold this runner's id."""
    found = {}
    for model in django_apps.get_models():
        for name in _runner_fields(model):
            count = model._default_manager.filter(**{name: user_id}).count()
            if count:
                found[f"{model._meta.label}.{name}"] = count
    return found


def _files_of(user_id: int) -> set[str]:
    """The stored files of every row that holds this runner's id (uploads, exports, whatever comes next)."""
    names = set()
    for model in django_apps.get_models():
        files = [field.name for field in model._meta.concrete_fields if isinstance(field, FileField)]
        for name in _runner_fields(model) if files else []:
            for row in model._default_manager.filter(**{name: user_id}):
                names |= {getattr(row, field).name for field in files if getattr(row, field)}
    return names


def test_after_deletion_no_model_of_any_app_has_a_row_of_the_runner_nor_storage_a_file(
    client, runner, connected, django_capture_on_commit_callbacks
):
    other = accounts_testing.create_user(email="bo@example.com")
    race_day = datetime.date(2026, 10, 4)
    with django_capture_on_commit_callbacks(execute=True):
        imports_operations.create_upload(
            user_id=runner.id, name="run.gpx", data=(reference.FIXTURES / "gpx11_strava_run_hr.gpx").read_bytes()
        )
        ran = runs_testing.record_manual_run(
            user_id=runner.id, start=datetime.datetime(2026, 10, 4, 8, tzinfo=datetime.UTC), distance_m=10000.0
        )
        client.post("/profile/export/")
    soon = datetime.date.today() + datetime.timedelta(days=84)
    own = races_testing.add_race(added_by_id=runner.id, name="Harbour 10K", race_date=soon)
    shared = races_testing.add_race(added_by_id=other.id, name="City 10K", race_date=race_day, timezone="UTC")
    races_service.set_running(user_id=runner.id, race_id=shared.id, running=True)
    races_operations.confirm_result(user_id=runner.id, race_id=shared.id, run_id=ran.id)
    plans_service.create_plan(user_id=runner.id, race_id=own.id, template="10k-beginner", training_days=[1, 3, 5])
    assert mailing.send_report(user_id=runner.id, year=2026, month=10) == "sent"
    before = _rows_of(runner.id)
    assert set(before) >= {
        "account.EmailAddress.user_id",
        "accounts.DataExport.user_id",
        "imports.Upload.user_id",
        "imports.ImportJob.user_id",
        "runs.Run.user_id",
        "runs.BestEffort.user_id",
        "strava.StravaConnection.user_id",
        "races.Race.added_by_id",
        "races.Registration.user_id",
        "plans.Plan.user_id",
        "reports.MonthSummary.user_id",
        "reports.ReportDelivery.user_id",
    }
    files = _files_of(runner.id)
    assert len(files) == 2  # the upload and the export
    assert all(default_storage.exists(name) for name in files)

    _delete_account(client, django_capture_on_commit_callbacks)

    assert _rows_of(runner.id) == {}
    assert [name for name in files if default_storage.exists(name)] == []
    assert races_service.get_race(race_id=own.id).added_by_id is None  # a race stays, without who added it
    assert Delivery.objects.filter(delivered_at=None).count() == 0


def test_a_run_event_that_arrives_after_the_deletion_brings_no_month_summary_back(
    client, runner, django_capture_on_commit_callbacks
):
    from apps.reports import operations as reports_operations
    from apps.reports.models import MonthSummary

    _delete_account(client, django_capture_on_commit_callbacks)
    # A RunRecorded delivered late (after reports handled UserDeleted) asks for its month again.
    assert reports_operations.refresh_summaries(user_id=runner.id, months=[(2026, 11)]) == 0
    assert MonthSummary.objects.filter(user_id=runner.id).count() == 0
    still_here = accounts_testing.create_user(email="bo@example.com")
    assert reports_operations.refresh_summaries(user_id=still_here.id, months=[(2026, 11)]) == 1
