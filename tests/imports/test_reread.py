"""manage.py reread_uploads: files imported by an earlier version, read again with this one's rules."""

import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from apps.accounts.interface import testing as accounts_testing
from apps.imports import operations, parsers
from apps.imports.models import ImportJob, Upload
from apps.runs.interface import contracts
from apps.runs.interface.service import runs_service
from tests.imports import reference
from tests.runs.tracks import draft

pytestmark = pytest.mark.django_db
MTB = "gpx10_expertgps_mtb_multisegment.gpx"


def _as_an_earlier_version_stored(user_id, name, *, starts_of):
    """An upload and its runs as before this version: sport "run", ids by position; only the outings named."""
    data = (reference.FIXTURES / name).read_bytes()
    Upload.objects.create(user_id=user_id, original_name=name, file=ContentFile(data, name=name), size=len(data))
    digest = hashlib.sha256(data).hexdigest()
    runs = []
    for position, activity in enumerate(a for a in parsers.parse(name, data) if a.name in starts_of):
        streams = contracts.Streams(time_s=activity.time_s, latitude=activity.latitude, longitude=activity.longitude)
        source_id = f"sha256:{digest}" if len(starts_of) == 1 else f"sha256:{digest}:{position}"
        runs.append(
            runs_service.record_run(
                draft=draft(user_id, streams, start=activity.start, name=activity.name, source_id=source_id)
            ).run
        )
    return runs


def test_runs_an_earlier_version_took_for_runs_take_their_sport_and_lost_outings_are_imported(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    runner = accounts_testing.create_user(email="ada@example.com")
    earlier = _as_an_earlier_version_stored(runner.id, MTB, starts_of=("BIG LOOP", "BUCK HILL"))
    assert [(r.name, r.sport) for r in earlier] == [("BIG LOOP", "run"), ("BUCK HILL", "run")]
    assert [r.distance_key for r in runs_service.list_personal_records(user_id=runner.id)][:3] == ["400m", "1k", "1mi"]

    out = io.StringIO()
    call_command("reread_uploads", stdout=out)
    assert out.getvalue().splitlines() == [
        f"  {MTB} #1 (SHORT LOOP, 2001-05-26 15:15 UTC): imported (an earlier version left it out)",
        f"  {MTB} #2 (BIG LOOP, 2001-06-24 15:09 UTC): now a ride (the file names no sport; taken from its speeds)",
        f"  {MTB} #3 (BUCK HILL, 2001-10-13 17:55 UTC): now a ride (the file names no sport; taken from its speeds)",
        "Read 1 uploads again: 3 changes.",
    ]
    runs = runs_service.list_runs(user_id=runner.id).runs
    assert sorted((r.name, r.sport) for r in runs) == [
        ("BIG LOOP", "ride"),
        ("BUCK HILL", "ride"),
        ("SHORT LOOP", "ride"),
    ]
    assert runs_service.list_personal_records(user_id=runner.id, family=contracts.Family.RUNNING) == []

    again = io.StringIO()
    call_command("reread_uploads", stdout=again)
    assert again.getvalue().splitlines() == ["Read 1 uploads again: 0 changes."]


def test_a_run_the_runner_deleted_stays_deleted(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    runner = accounts_testing.create_user(email="ada@example.com")
    big_loop, _ = _as_an_earlier_version_stored(runner.id, MTB, starts_of=("BIG LOOP", "BUCK HILL"))
    upload = Upload.objects.get()
    job = ImportJob.objects.create(user_id=runner.id, upload=upload, status=ImportJob.Status.DONE)
    job.items.create(name=f"{MTB} #1", status="imported", run_id=big_loop.id)
    runs_service.delete_run(user_id=runner.id, run_id=big_loop.id)

    out = io.StringIO()
    call_command("reread_uploads", stdout=out)
    assert out.getvalue().splitlines() == [
        f"  {MTB} #1 (SHORT LOOP, 2001-05-26 15:15 UTC): has no run (deleted, or left out by an earlier version); "
        "not imported",
        f"  {MTB} #2 (BIG LOOP, 2001-06-24 15:09 UTC): has no run (deleted, or left out by an earlier version); "
        "not imported",
        f"  {MTB} #3 (BUCK HILL, 2001-10-13 17:55 UTC): now a ride (the file names no sport; taken from its speeds)",
        "Read 1 uploads again: 1 changes.",
    ]
    assert [(r.name, r.sport) for r in runs_service.list_runs(user_id=runner.id).runs] == [("BUCK HILL", "ride")]


def test_a_runners_own_sport_and_this_versions_imports_are_left_alone(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    runner = accounts_testing.create_user(email="ada@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        job = operations.create_upload(user_id=runner.id, name=MTB, data=(reference.FIXTURES / MTB).read_bytes())
    job.refresh_from_db()
    buck_hill = job.items.order_by("name").last().run_id
    runs_service.update_run(user_id=runner.id, run_id=buck_hill, sport=contracts.Sport.RUN)  # the runner says so

    out = io.StringIO()
    call_command("reread_uploads", stdout=out)
    assert out.getvalue().splitlines() == ["Read 1 uploads again: 0 changes."]
    assert runs_service.get_run(user_id=runner.id, run_id=buck_hill).sport == "run"


def test_an_outing_an_earlier_version_merged_into_a_run_is_not_added_again(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    runner = accounts_testing.create_user(email="ada@example.com")
    data = (reference.FIXTURES / MTB).read_bytes()
    Upload.objects.create(user_id=runner.id, original_name=MTB, file=ContentFile(data, name=MTB), size=len(data))
    digest = hashlib.sha256(data).hexdigest()
    big_loop = next(a for a in parsers.parse(MTB, data) if a.name == "BIG LOOP")
    # An earlier version stored one run from BIG LOOP's start through BUCK HILL (merged: 120 days).
    streams = contracts.Streams(
        time_s=[0.0, 120 * 86400.0], latitude=big_loop.latitude[:2], longitude=big_loop.longitude[:2]
    )
    big_loop_run = runs_service.record_run(
        draft=draft(runner.id, streams, start=big_loop.start, source_id=f"sha256:{digest}:0")
    ).run
    short_loop_first = parsers.parse(MTB, data)[0]
    assert short_loop_first.name == "SHORT LOOP"  # before BIG LOOP: not inside the merged run, so imported

    out = io.StringIO()
    call_command("reread_uploads", stdout=out)
    assert out.getvalue().splitlines() == [
        f"  {MTB} #1 (SHORT LOOP, 2001-05-26 15:15 UTC): imported (an earlier version left it out)",
        f"  {MTB} #2 (BIG LOOP, 2001-06-24 15:09 UTC): now a ride (the file names no sport; taken from its speeds)",
        f"  {MTB} #3 (BUCK HILL, 2001-10-13 17:55 UTC): inside the run {big_loop_run.id} an earlier version made; "
        "not imported",
        "Read 1 uploads again: 2 changes.",
    ]
