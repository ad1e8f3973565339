"""The data export: one zip with what every app holds about a runner, for them only, gone after a few days."""

import datetime
import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.storage import default_storage

from apps.accounts import tasks
from apps.accounts.interface import testing as accounts_testing
from apps.accounts.models import DataExport
from apps.imports import importer
from apps.imports import operations as imports_operations
from apps.imports.models import ImportJob
from apps.plans.interface.service import plans_service
from apps.races import operations as races_operations
from apps.races.interface import testing as races_testing
from apps.races.interface.service import races_service
from apps.reports import mailing
from apps.runs.interface import contracts as runs_contracts
from apps.runs.interface import testing as runs_testing
from apps.runs.interface.service import runs_service
from apps.strava import crypto
from apps.strava.models import StravaConnection
from tests.imports import reference

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
UTC = datetime.UTC
UPLOADED = reference.FIXTURES / "gpx11_strava_run_hr.gpx"
RACE_DAY = datetime.date(2026, 10, 4)
ACCESS_TOKEN = "strava-access-token-never-exported"


def _strava_streams() -> runs_contracts.Streams:
    """Ten minutes heading north at about 3.3 m/s, with heart rate and cadence."""
    count = 601
    return runs_contracts.Streams(
        time_s=[float(second) for second in range(count)],
        latitude=[48.85 + second * 0.00003 for second in range(count)],
        longitude=[2.35] * count,
        elevation_m=[35.0 + (second % 20) * 0.5 for second in range(count)],
        heart_rate=[140 + second % 12 for second in range(count)],
        cadence=[84 + second % 3 for second in range(count)],
    )


@pytest.fixture
def filled(client, django_capture_on_commit_callbacks):
    """A runner with something in every app: an upload, a Strava run, a manual run, races, a plan, a sent report."""
    ada = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    bo = accounts_testing.create_user(email="bo@example.com", password=PASSWORD)
    data = UPLOADED.read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        job = imports_operations.create_upload(user_id=ada.id, name="Greeting SF.gpx", data=data)
        strava_run = runs_service.record_run(
            draft=runs_contracts.RunDraft(
                user_id=ada.id,
                source=runs_contracts.Source.STRAVA,
                source_id="12345",
                name="Morning Run",
                start=datetime.datetime(2026, 9, 12, 6, 30, tzinfo=UTC),
                streams=_strava_streams(),
            )
        ).run
        manual_run = runs_testing.record_manual_run(
            user_id=ada.id,
            start=datetime.datetime.combine(RACE_DAY, datetime.time(8, 5), tzinfo=UTC),
            distance_m=10000.0,
            elapsed_s=3000.0,
            name="City 10K",
        )
    StravaConnection.objects.create(
        user_id=ada.id,
        athlete_id=903,
        scopes="read,activity:read_all",
        access_token=crypto.seal(ACCESS_TOKEN),
        refresh_token=crypto.seal("strava-refresh-token"),
        expires_at="2099-01-01T00:00:00Z",
    )
    own_race = races_testing.add_race(
        added_by_id=ada.id,
        name="Harbour 10K",
        race_date=datetime.date.today() + datetime.timedelta(days=84),
        timezone="Europe/Paris",
    )
    ran = races_testing.add_race(added_by_id=bo.id, name="City 10K", race_date=RACE_DAY, timezone="UTC")
    races_service.set_running(user_id=ada.id, race_id=ran.id, running=True)
    races_operations.confirm_result(user_id=ada.id, race_id=ran.id, run_id=manual_run.id)
    plan = plans_service.create_plan(
        user_id=ada.id, race_id=own_race.id, template="10k-beginner", training_days=[1, 3, 5, 6]
    )
    assert mailing.send_report(user_id=ada.id, year=2026, month=10) == "sent"
    uploaded_run_id = ImportJob.objects.get(pk=job.pk).items.get().run_id
    return {
        "ada": ada,
        "bo": bo,
        "data": data,
        "job": job,
        "runs": {
            "uploaded": runs_service.get_run(user_id=ada.id, run_id=uploaded_run_id),
            "strava": strava_run,
            "manual": manual_run,
        },
        "own_race": own_race,
        "ran": ran,
        "plan": plan,
    }


def _export(client, capture) -> DataExport:
    client.login(email="ada@example.com", password=PASSWORD)
    with capture(execute=True):
        response = client.post("/profile/export/")
    assert (response.status_code, response["Location"]) == (302, "/profile/export/")
    return DataExport.objects.get()


def _zip(client, export) -> zipfile.ZipFile:
    response = client.get(f"/profile/export/{export.pk}/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="runnerly-export-{export.created_at:%Y-%m-%d}.zip"'
    )
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_export_holds_what_every_app_keeps_about_the_runner(
    service_mode, client, filled, django_capture_on_commit_callbacks
):
    export = _export(client, django_capture_on_commit_callbacks)
    assert (export.status, export.done, export.total) == ("ready", 4, 4)  # three runs and one uploaded file
    page = client.get("/profile/export/").content.decode()
    assert f'href="/profile/export/{export.pk}/download/"' in page
    archive = _zip(client, export)
    ada, runs = filled["ada"], filled["runs"]
    stems = {name: f"runs/{run.local_date.isoformat()}-{run.id}" for name, run in runs.items()}
    assert sorted(archive.namelist()) == sorted(
        [
            "README.txt",
            "account.json",
            "imports.json",
            "races.json",
            "plans.json",
            "reports.json",
            "strava.json",
            "uploads/Greeting SF.gpx",
            *(f"{stem}.json" for stem in stems.values()),
            f"{stems['uploaded']}.gpx",
            f"{stems['strava']}.gpx",  # the manual run has no track
        ]
    )
    part = lambda name: json.loads(archive.read(name))  # noqa: E731

    account = part("account.json")
    assert (account["profile"]["id"], account["profile"]["email"]) == (ada.id, "ada@example.com")
    assert account["email_addresses"] == [{"email": "ada@example.com", "verified": True, "primary": True}]

    assert archive.read("uploads/Greeting SF.gpx") == filled["data"]
    (upload,) = part("imports.json")["uploads"]
    assert (upload["job"]["id"], upload["job"]["file_name"], upload["job"]["status"]) == (
        str(filled["job"].pk),
        "Greeting SF.gpx",
        "done",
    )
    assert (upload["size"], upload["sha256"]) == (len(filled["data"]), hashlib.sha256(filled["data"]).hexdigest())
    assert [(item["status"], item["run_id"]) for item in upload["job"]["items"]] == [("imported", runs["uploaded"].id)]

    for name, run in runs.items():
        exported = part(f"{stems[name]}.json")
        assert runs_contracts.RunDetail.model_validate(exported) == runs_service.get_run(user_id=ada.id, run_id=run.id)
    strava_run = part(f"{stems['strava']}.json")
    assert (strava_run["source"], strava_run["source_id"], strava_run["name"]) == ("strava", "12345", "Morning Run")
    assert runs_contracts.Streams.model_validate(strava_run["streams"]) == _strava_streams()
    assert part(f"{stems['manual']}.json")["streams"] is None
    assert part(f"{stems['uploaded']}.json")["streams"]["heart_rate"][:3] == [111, 111, 111]

    races = part("races.json")
    assert [race["name"] for race in races["races_added"]] == ["Harbour 10K"]
    (registration,) = races["registrations"]
    assert (registration["race"]["id"], registration["race"]["name"]) == (filled["ran"].id, "City 10K")
    assert (registration["result_run_id"], registration["finish_s"], registration["result_distance_m"]) == (
        runs["manual"].id,
        3000.0,
        10000.0,
    )

    (plan,) = part("plans.json")["plans"]
    assert (plan["id"], plan["race_id"], plan["template"]["slug"]) == (
        filled["plan"].id,
        filled["own_race"].id,
        "10k-beginner",
    )
    assert len(plan["sessions"]) == len(filled["plan"].sessions)

    reports = part("reports.json")
    october = next(s for s in reports["summaries"] if (s["year"], s["month"]) == (2026, 10))
    assert (october["runs"], october["distance_m"], october["moving_s"]) == (1, 10000.0, 3000.0)
    assert [(log["year"], log["month"], log["status"], log["email"]) for log in reports["send_log"]] == [
        (2026, 10, "sent", "ada@example.com")
    ]

    assert part("strava.json")["connection"] | {"connected_at": None, "updated_at": None} == {
        "athlete_id": 903,
        "athlete_name": "",
        "scopes": ["read", "activity:read_all"],
        "state": "active",
        "backfill": "pending",
        "imported": 0,
        "connected_at": None,
        "updated_at": None,
    }
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert ACCESS_TOKEN.encode() not in everything
    assert b"strava-refresh-token" not in everything
    assert b"strava.json" in archive.read("README.txt")


def test_the_gpx_files_of_the_export_import_into_a_fresh_account_with_the_same_distances_and_times(
    client, filled, django_capture_on_commit_callbacks
):
    archive = _zip(client, _export(client, django_capture_on_commit_callbacks))
    fresh = accounts_testing.create_user(email="cy@example.com")
    for name in [name for name in archive.namelist() if name.endswith(".gpx") and name.startswith("runs/")]:
        with django_capture_on_commit_callbacks(execute=True):
            (result,) = importer.import_file(user_id=fresh.id, name=name, data=archive.read(name))
        assert result.status == "imported", result.message
        again = runs_service.get_run(user_id=fresh.id, run_id=result.run_id)
        original = next(run for run in filled["runs"].values() if run.start == again.start)
        assert again.distance_m == pytest.approx(original.distance_m, abs=1.0)
        assert (again.elapsed_s, again.moving_s, again.sport) == (
            original.elapsed_s,
            original.moving_s,
            original.sport,
        )
        assert again.average_heart_rate == original.average_heart_rate
    assert len(runs_service.list_runs(user_id=fresh.id).runs) == 2


def test_another_runner_gets_404_for_the_export_and_its_file(client, filled, django_capture_on_commit_callbacks):
    export = _export(client, django_capture_on_commit_callbacks)
    client.logout()
    client.login(email="bo@example.com", password=PASSWORD)
    for url in [f"/profile/export/{export.pk}/download/", f"/profile/export/{export.pk}/status/"]:
        assert client.get(url).status_code == 404
    page = client.get("/profile/export/")
    assert page.status_code == 200
    assert str(export.pk) not in page.content.decode()


def test_the_page_polls_the_status_of_an_export_being_prepared(client, filled):
    client.login(email="ada@example.com", password=PASSWORD)
    client.post("/profile/export/")  # the task waits for the commit, which a test transaction never makes
    export = DataExport.objects.get()
    page = client.get("/profile/export/").content.decode()
    assert f'data-status-url="/profile/export/{export.pk}/status/"' in page
    assert "Prepare my export" not in page
    assert client.get(f"/profile/export/{export.pk}/status/").json() == {
        "status": "queued",
        "label": "Waiting",
        "done": 0,
        "total": 0,
    }
    assert client.get(f"/profile/export/{export.pk}/download/").status_code == 404  # not ready yet
    client.post("/profile/export/")
    assert DataExport.objects.count() == 1  # asking again while it is prepared queues no second one


def test_large_histories_are_read_a_page_of_runs_at_a_time(service_mode):
    ada = accounts_testing.create_user(email="ada@example.com")
    made = [
        runs_testing.record_manual_run(user_id=ada.id, start=datetime.datetime(2026, 1, day, 7, tzinfo=UTC))
        for day in range(1, 24)
    ]
    pages, after_id = [], 0
    while after_id is not None:
        page = runs_service.export_user_data(user_id=ada.id, after_id=after_id, limit=10)
        pages.append([run.id for run in page.runs])
        after_id = page.next_after_id
        assert page.total == 23
    assert [len(ids) for ids in pages] == [10, 10, 3]
    assert [run_id for ids in pages for run_id in ids] == sorted(run.id for run in made)


def test_an_export_and_its_file_are_deleted_when_their_time_is_up(client, filled, django_capture_on_commit_callbacks):
    export = _export(client, django_capture_on_commit_callbacks)
    assert default_storage.exists(export.file.name)
    assert (export.expires_at - export.finished_at) == datetime.timedelta(days=7)
    assert tasks.expire_exports.delay().get() == 0
    DataExport.objects.update(expires_at=datetime.datetime(2000, 1, 1, tzinfo=UTC))
    assert tasks.expire_exports.delay().get() == 1
    assert (DataExport.objects.count(), default_storage.exists(export.file.name)) == (0, False)
    assert client.get(f"/profile/export/{export.pk}/download/").status_code == 404


def test_a_new_export_replaces_the_previous_one(client, filled, django_capture_on_commit_callbacks):
    first = _export(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/profile/export/")
    (second,) = DataExport.objects.all()
    assert (second.pk != first.pk, second.status) == (True, "ready")
    assert not default_storage.exists(first.file.name)


def test_an_export_that_cannot_reach_an_app_fails_with_a_message_and_stores_no_file(
    client, filled, django_capture_on_commit_callbacks, settings
):
    settings.SERVICE_ROUTING = {"reports": "http://127.0.0.1:9"}  # extracted, and down
    export = _export(client, django_capture_on_commit_callbacks)
    assert (export.status, export.message, export.file.name) == (
        "failed",
        "The export could not be prepared (ServiceUnavailable).",
        "",
    )
    page = client.get("/profile/export/").content.decode()
    assert "The export could not be prepared (ServiceUnavailable)." in page
    assert "Prepare my export" in page  # the runner may ask again
    assert client.get(f"/profile/export/{export.pk}/download/").status_code == 404


def test_the_page_gives_times_in_the_runners_zone_and_a_ready_export_a_quieter_new_one(
    client, filled, django_capture_on_commit_callbacks
):
    from apps.accounts.models import User

    User.objects.filter(email="ada@example.com").update(timezone="Pacific/Auckland")
    export = _export(client, django_capture_on_commit_callbacks)
    DataExport.objects.filter(pk=export.pk).update(
        created_at=datetime.datetime(2026, 12, 1, 2, 29, tzinfo=datetime.UTC),
        expires_at=datetime.datetime(2026, 12, 8, 2, 29, tzinfo=datetime.UTC),
    )
    page = client.get("/profile/export/").content.decode()
    assert "Asked for on Tue 1 Dec 2026, 15:29" in page  # 02:29 UTC is 15:29 in Auckland (NZDT)
    assert "Kept until Tue 8 Dec 2026, 15:29, then deleted." in page
    assert '<button type="submit" class="secondary outline">Prepare a new export</button>' in page


def _ask_without_the_broker(client) -> DataExport:
    """An export asked for while the broker is down: stored, never handed over (the commit hook never runs)."""
    client.login(email="ada@example.com", password=PASSWORD)
    client.post("/profile/export/")
    return DataExport.objects.get()


def test_an_export_the_broker_never_got_is_sent_by_the_sweep_after_its_grace(client, filled):
    export = _ask_without_the_broker(client)
    assert tasks.sweep_exports.delay().get() == 0  # within the grace: its own task may still be on its way
    DataExport.objects.update(created_at=export.created_at - datetime.timedelta(seconds=31))
    assert tasks.sweep_exports.delay().get() == 1
    export.refresh_from_db()
    assert (export.status, export.attempts, export.total > 0, export.done) == ("ready", 1, True, export.total)
    assert default_storage.exists(export.file.name)
    assert tasks.sweep_exports.delay().get() == 0


def test_an_export_whose_worker_died_is_built_again_and_one_alive_is_left_alone(client, filled):
    export = _ask_without_the_broker(client)
    now = datetime.datetime.now(UTC)
    DataExport.objects.update(status="running", attempts=1, heartbeat_at=now - datetime.timedelta(seconds=10))
    assert tasks.sweep_exports.delay().get() == 0
    assert tasks.build_export.delay(export_id=str(export.pk)).get() == "running"  # a second delivery: left alone
    DataExport.objects.update(heartbeat_at=now - datetime.timedelta(seconds=301))
    assert tasks.sweep_exports.delay().get() == 1
    export.refresh_from_db()
    assert (export.status, export.attempts) == ("ready", 2)


def test_an_export_interrupted_three_times_fails_with_a_message_and_the_runner_may_ask_again(client, filled):
    export = _ask_without_the_broker(client)
    stale = datetime.datetime.now(UTC) - datetime.timedelta(seconds=301)
    DataExport.objects.update(status="running", attempts=3, heartbeat_at=stale)
    assert tasks.sweep_exports.delay().get() == 1
    export.refresh_from_db()
    assert (export.status, export.message, export.file.name) == (
        "failed",
        "The export was interrupted 3 times; please ask for a new one.",
        "",
    )
    assert "Prepare my export" in client.get("/profile/export/").content.decode()


def test_the_database_holds_one_unfinished_export_per_runner(filled):
    from django.db import IntegrityError, transaction

    expires = datetime.datetime.now(UTC) + datetime.timedelta(days=7)
    ada, bo = filled["ada"], filled["bo"]
    DataExport.objects.create(user_id=ada.id, expires_at=expires)
    with pytest.raises(IntegrityError), transaction.atomic():
        DataExport.objects.create(user_id=ada.id, status="running", expires_at=expires)
    DataExport.objects.create(user_id=ada.id, status="failed", expires_at=expires)
    DataExport.objects.create(user_id=bo.id, expires_at=expires)
    assert DataExport.objects.count() == 3


def test_a_pause_in_a_run_is_a_new_segment_of_its_exported_gpx():
    """Ten minutes at 3 m/s, ten minutes stopped with the watch paused, ten more: two segments, all 1,200 points."""
    import gpxpy

    from apps.accounts import archive

    runner = accounts_testing.create_user(email="di@example.com")
    time_s = [float(t) for t in [*range(600), *range(1200, 1800)]]
    latitude = [48.85 + 3.0 * (t - (600 if t >= 1200 else 0)) / 111_195 for t in time_s]
    streams = runs_contracts.Streams(time_s=time_s, latitude=latitude, longitude=[2.35] * len(time_s))
    runs_service.record_run(
        draft=runs_contracts.RunDraft(
            user_id=runner.id,
            source=runs_contracts.Source.FILE,
            source_id="paused",
            start=datetime.datetime(2026, 5, 3, 7, tzinfo=datetime.UTC),
            streams=streams,
        )
    )
    [run] = runs_service.export_user_data(user_id=runner.id).runs
    segments = gpxpy.parse(archive.run_gpx(run)).tracks[0].segments
    assert [len(segment.points) for segment in segments] == [600, 600]
    assert segments[1].points[0].time == datetime.datetime(2026, 5, 3, 7, 20, tzinfo=datetime.UTC)
