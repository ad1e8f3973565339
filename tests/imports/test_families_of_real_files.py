"""Real rides, walks, hikes and a ski next to a real run: each lands in its family and none is a run's record.

Expected values come from tests/imports/reference.py (the files read without our code) and from what the
fixtures are (tests/fixtures/activities/SOURCES.md).
"""

import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.imports import importer
from apps.runs.interface import contracts
from apps.runs.interface.service import runs_service
from tests.imports import reference

pytestmark = pytest.mark.django_db

NOT_RUNS = {
    "fit_coros_pace2_ride_pauses.fit": ["cycling"],
    "fit_wahoo_elemnt_bolt_ride_devdata.fit": ["cycling"],
    "fit_sigma_ride_truncated.fit": ["cycling"],
    "gpx11_garmin_connect_ride_hr_ns3_longfloats.gpx": ["cycling"],
    "tcx_garmin_edge705_ride_split_tracks.tcx": ["cycling"],
    "tcx_mapmyride_ride_singleline.tcx": ["cycling"],
    "gpx10_expertgps_mtb_multisegment.gpx": ["cycling", "cycling", "cycling"],  # three mountain-bike rides
    "gpx10_gpsbabel_lake_multitrack.gpx": ["walking"],  # a walk with drives in between
    "gpx11_opentracks_hike_zero_hr_tzoffset.gpx": ["walking"],  # a hike
    "tcx_garmin_vivoactive_xcski_hr_cadence.tcx": ["other"],  # cross-country skiing
}
PLAUSIBLE_WALK_M_S = 2.5  # 9 km/h: faster is running, whatever the file says (decision 0017)


def _import(user_id, name):
    return importer.import_file(user_id=user_id, name=name, data=(reference.FIXTURES / name).read_bytes())


@pytest.fixture
def runner():
    return accounts_testing.create_user(email="ada@example.com")


def test_each_ride_walk_hike_and_ski_lands_in_its_family_and_no_running_record_changes(runner):
    [run] = _import(runner.id, "gpx11_garmin_connect_run_hr.gpx")
    running_records = runs_service.list_personal_records(user_id=runner.id, family=contracts.Family.RUNNING)
    assert [r.distance_key for r in running_records] == ["400m", "1k", "1mi"]
    assert {r.run_id for r in running_records} == {run.run_id}

    for name, families in NOT_RUNS.items():
        results = _import(runner.id, name)
        assert [r.status for r in results] == ["imported"] * len(families), name
        runs = [runs_service.get_run(user_id=runner.id, run_id=r.run_id) for r in results]
        assert [r.family.value for r in runs] == families, name

    assert runs_service.list_personal_records(user_id=runner.id, family=contracts.Family.RUNNING) == running_records
    the_run = runs_service.get_run(user_id=runner.id, run_id=run.run_id)
    day = the_run.local_date
    month = runs_service.get_month_summary(
        user_id=runner.id, year=day.year, month=day.month, sports=list(contracts.RUNNING_SPORTS)
    )
    assert (month.runs, month.distance_m) == (1, the_run.distance_m)
    everything = runs_service.list_runs(user_id=runner.id, limit=50).runs
    assert len(everything) == 1 + sum(len(families) for families in NOT_RUNS.values())  # every one listed


def test_the_walk_with_drives_has_no_effort_faster_than_a_walk(runner):
    [result] = _import(runner.id, "gpx10_gpsbabel_lake_multitrack.gpx")
    walk = runs_service.get_run(user_id=runner.id, run_id=result.run_id)
    assert walk.sport == "walk"
    assert walk.best_efforts  # a kilometre at least: the walk is about 4 km without the drives
    for effort in walk.best_efforts:
        assert effort.distance_m / effort.elapsed_s <= PLAUSIBLE_WALK_M_S, effort
    # The drives are not the walk's distance: about the law-of-cosines sum of the legs a walker can make (the
    # importer bridges a glitch by a straight line instead of dropping its legs, hence the 5 %).
    points = reference.points("gpx10_gpsbabel_lake_multitrack.gpx")
    assert walk.distance_m == pytest.approx(reference.distance_m(points, max_speed=PLAUSIBLE_WALK_M_S), rel=0.05)
    assert walk.distance_m < 0.5 * reference.distance_m(points)


def test_the_ski_climb_is_within_15_percent_of_the_climb_without_the_altimeters_settling_jump(runner):
    [result] = _import(runner.id, "tcx_garmin_vivoactive_xcski_hr_cadence.tcx")
    ski = runs_service.get_run(user_id=runner.id, run_id=result.run_id)
    points = reference.points("tcx_garmin_vivoactive_xcski_hr_cadence.tcx")
    start = points[0][0]
    settled = [p for p in points if (p[0] - start).total_seconds() >= 15]  # the barometer jumps 1000 m in 11 s
    independent = reference.smoothed_gain(settled)
    assert independent == pytest.approx(110.3, abs=0.1)
    assert ski.elevation_gain_m == pytest.approx(independent, rel=0.15)
