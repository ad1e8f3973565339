"""Imports through a real worker on PostgreSQL that meet a fault (issue #12): hostile files, a worker killed
mid-zip, a broker that is down when the upload comes. Every job ends, with the right counts, with no manual step."""

import datetime
import os
import shutil
import subprocess
import time

import gpxpy.gpx
import pytest
import redis
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.interface import testing as accounts_testing
from apps.imports.models import ImportJob
from apps.runs.interface.service import runs_service
from project.celery import app as celery_app
from tests.imports import hostile

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
PRIVATE_REDIS_PORT = int(os.environ.get("RUNNERLY_TEST_PRIVATE_REDIS_PORT", "6391"))
FAST_SWEEP = {
    "RUNNERLY_IMPORTS_SWEEP_SECONDS": "1",
    "RUNNERLY_IMPORTS_QUEUED_GRACE_SECONDS": "2",
    "RUNNERLY_IMPORTS_STALE_SECONDS": "5",
}


def _wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(autouse=True)
def shared_media(settings, workers, tmp_path):
    """Uploads in a folder, where the workers read what the test process stored."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    settings.STORAGES["default"]["OPTIONS"] = {"location": str(tmp_path)}
    workers.env["RUNNERLY_TEST_MEDIA_ROOT"] = str(tmp_path)
    return tmp_path


@pytest.fixture
def runner(client):
    profile = accounts_testing.create_user(email="ada@example.com")
    client.login(email="ada@example.com", password="correct-horse-battery")
    return profile


def _upload(client, name, data):
    response = client.post("/api/v1/uploads/", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 202, response.content
    return ImportJob.objects.get(pk=response.json()["id"])


def _finished(job):
    job.refresh_from_db()
    return job.finished


def test_each_hostile_file_ends_its_job_with_a_message_and_the_good_files_are_imported(runner, client, worker):
    archive, expected = hostile.hostile_zip()
    zipped = _upload(client, "hostile.zip", archive)
    names = _upload(client, "names.zip", hostile.non_utf8_name_zip())
    values = {f"{case}.gpx": hostile.gpx_with(**bad) for case, bad in hostile.BAD_VALUES.items()}
    values |= {f"{case}.tcx": hostile.tcx_with(**bad) for case, bad in hostile.BAD_VALUES.items()}
    valued = _upload(client, "values.zip", hostile.zipped(values))
    fits = _upload(client, "fits.zip", hostile.zipped(hostile.damaged_fits(30)))

    jobs = (zipped, names, valued, fits)
    assert _wait_for(lambda: all(_finished(job) for job in jobs), timeout=30), [
        (j.status, j.processed_files) for j in jobs
    ]
    assert (zipped.status, zipped.total_files, zipped.imported, zipped.duplicates, zipped.failed) == (
        "done",
        8,
        3,
        0,
        5,
    )
    assert {item.name: item.message for item in zipped.items.filter(status="failed")} == expected
    assert sorted(item.name for item in zipped.items.filter(status="imported")) == [
        f"good/{name}" for name in sorted(hostile.GOOD_FILES)
    ]
    assert [(item.name, item.status) for item in names.items.all()] == [
        ("good.gpx", "duplicate"),  # the same file as good/gpx11_strava_run_hr.gpx of hostile.zip
        ("caf\ufffd\ufffd.gpx", "failed"),
    ]
    # A bad value drops its sample; on PostgreSQL a NaN or an infinity reaching a JSON column failed the run.
    assert (valued.status, valued.total_files, valued.failed, valued.imported + valued.duplicates) == (
        "done",
        len(values),
        0,
        len(values),
    )
    assert (fits.status in ("done", "failed"), fits.processed_files, len(fits.items.all())) == (True, 30, 30)
    stored = runs_service.list_runs(user_id=runner.id, include_hidden=True, limit=200).runs
    every_run_id = {item.run_id for job in jobs for item in job.items.exclude(run_id=None)}
    assert sorted(run.id for run in stored) == sorted(every_run_id)  # nothing of a failed file stored


def _distinct_runs(count):
    """`count` GPX runs of 1,000 points each, a day apart (no two the same run)."""
    files = {}
    for n in range(count):
        gpx = gpxpy.gpx.GPX()
        segment = gpxpy.gpx.GPXTrackSegment()
        gpx.tracks.append(gpxpy.gpx.GPXTrack())
        gpx.tracks[0].segments.append(segment)
        gpx.tracks[0].type = "running"
        start = datetime.datetime(2024, 1, 1, 7, tzinfo=datetime.UTC) + datetime.timedelta(days=n)
        for i in range(1000):
            when = start + datetime.timedelta(seconds=i)
            segment.points.append(gpxpy.gpx.GPXTrackPoint(48.2 + i * 0.00003, 16.37, elevation=180, time=when))
        files[f"run_{n:02d}.gpx"] = gpx.to_xml().encode()
    return files


def test_a_job_whose_worker_is_killed_mid_zip_is_finished_by_another_with_the_right_counts(
    runner, client, workers, beat
):
    first = workers.start()
    job = _upload(client, "year.zip", hostile.zipped(_distinct_runs(60)))
    assert _wait_for(lambda: ImportJob.objects.get(pk=job.pk).processed_files >= 10, timeout=60)
    workers.kill(first)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("running", 1)
    assert job.processed_files < 60

    beat(FAST_SWEEP)
    assert _wait_for(lambda: _finished(job), timeout=120)
    assert (job.status, job.attempts, job.total_files, job.processed_files) == ("done", 2, 60, 60)
    assert (job.imported, job.duplicates, job.failed) == (60, 0, 0)
    assert sorted(job.items.values_list("name", flat=True)) == [f"run_{n:02d}.gpx" for n in range(60)]
    stored = runs_service.list_runs(user_id=runner.id, include_hidden=True, limit=200).runs
    assert len(stored) == len({run.source_id for run in stored}) == 60
    assert sorted(job.items.values_list("run_id", flat=True)) == sorted(run.id for run in stored)


@pytest.fixture
def private_broker():
    """A redis-server of this test's own, as the broker of this process and of the workers it starts."""
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server")
    url = f"redis://127.0.0.1:{PRIVATE_REDIS_PORT}/0"
    command = ["redis-server", "--port", str(PRIVATE_REDIS_PORT), "--save", "", "--appendonly", "no"]
    server = {"process": None}

    def start():
        server["process"] = subprocess.Popen([*command, "--daemonize", "no"], stdout=subprocess.DEVNULL)
        assert _wait_for(lambda: _answers(url), timeout=10)

    def stop():
        server["process"].terminate()
        server["process"].wait(timeout=10)

    previous = celery_app.conf.broker_url
    _use_broker(url)
    start()
    try:
        yield url, start, stop
    finally:
        if server["process"].poll() is None:
            stop()
        _use_broker(previous)


def _answers(url):
    try:
        return redis.Redis.from_url(url).ping()
    except redis.ConnectionError:
        return False


def _use_broker(url):
    celery_app.conf.broker_url = celery_app.conf.broker_write_url = celery_app.conf.broker_read_url = url
    celery_app._pool = None  # the connections are made from broker_url once; let them be made again
    celery_app.amqp._producer_pool = None


def test_an_upload_made_while_the_broker_is_down_is_imported_once_it_is_back(
    runner, client, private_broker, workers, beat
):  # the broker is set up first so that it stops last: a worker cannot shut down warm without its broker
    url, start, stop = private_broker
    stop()
    job = _upload(client, "morning.gpx", hostile.fixture("gpx11_strava_run_hr.gpx"))
    job.refresh_from_db()
    assert (job.status, job.heartbeat_at) == ("queued", None)  # stored, but the broker never got it

    start()
    beat({**FAST_SWEEP, "CELERY_BROKER_URL": url})
    assert _wait_for(lambda: _finished(job), timeout=60)
    assert (job.status, job.attempts, job.imported, job.failed) == ("done", 1, 1, 0)
    assert [run.id for run in runs_service.list_runs(user_id=runner.id).runs] == [job.items.get().run_id]
