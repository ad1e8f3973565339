"""Uploads become jobs; jobs import each file, report progress, and never store half a file."""

import datetime
import gzip
import io
import zipfile

import gpxpy.gpx
import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.imports import operations
from apps.imports.interface import contracts, errors
from apps.imports.interface.service import imports_service
from apps.imports.models import ImportJob, Upload
from apps.runs.interface.service import runs_service
from tests.imports import reference

pytestmark = pytest.mark.django_db

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<gpx><trk><name>&lol3;</name></trk></gpx>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE TrainingCenterDatabase [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<TrainingCenterDatabase><Activities><Activity Sport="Running"><Id>&xxe;</Id></Activity></Activities>
</TrainingCenterDatabase>"""
NO_TRACK_TCX = b"""<?xml version="1.0"?>
<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>
<Activity Sport="Running"><Lap StartTime="2024-01-01T10:00:00Z"><Track>
<Trackpoint><Time>2024-01-01T10:00:00Z</Time></Trackpoint><Trackpoint><Time>2024-01-01T10:10:00Z</Time></Trackpoint>
</Track></Lap></Activity></Activities></TrainingCenterDatabase>"""


@pytest.fixture
def runner():
    return accounts_testing.create_user(email="ada@example.com")


def fixture(name):
    return (reference.FIXTURES / name).read_bytes()


def zipped(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_an_upload_keeps_the_file_and_imports_it_in_a_task(runner, upload):
    job = upload("morning.gpx", fixture("gpx11_strava_run_hr.gpx"))
    assert (job.status, job.total_files, job.processed_files, job.imported, job.failed) == ("done", 1, 1, 1, 0)
    assert job.items[0].status == "imported"
    assert Upload.objects.get().file.read() == fixture("gpx11_strava_run_hr.gpx")
    assert runs_service.get_run(user_id=runner.id, run_id=job.items[0].run_id).source_id.startswith("sha256:eca8163d")


def test_a_zip_imports_every_good_file_and_names_the_bad_ones(runner, upload):
    """As in a Strava export: activity files gzipped or not, and other files (a CSV, notes) left alone."""
    job = upload(
        "export.zip",
        zipped(
            {
                "activities/a.gpx": fixture("gpx11_strava_run_hr.gpx"),
                "activities/b.tcx.gz": gzip.compress(fixture("tcx_garmin_fr410_run_laps_hr.tcx")),
                "activities/c.fit": fixture("fit_garmin_fr70_run_no_gps_compressed.fit"),
                "activities/d.fit.gz": b"not gzip at all",
                "activities.csv": b"Activity ID,Activity Date\n1,Jan 1 2024",
                "notes.txt": b"hello",
            }
        ),
    )
    assert (job.status, job.total_files, job.imported, job.duplicates, job.failed) == ("done", 4, 3, 0, 1)
    assert [(item.name, item.status) for item in job.items] == [
        ("activities/a.gpx", "imported"),
        ("activities/b.tcx", "imported"),
        ("activities/c.fit", "imported"),  # dated by the watch's local clock, in the runner's zone
        ("activities/d.fit", "failed"),
    ]
    assert job.items[3].message == (
        "activities/d.fit.gz: not a readable gzip file (Not a gzipped file (b'no')); nothing imported"
    )
    assert len(runs_service.list_runs(user_id=runner.id).runs) == 3


def test_a_gzipped_file_alone_is_imported_and_a_gzip_bomb_is_not(runner, upload, settings):
    job = upload("morning.gpx.gz", gzip.compress(fixture("gpx11_strava_run_hr.gpx")))
    assert (job.status, job.imported, [item.name for item in job.items]) == ("done", 1, ["morning.gpx"])
    settings.IMPORTS_MAX_FILE_BYTES = 1_000_000
    bomb = upload("bomb.gpx.gz", gzip.compress(b"<gpx>" + b" " * 5_000_000 + b"</gpx>"))
    assert (bomb.imported, bomb.failed) == (0, 1)
    assert bomb.items[0].message == (
        "bomb.gpx.gz: unpacks to more than 1,000,000 bytes, the most one file may hold; split it into several files"
    )


def test_importing_the_same_files_again_or_zipped_creates_no_new_runs(runner, upload):
    upload("a.gpx", fixture("gpx11_strava_run_hr.gpx"))
    upload("b.tcx", fixture("tcx_garmin_fr410_run_laps_hr.tcx"))
    again = upload("a.gpx", fixture("gpx11_strava_run_hr.gpx"))
    assert (again.imported, again.duplicates) == (0, 1)
    both = upload(
        "both.zip",
        zipped({"x.gpx": fixture("gpx11_strava_run_hr.gpx"), "y.tcx": fixture("tcx_garmin_fr410_run_laps_hr.tcx")}),
    )
    assert (both.status, both.imported, both.duplicates) == ("done", 0, 2)
    assert len(runs_service.list_runs(user_id=runner.id, include_hidden=True).runs) == 2


def _gpx_of(points):
    """A GPX written from the FIT file's own records, as another app would export the same run."""
    gpx = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack()
    segment = gpxpy.gpx.GPXTrackSegment()
    gpx.tracks.append(track)
    track.segments.append(segment)
    for when, lat, lon, ele in points:
        if lat is not None:
            segment.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon, elevation=ele, time=when))
    return gpx.to_xml().encode()


def test_a_gpx_and_a_fit_of_the_same_run_leave_one_visible_run(runner, upload):
    fit = upload("watch.fit", fixture("fit_garmin_venusq_run.fit"))
    gpx = upload("export.gpx", _gpx_of(reference.points("fit_garmin_venusq_run.fit")))
    assert (fit.imported, gpx.imported, gpx.duplicates) == (1, 0, 1)
    assert gpx.items[0].message == "export.gpx: the same run is already there (kept hidden as a duplicate)"
    visible = runs_service.list_runs(user_id=runner.id).runs
    assert [run.id for run in visible] == [fit.items[0].run_id]
    hidden = runs_service.get_run(user_id=runner.id, run_id=gpx.items[0].run_id)
    assert (hidden.hidden, hidden.duplicate_of_id) == (True, fit.items[0].run_id)


def _log_of_a_stray_point_and_a_run():
    """A device's log: one point on its own at 06:00, then a run at 13:00 (more than 6 hours later)."""
    gpx = gpxpy.gpx.GPX()
    start = datetime.datetime(2024, 5, 4, 6, 0, tzinfo=datetime.UTC)
    for name, sport, points in [
        ("Stray", "running", [(start, 0.0)]),
        ("Tempo", "running", [(start + datetime.timedelta(hours=7, seconds=s), s * 0.00003) for s in range(601)]),
    ]:
        track = gpxpy.gpx.GPXTrack(name=name)
        track.type = sport
        segment = gpxpy.gpx.GPXTrackSegment()
        segment.points = [gpxpy.gpx.GPXTrackPoint(50.0 + north, 4.0, time=when) for when, north in points]
        track.segments.append(segment)
        gpx.tracks.append(track)
    return gpx.to_xml().encode()


def test_a_file_holding_several_activities_lists_each_and_what_became_of_it(runner, upload):
    job = upload("log.gpx", _log_of_a_stray_point_and_a_run())
    assert (job.status, job.imported, job.failed) == ("done", 1, 1)
    assert [(item.name, item.status, item.message) for item in job.items] == [
        (
            "log.gpx #1 (Stray, 2024-05-04 06:00 UTC)",
            "failed",
            "log.gpx #1 (Stray, 2024-05-04 06:00 UTC): this part of the file has fewer than two timed points, "
            "so there is no activity to import",
        ),
        ("log.gpx #2 (Tempo, 2024-05-04 13:00 UTC)", "imported", ""),
    ]
    [run] = runs_service.list_runs(user_id=runner.id).runs
    assert (run.id, run.name) == (job.items[1].run_id, "Tempo")


def test_the_job_page_shows_what_the_import_noted_on_each_imported_run(runner, upload, client):
    name = "gpx10_expertgps_mtb_multisegment.gpx"
    job = upload(name, fixture(name))
    assert client.login(email="ada@example.com", password="correct-horse-battery")  # create_user's default
    page = client.get(f"/imports/jobs/{job.id}/").content.decode()
    noted = "no sport in the file; taken as a ride from its speeds (change it with Edit on the run&#x27;s page)"
    assert [item.status for item in job.items] == ["imported", "imported", "imported"]
    outings = ["SHORT LOOP, 2001-05-26 15:15", "BIG LOOP, 2001-06-24 15:09", "BUCK HILL, 2001-10-13 17:55"]
    for k, (item, outing) in enumerate(zip(job.items, outings, strict=True), start=1):
        label = f"{name} #{k} ({outing} UTC)"
        assert item.name == label
        assert f'<a href="/runs/{item.run_id}/">See the run</a> {label}: {noted}</td>' in page


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("laughs.gpx", BILLION_LAUGHS, "laughs.gpx: XML with a DOCTYPE or entity declarations is refused"),
        ("xxe.tcx", EXTERNAL_ENTITY, "xxe.tcx: XML with a DOCTYPE or entity declarations is refused"),
        ("photo.gpx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "photo.gpx: this is not an XML file"),
        ("notes.fit", b"just some text, not a FIT file", "notes.fit: this is not a FIT file"),
        ("empty-track.tcx", NO_TRACK_TCX, "empty-track.tcx: the file has neither a GPS track nor a distance"),
        ("broken.gpx", b"<gpx><trk><trkseg><trkpt lat='1'", "broken.gpx: not a valid GPX file"),
    ],
)
def test_bad_content_fails_the_job_with_the_file_and_the_reason(runner, upload, name, data, message):
    job = upload(name, data)
    assert job.status == "failed"
    assert job.message.startswith(message)
    assert job.items[0].message.startswith(message)
    assert runs_service.list_runs(user_id=runner.id, include_hidden=True).runs == []


def test_a_zip_with_too_many_files_is_refused_whole(runner, upload, settings):
    settings.IMPORTS_MAX_ZIP_FILES = 2
    job = upload("many.zip", zipped({f"{i}.gpx": b"<gpx/>" for i in range(3)}))
    assert (job.status, job.message) == ("failed", "many.zip: 3 files, more than the 2 a zip may hold")


def test_a_zip_that_unpacks_beyond_the_limit_is_refused_without_unpacking_it(runner, upload, settings):
    settings.IMPORTS_MAX_ZIP_UNCOMPRESSED_BYTES = 1_000_000
    job = upload("bomb.zip", zipped({"big.gpx": b" " * 5_000_000}))
    assert job.status == "failed"
    assert job.message == "bomb.zip: unpacks to 5,000,000 bytes, more than the limit of 1,000,000"


def test_a_file_that_is_not_a_zip_is_refused(runner, upload):
    job = upload("archive.zip", b"PK but not really")
    assert (job.status, job.message) == ("failed", "archive.zip: this is not a valid zip file")


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("run.docx", 10, "run.docx: only .gpx, .tcx, .fit and .zip files (or .gz of them) can be imported"),
        ("run.gpx", 0, "run.gpx: the file is empty"),
        ("big.fit", 26_000_000, "big.fit: 26.0 MB is more than the 25 MB limit"),
    ],
)
def test_an_upload_refused_at_the_door_stores_nothing(runner, name, size, message):
    with pytest.raises(operations.UploadRefused) as refused:
        operations.create_upload(user_id=runner.id, name=name, data=b"x" * size)
    assert str(refused.value) == message
    assert (Upload.objects.count(), ImportJob.objects.count()) == (0, 0)


def test_running_a_finished_job_again_changes_nothing(runner, upload):
    job = upload("a.gpx", fixture("gpx11_strava_run_hr.gpx"))
    operations.process_job(job_id=str(job.id))
    assert imports_service.get_job(user_id=runner.id, job_id=job.id) == job


def test_imports_service_in_both_modes(service_mode, runner, upload):
    job = upload("a.gpx", fixture("gpx11_strava_run_hr.gpx"))
    assert imports_service.get_job(user_id=runner.id, job_id=job.id) == job
    listed = imports_service.list_jobs(user_id=runner.id)
    assert [(j.id, j.file_name, j.status, j.items) for j in listed] == [
        (job.id, "a.gpx", contracts.JobStatus.DONE, [])
    ]
    other = accounts_testing.create_user(email="bob@example.com")
    with pytest.raises(errors.JobNotFound):
        imports_service.get_job(user_id=other.id, job_id=job.id)
    assert imports_service.list_jobs(user_id=other.id) == []


def test_the_run_page_of_a_file_cut_off_says_so(runner, upload, client):
    job = upload("fit_sigma_ride_truncated.fit", fixture("fit_sigma_ride_truncated.fit"))
    [item] = job.items
    assert client.login(email="ada@example.com", password="correct-horse-battery")
    page = client.get(f"/runs/{item.run_id}/").content.decode()
    assert (
        "<small>From the file: the file is cut off at 4:38:43 (it ends in the middle of a record); "
        "imported up to there.</small>" in page
    )
    assert item.message == (
        "fit_sigma_ride_truncated.fit: the file is cut off at 4:38:43 (it ends in the middle of a record); "
        "imported up to there"
    )
