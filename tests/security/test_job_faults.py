"""Jobs that meet a fault: every one ends, a job whose worker died goes on where it stopped, and the sweep
sends what the broker never got (issue #12)."""

import datetime

import pytest
from django.utils import timezone

from apps.accounts.interface import testing as accounts_testing
from apps.imports import importer, operations
from apps.imports.models import ImportItem, ImportJob
from apps.runs.interface.service import runs_service
from tests.imports import hostile

pytestmark = pytest.mark.django_db
GOOD = {f"{n}/{name}": hostile.fixture(name) for n, name in enumerate(hostile.GOOD_FILES)}


@pytest.fixture
def runner():
    return accounts_testing.create_user(email="ada@example.com")


def _queued(runner, name, data, *, age_s=0, **fields):
    """A job as the upload leaves it when the broker was down (its task never sent)."""
    job = operations.create_upload(user_id=runner.id, name=name, data=data)  # on_commit never runs here
    created = timezone.now() - datetime.timedelta(seconds=age_s)
    ImportJob.objects.filter(pk=job.pk).update(created_at=created, **fields)
    return ImportJob.objects.get(pk=job.pk)


def _died_after(job, *, recorded, stored):
    """The state a worker leaves when killed: `recorded` files done, and the runs of `stored` more in runs."""
    files = list(importer.entries(job.upload.original_name, job.upload.file.read()))
    for entry in files[:recorded]:
        results = importer.import_entry(user_id=job.user_id, entry=entry)
        ImportItem.objects.bulk_create(
            [ImportItem(job=job, name=r.name, status=r.status, run_id=r.run_id) for r in results]
        )
    for entry in files[recorded : recorded + stored]:
        importer.import_entry(user_id=job.user_id, entry=entry)
    stale = timezone.now() - datetime.timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", attempts=1, heartbeat_at=stale, total_files=len(files), processed_files=recorded,
        imported=recorded,
    )  # fmt: skip


def _counts(job_id):
    job = ImportJob.objects.get(pk=job_id)
    return (job.status, job.attempts, job.processed_files, job.imported, job.duplicates, job.failed)


def test_a_job_taken_on_again_after_its_worker_died_counts_its_own_runs_as_imports(runner):
    job = _queued(runner, "export.zip", hostile.zipped(GOOD))
    _died_after(job, recorded=1, stored=1)
    operations.process_job(job_id=str(job.pk))
    assert _counts(job.pk) == ("done", 2, 3, 3, 0, 0)
    assert [(item.name, item.status) for item in job.items.all()] == [
        (name, "imported") for name in GOOD
    ]  # fmt: skip
    assert len(runs_service.list_runs(user_id=runner.id, include_hidden=True).runs) == 3


def test_a_file_in_a_zip_twice_is_still_a_duplicate_when_the_job_goes_on_there(runner):
    same = hostile.fixture("gpx11_strava_run_hr.gpx")
    job = _queued(runner, "export.zip", hostile.zipped({"a.gpx": same, "again/a.gpx": same}))
    _died_after(job, recorded=1, stored=0)
    operations.process_job(job_id=str(job.pk))
    assert _counts(job.pk) == ("done", 2, 2, 1, 1, 0)


def test_a_second_delivery_of_a_job_running_elsewhere_does_nothing(runner):
    job = _queued(runner, "a.gpx", hostile.fixture("gpx11_strava_run_hr.gpx"))
    ImportJob.objects.filter(pk=job.pk).update(status="running", attempts=1, heartbeat_at=timezone.now())
    operations.process_job(job_id=str(job.pk))
    assert _counts(job.pk) == ("running", 1, 0, 0, 0, 0)
    assert runs_service.list_runs(user_id=runner.id).runs == []


def test_a_job_interrupted_too_often_ends_failed_with_a_message(runner, settings):
    settings.IMPORTS_MAX_ATTEMPTS = 3
    job = _queued(runner, "export.zip", hostile.zipped(GOOD))
    _died_after(job, recorded=1, stored=0)
    ImportJob.objects.filter(pk=job.pk).update(attempts=3)
    operations.process_job(job_id=str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.processed_files, job.imported) == ("failed", 1, 1)
    assert job.message == (
        "export.zip: the import was interrupted 3 times (its worker stopped, perhaps out of memory) at file 2 of 3"
    )


def test_a_job_whose_stored_file_is_gone_ends_failed_with_a_message(runner):
    job = _queued(runner, "a.gpx", hostile.fixture("gpx11_strava_run_hr.gpx"))
    job.upload.file.delete(save=False)
    operations.process_job(job_id=str(job.pk))
    job.refresh_from_db()
    assert (job.status, job.message) == (
        "failed",
        "a.gpx: the import stopped on an unexpected error (FileNotFoundError)",
    )


def test_the_sweep_sends_the_jobs_no_worker_has_and_leaves_the_others(runner, settings):
    settings.IMPORTS_QUEUED_GRACE_SECONDS, settings.IMPORTS_STALE_SECONDS = 30, 600
    data = hostile.fixture("gpx11_opentracks_hike_zero_hr_tzoffset.gpx")
    never_sent = _queued(runner, "never-sent.gpx", data, age_s=31)
    just_uploaded = _queued(runner, "just-uploaded.gpx", data, age_s=5)
    sent = _queued(runner, "sent.gpx", data, age_s=300, heartbeat_at=timezone.now() - datetime.timedelta(seconds=300))
    lost = _queued(
        runner,
        "lost.tcx",
        hostile.fixture("tcx_mapmyride_ride_singleline.tcx"),
        age_s=700,
        heartbeat_at=timezone.now() - datetime.timedelta(seconds=601),
    )
    alive = _queued(runner, "alive.gpx", data, status="running", attempts=1, heartbeat_at=timezone.now())
    dead = _queued(runner, "dead.zip", hostile.zipped(GOOD))
    _died_after(dead, recorded=2, stored=1)

    assert operations.sweep_jobs() == 3  # eager here: each is imported as it is sent

    assert _counts(never_sent.pk) == ("done", 1, 1, 1, 0, 0)
    assert _counts(lost.pk) == ("done", 1, 1, 1, 0, 0)
    assert _counts(dead.pk) == ("done", 2, 3, 3, 0, 0)
    for untouched in (just_uploaded, sent):
        assert _counts(untouched.pk) == ("queued", 0, 0, 0, 0, 0)
    assert _counts(alive.pk) == ("running", 1, 0, 0, 0, 0)
    assert operations.sweep_jobs() == 0
