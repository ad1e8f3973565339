"""Hostile files (issue #12, "Imports that never end"): each import ends with a message, nothing of the bad file is
stored, and the good files beside it are imported. Runs on SQLite, and on PostgreSQL with DATABASE_URL set (where a
NaN or an infinity that reached a JSON column raised `DataError`)."""

import io

import pytest
from django.core.management import call_command

from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface.service import runs_service
from tests.imports import hostile

pytestmark = pytest.mark.django_db


@pytest.fixture
def runner():
    return accounts_testing.create_user(email="ada@example.com")


def _runs(runner):
    return runs_service.list_runs(user_id=runner.id, include_hidden=True).runs


def _one_bad_member(name, damage):
    good = {f"good/{n}": hostile.fixture(n) for n in hostile.GOOD_FILES}
    return damage(hostile.zipped({**good, name: hostile.fixture("gpx11_strava_run_hr.gpx")}, method=0), name)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            hostile.with_member_damaged,
            "bad.gpx: damaged inside the zip (Bad CRC-32 for file 'bad.gpx'); nothing imported",
        ),
        (
            hostile.with_size_understated,
            "bad.gpx: damaged inside the zip (Bad CRC-32 for file 'bad.gpx'); nothing imported",
        ),
        (
            lambda archive, name: hostile.with_member_patched(archive, name, flags=1),
            "bad.gpx: encrypted with a password; zip it again without one",
        ),
        (
            lambda archive, name: hostile.with_member_patched(archive, name, method=99),
            "bad.gpx: compressed by a method this importer cannot unpack (99); zip it again",
        ),
    ],
    ids=["bad-crc", "size-understated", "encrypted", "unknown-compression"],
)
def test_a_zip_member_that_cannot_be_unpacked_fails_alone(runner, upload, damage, message):
    job = upload("export.zip", _one_bad_member("bad.gpx", damage))
    assert (job.status, job.total_files, job.imported, job.duplicates, job.failed) == ("done", 4, 3, 0, 1)
    assert [(item.name, item.status, item.message) for item in job.items if item.status == "failed"] == [
        ("bad.gpx", "failed", message)
    ]
    assert len(_runs(runner)) == 3


def test_a_zip_member_whose_name_is_not_utf8_is_read_under_a_readable_name(runner, upload):
    job = upload("export.zip", hostile.non_utf8_name_zip())
    assert (job.status, job.total_files, job.imported, job.failed) == ("done", 2, 1, 1)
    assert [(item.name, item.status, item.message) for item in job.items] == [
        ("good.gpx", "imported", job.items[0].message),
        (
            "caf\ufffd\ufffd.gpx",
            "failed",
            "caf\ufffd\ufffd.gpx: the GPX file has no timestamps (a planned route, not a recorded activity)",
        ),
    ]
    assert len(_runs(runner)) == 1


@pytest.mark.parametrize("maker", [hostile.gpx_with, hostile.tcx_with], ids=["gpx", "tcx"])
@pytest.mark.parametrize("case", sorted(hostile.BAD_VALUES))
def test_a_value_no_device_means_drops_that_sample_not_the_import(runner, upload, maker, case):
    extension = "gpx" if maker is hostile.gpx_with else "tcx"
    job = upload(f"{case}.{extension}", maker(**hostile.BAD_VALUES[case]))
    assert (job.status, job.imported, job.failed, job.message) == ("done", 1, 0, "")
    run = runs_service.get_run(user_id=runner.id, run_id=job.items[0].run_id)
    assert (run.elapsed_s, run.max_heart_rate, run.average_heart_rate) == (600.0, 150, 150)
    assert run.elevation_gain_m in (0.0, None)
    assert 550 < run.distance_m < 620  # ten steps of 55.6 m, whatever the 6th point says (NaN fails this too)


def test_randomly_damaged_fit_files_each_end_with_a_result(runner, upload):
    damaged = hostile.damaged_fits(40)
    job = upload("fits.zip", hostile.zipped(damaged))
    assert (job.status, job.total_files, job.processed_files) == ("done", 40, 40)
    assert job.imported + job.duplicates + job.failed == len(job.items) == 40
    assert all(item.message.startswith(item.name + ":") for item in job.items if item.status == "failed")
    assert len(_runs(runner)) == job.imported + job.duplicates


def test_the_command_prints_a_summary_for_each_hostile_file_instead_of_a_traceback(runner, tmp_path):
    archive, expected = hostile.hostile_zip()
    (tmp_path / "hostile.zip").write_bytes(archive)
    (tmp_path / "names.zip").write_bytes(hostile.non_utf8_name_zip())
    out = io.StringIO()
    call_command("import_activities", str(tmp_path), user="ada@example.com", stdout=out)
    assert out.getvalue().splitlines() == [
        "Imported 3, duplicates 1, failed 6.",
        "  note: good/gpx11_strava_run_hr.gpx: no sport in the file; taken as a run from its speeds "
        "(change it with Edit on the run's page)",
        *(f"  failed: {message}" for message in expected.values()),
        "  failed: caf\ufffd\ufffd.gpx: the GPX file has no timestamps (a planned route, not a recorded activity)",
    ]


def test_a_zip_member_bigger_than_one_file_may_be_fails_alone_unread(runner, upload, settings):
    gpx = hostile.fixture("gpx11_strava_run_hr.gpx")
    settings.IMPORTS_MAX_FILE_BYTES = len(gpx) - 1
    small = {f"good/{n}": hostile.fixture(n) for n in hostile.GOOD_FILES if len(hostile.fixture(n)) < len(gpx)}
    job = upload("export.zip", hostile.zipped({**small, "big.gpx": gpx}))
    assert (job.status, job.total_files, job.failed) == ("done", len(small) + 1, 1)
    assert [(item.name, item.message) for item in job.items if item.status == "failed"] == [
        (
            "big.gpx",
            f"big.gpx: unpacks to more than {len(gpx) - 1:,} bytes, the most one file may hold; "
            "split it into several files",
        )
    ]
