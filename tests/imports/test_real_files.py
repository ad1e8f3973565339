"""Real files from real devices and apps (tests/fixtures/activities/SOURCES.md), imported end to end.

Expected values come from tests/imports/reference.py, which reads the files without our code.
Tolerances: start and elapsed time exact; distance within 0.5% of the reference's law-of-cosines
sum (the two formulas agree far closer; the margin covers float noise on long tracks); elevation
gain at most the raw sum of climbs and at least 60% of a 5-point-smoothed sum, since the importer
deliberately ignores climbs under 3 m (GPS and barometer noise).
"""

import datetime

import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.imports import importer
from apps.runs.interface.service import runs_service
from tests.imports import reference

pytestmark = pytest.mark.django_db

VALID_WITH_TRACK = [
    ("fit_garmin_venusq_run.fit", "run"),
    ("fit_coros_pace2_ride_pauses.fit", "ride"),
    ("gpx11_garmin_connect_run_hr.gpx", "run"),
    ("gpx11_strava_run_hr.gpx", "run"),
    ("gpx11_garmin_connect_ride_hr_ns3_longfloats.gpx", "ride"),
    ("gpx11_opentracks_hike_zero_hr_tzoffset.gpx", "other"),
    ("gpx11_bom_no_namespace.gpx", "run"),
    ("gpx10_gpsbabel_lake_multitrack.gpx", "run"),
    ("gpx10_gpsbabel_lake_multitrack_no_elevation.gpx", "run"),
    ("tcx_garmin_fr410_run_laps_hr.tcx", "run"),
    ("tcx_garmin_edge705_ride_split_tracks.tcx", "ride"),
    ("tcx_garmin_vivoactive_xcski_hr_cadence.tcx", "other"),
    ("tcx_mapmyride_ride_singleline.tcx", "ride"),
]


@pytest.fixture
def runner():
    return accounts_testing.create_user(email="ada@example.com")


def _import(user_id, name):
    data = (reference.FIXTURES / name).read_bytes()
    return importer.import_file(user_id=user_id, name=name, data=data)


@pytest.mark.parametrize(("name", "sport"), VALID_WITH_TRACK)
def test_a_real_file_imports_with_the_values_it_holds(runner, name, sport):
    results = _import(runner.id, name)
    assert [(r.status, r.message) for r in results] == [("imported", "")]
    run = runs_service.get_run(user_id=runner.id, run_id=results[0].run_id)
    points = reference.points(name)
    first, last = points[0][0], points[-1][0]
    assert run.start == first.astimezone(datetime.UTC)
    assert run.elapsed_s >= (last - first).total_seconds()  # a device's summary may count a little more
    assert run.elapsed_s == pytest.approx((last - first).total_seconds(), abs=2.0)
    assert run.distance_m == pytest.approx(reference.distance_m(points), rel=0.005)
    if any(ele is not None for *_, ele in points):
        assert 0.6 * reference.smoothed_gain(points) <= run.elevation_gain_m <= reference.raw_gain(points)
    else:
        assert run.elevation_gain_m is None
    assert run.sport == sport
    assert run.has_streams is True


def test_a_fit_files_own_elapsed_and_timer_times_are_kept(runner):
    name = "fit_wahoo_elemnt_bolt_ride_devdata.fit"
    results = _import(runner.id, name)
    run = runs_service.get_run(user_id=runner.id, run_id=results[0].run_id)
    points = reference.points(name)
    assert (points[-1][0] - points[0][0]).total_seconds() == 131.0  # the records stop before the session does
    assert run.elapsed_s == 140.0  # the session's elapsed time
    assert run.moving_s == 132.0  # the session's timer time (an 8 s pause)
    assert run.distance_m == pytest.approx(reference.distance_m(points), rel=0.005)
    assert run.sport == "ride"


def test_a_gpx_holding_a_devices_whole_log_becomes_one_run_per_outing(runner):
    results = _import(runner.id, "gpx10_expertgps_mtb_multisegment.gpx")
    assert [(r.name, r.status) for r in results] == [
        ("gpx10_expertgps_mtb_multisegment.gpx #1", "imported"),
        ("gpx10_expertgps_mtb_multisegment.gpx #2", "imported"),
    ]
    runs = [runs_service.get_run(user_id=runner.id, run_id=r.run_id) for r in results]
    assert [(r.name, r.local_date) for r in runs] == [
        ("BIG LOOP", datetime.date(2001, 6, 24)),
        ("BUCK HILL", datetime.date(2001, 10, 13)),
    ]


def test_a_run_gets_the_time_zone_of_where_it_started(runner):
    results = _import(runner.id, "gpx11_strava_run_hr.gpx")
    run = runs_service.get_run(user_id=runner.id, run_id=results[0].run_id)
    assert run.timezone == "America/Los_Angeles"
    # 21:24 UTC on 19 January is 13:24 the same day in San Francisco.
    assert run.local_date == datetime.date(2015, 1, 19)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("fit_sigma_ride_truncated.fit", "the FIT file is truncated (it ends in the middle of a record)"),
        ("fit_strava_android_run_undefined_msg.fit", "the FIT file is corrupt"),
        ("fit_garmin_fr70_run_no_gps_compressed.fit", "the FIT file has relative timestamps only"),
        ("gpx10_gpsbabel_hike_1901_timestamps.gpx", "every point has the same time"),
        ("gpx11_bikerouter_route_no_timestamps.gpx", "the GPX file has no timestamps"),
        ("gpx11_small_floats_handmade.gpx", "the GPX file has no timestamps"),
    ],
)
def test_a_broken_file_fails_with_its_name_and_the_reason_and_stores_nothing(runner, name, message):
    results = _import(runner.id, name)
    assert len(results) == 1
    assert results[0].status == "failed"
    assert results[0].message.startswith(f"{name}: {message}")
    assert runs_service.list_runs(user_id=runner.id, include_hidden=True).runs == []


def test_importing_the_same_file_again_creates_no_run(runner):
    first = _import(runner.id, "gpx11_strava_run_hr.gpx")
    again = _import(runner.id, "gpx11_strava_run_hr.gpx")
    assert [(r.status, r.run_id) for r in again] == [("duplicate", first[0].run_id)]
    assert again[0].message == "gpx11_strava_run_hr.gpx: already imported"
    assert len(runs_service.list_runs(user_id=runner.id, include_hidden=True).runs) == 1
