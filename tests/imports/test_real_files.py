"""Real files from real devices and apps (tests/fixtures/activities/SOURCES.md), imported end to end.

Expected values come from tests/imports/reference.py, which reads the files without our code.
Tolerances: start and elapsed time exact; distance at most the reference's law-of-cosines sum and at
least its sum over the legs a body of the run's family can cover (the runs app leaves out GPS jumps
and drives), each within 0.5% (the two formulas agree far closer; the margin covers float noise on
long tracks); elevation gain at most the raw sum of climbs and at least 60% of a 5-point-smoothed
sum, since the runs app deliberately ignores climbs under 3 m (GPS and barometer noise).
"""

import datetime
import itertools
import re
import xml.etree.ElementTree as ET
import zoneinfo

import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.imports import importer, parsers
from apps.runs.interface.service import runs_service
from tests.imports import reference

pytestmark = pytest.mark.django_db

GUESSED = "no sport in the file; taken as a {} from its speeds (change it with Edit on the run's page)"

# (file, sport, notes in the job's message). Files naming no sport get one guessed from their speeds
# (apps/imports/parsers.py, sport_guess), with a note saying so.
VALID_WITH_TRACK = [
    ("fit_garmin_venusq_run.fit", "run", ""),
    ("fit_coros_pace2_ride_pauses.fit", "ride", ""),
    ("gpx11_garmin_connect_run_hr.gpx", "run", GUESSED.format("run")),  # Garmin Connect's GPX has no <type>
    ("gpx11_strava_run_hr.gpx", "run", GUESSED.format("run")),  # nor has Strava's
    ("gpx11_garmin_connect_ride_hr_ns3_longfloats.gpx", "ride", ""),
    ("gpx11_opentracks_hike_zero_hr_tzoffset.gpx", "walk", GUESSED.format("walk")),  # <type>unknown</type>
    # Median moving speed 2.55 m/s, p98 7.19 m/s: 2% of its moving time at 26 km/h, which no runner
    # holds on a 27 km outing with 900 m of climbing; a mountain-bike ride by every figure it has.
    ("gpx11_bom_no_namespace.gpx", "ride", GUESSED.format("ride")),
    # A walk with drives between its tracks: median 1.24 m/s although the drives put p90 at 6.3 m/s.
    ("gpx10_gpsbabel_lake_multitrack.gpx", "walk", GUESSED.format("walk")),
    (
        "gpx10_gpsbabel_lake_multitrack_no_elevation.gpx",
        "walk",
        "1 point without a time was left out; " + GUESSED.format("walk"),  # its last point lost its <time>
    ),
    ("tcx_garmin_fr410_run_laps_hr.tcx", "run", ""),
    ("tcx_garmin_edge705_ride_split_tracks.tcx", "ride", ""),
    ("tcx_garmin_vivoactive_xcski_hr_cadence.tcx", "other", ""),  # Sport="Other" is the file's own word
    ("tcx_mapmyride_ride_singleline.tcx", "ride", ""),
]


# The fastest a body of each family moves between two samples, in m/s (apps/runs/stats.py, MAX_SPEED_M_S).
FAMILY_TOP_SPEED = {"run": 12.5, "walk": 2.5, "ride": 28.0, "other": 40.0}
# Seconds at the start during which the altitude is a barometer settling, not a climb (SOURCES.md).
SETTLING_S = {"tcx_garmin_vivoactive_xcski_hr_cadence.tcx": 10}  # 1258 m to 2250 m in the first 10 s


@pytest.fixture
def runner():
    return accounts_testing.create_user(email="ada@example.com")


def _import(user_id, name):
    data = (reference.FIXTURES / name).read_bytes()
    return importer.import_file(user_id=user_id, name=name, data=data)


@pytest.mark.parametrize(("name", "sport", "notes"), VALID_WITH_TRACK)
def test_a_real_file_imports_with_the_values_it_holds(runner, name, sport, notes):
    results = _import(runner.id, name)
    assert [(r.status, r.message) for r in results] == [("imported", f"{name}: {notes}" if notes else "")]
    run = runs_service.get_run(user_id=runner.id, run_id=results[0].run_id)
    points = reference.points(name)
    first, last = points[0][0], points[-1][0]
    assert run.start == first.astimezone(datetime.UTC)
    assert run.elapsed_s >= (last - first).total_seconds()  # a device's summary may count a little more
    assert run.elapsed_s == pytest.approx((last - first).total_seconds(), abs=2.0)
    reachable = reference.distance_m(points, max_speed=FAMILY_TOP_SPEED[sport])
    assert 0.995 * reachable <= run.distance_m <= 1.005 * reference.distance_m(points)
    if any(ele is not None for *_, ele in points):
        climbing = [p for p in points if (p[0] - first).total_seconds() >= SETTLING_S.get(name, 0)]
        assert 0.6 * reference.smoothed_gain(climbing) <= run.elevation_gain_m <= reference.raw_gain(climbing)
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


MTB = "gpx10_expertgps_mtb_multisegment.gpx"
# Each outing of the file, as the job names it: its number in time order, its name and its start.
MTB_LABELS = [
    f"{MTB} #1 (SHORT LOOP, 2001-05-26 15:15 UTC)",
    f"{MTB} #2 (BIG LOOP, 2001-06-24 15:09 UTC)",
    f"{MTB} #3 (BUCK HILL, 2001-10-13 17:55 UTC)",
]
TRACK = re.compile(rb"<trk>.*?</trk>", re.DOTALL)


def _with_tracks_in_order(data, order):
    """The file with its <trk> elements in `order` (indices in the file), every other byte as it was."""
    tracks = TRACK.findall(data)
    pieces = TRACK.split(data)  # the text around the tracks: before, between, after
    out = pieces[0]
    for between, index in zip(pieces[1:], order, strict=True):
        out += tracks[index] + between
    return out


def _mtb_rides():
    """(name, local date, timed points, seconds from first to last point) of each <trk>, in time order."""
    rides = []
    for track in ET.parse(reference.FIXTURES / MTB).getroot().findall("{*}trk"):
        times = [reference._time(p.findtext("{*}time")) for p in track.findall(".//{*}trkpt") if p.findtext("{*}time")]
        rides.append(
            (
                track.findtext("{*}name"),
                min(times).astimezone(zoneinfo.ZoneInfo("America/New_York")).date(),  # Blue Hills, Massachusetts
                len(times),
                (max(times) - min(times)).total_seconds(),
            )
        )
    return sorted(rides, key=lambda ride: ride[1])


def test_every_track_of_a_gpx_becomes_a_run_in_time_order_whatever_the_order_of_its_tracks():
    rides = _mtb_rides()
    assert [(name, date, points) for name, date, points, _ in rides] == [
        ("SHORT LOOP", datetime.date(2001, 5, 26), 436),  # the file's third track, and the first ride
        ("BIG LOOP", datetime.date(2001, 6, 24), 309),
        ("BUCK HILL", datetime.date(2001, 10, 13), 498),
    ]
    original = (reference.FIXTURES / MTB).read_bytes()
    # Every order of the three tracks (six, the file's own among them), not a sample of them.
    for attempt, order in enumerate(itertools.permutations(range(3))):
        data = _with_tracks_in_order(original, order)
        assert sorted(TRACK.findall(data)) == sorted(TRACK.findall(original))
        activities = parsers.parse(MTB, data)
        assert [len(activity.time_s) for activity in activities] == [points for _, _, points, _ in rides]
        rider = accounts_testing.create_user(email=f"rider{attempt}@example.com")
        results = importer.import_file(user_id=rider.id, name=MTB, data=data)
        assert [(r.name, r.status, r.message) for r in results] == [
            (label, "imported", f"{label}: {GUESSED.format('ride')}") for label in MTB_LABELS
        ]
        runs = [runs_service.get_run(user_id=rider.id, run_id=r.run_id) for r in results]
        assert [(run.name, run.local_date, run.elapsed_s, run.sport, run.has_streams) for run in runs] == [
            (name, date, span, "ride", True) for name, date, _, span in rides
        ]


def test_reimporting_a_multi_track_gpx_or_it_reordered_creates_no_visible_run_twice(runner):
    original = (reference.FIXTURES / MTB).read_bytes()
    first = importer.import_file(user_id=runner.id, name=MTB, data=original)
    again = importer.import_file(user_id=runner.id, name=MTB, data=original)
    assert [(r.status, r.run_id, r.message) for r in again] == [
        ("duplicate", r.run_id, f"{label}: already imported") for label, r in zip(MTB_LABELS, first, strict=True)
    ]
    backwards = _with_tracks_in_order(original, (2, 1, 0))
    reordered = importer.import_file(user_id=runner.id, name="reordered.gpx", data=backwards)
    assert [r.status for r in reordered] == ["duplicate", "duplicate", "duplicate"]
    hidden = [runs_service.get_run(user_id=runner.id, run_id=r.run_id) for r in reordered]
    assert [(run.hidden, run.duplicate_of_id) for run in hidden] == [(True, r.run_id) for r in first]
    visible = runs_service.list_runs(user_id=runner.id).runs
    assert sorted(run.id for run in visible) == sorted(r.run_id for r in first)


def test_a_truncated_fit_file_imports_what_it_holds_up_to_the_cut(runner):
    name = "fit_sigma_ride_truncated.fit"
    points = reference.points(name)  # fitdecode's records, up to the error where the file ends
    span = (points[-1][0] - points[0][0]).total_seconds()
    assert (len(points), span) == (14391, 16723.0)  # 4:38:43
    results = _import(runner.id, name)
    assert [(r.status, r.message) for r in results] == [
        (
            "imported",
            f"{name}: the file is cut off at 4:38:43 (it ends in the middle of a record); imported up to there",
        )
    ]
    run = runs_service.get_run(user_id=runner.id, run_id=results[0].run_id)
    assert (run.start, run.elapsed_s, run.sport, run.has_streams) == (points[0][0], span, "ride", True)
    assert run.distance_m == pytest.approx(reference.distance_m(points), rel=0.005)


def test_a_fit_file_damaged_early_keeps_the_devices_own_totals_without_the_few_samples_before_the_damage(runner):
    name = "fit_strava_android_run_undefined_msg.fit"
    [session] = reference.messages(name, "session")  # written first, before the damaged records
    assert (session["total_elapsed_time"], session["total_timer_time"], session["total_distance"]) == (
        3558.0,
        3558.0,
        11274.04,
    )
    points = reference.points(name)  # up to the undefined local message 11
    assert points[-1][0] == datetime.datetime(2085, 12, 21, 16, 46, 58, tzinfo=datetime.UTC)  # the damage
    readable = points[:-1]
    assert (readable[-1][0] - readable[0][0]).total_seconds() == 314.0  # 0:05:14 of the session's 0:59:18
    results = _import(runner.id, name)
    assert [(r.status, r.message) for r in results] == [
        (
            "imported",
            f"{name}: the file is damaged after 0:05:14 (a record is dated 2085-12-21 16:46:58); its samples cover"
            " only 0:05:14 of the 0:59:18 the device recorded, so the run takes the device's totals"
            " (11.27 km in 0:59:18) without a track",
        )
    ]
    run = runs_service.get_run(user_id=runner.id, run_id=results[0].run_id)
    assert (run.start, run.local_date, run.sport) == (session["start_time"], datetime.date(2021, 9, 27), "run")
    assert (run.elapsed_s, run.moving_s, run.distance_m, run.has_streams) == (3558.0, 3558.0, 11274.0, False)
    assert [(lap.start_offset_s, lap.elapsed_s, lap.distance_m) for lap in run.laps] == [(0.0, 3558.0, 11274.04)]
    # No samples are stored, but the zone still comes from where the run started: Bend, Oregon.
    first_fix = next((lat, lon) for _, lat, lon, _ in readable if lat is not None)
    assert (round(first_fix[0], 2), round(first_fix[1], 2)) == (44.05, -121.31)
    assert run.timezone == "America/Los_Angeles"


def test_a_run_gets_the_time_zone_of_where_it_started(runner):
    results = _import(runner.id, "gpx11_strava_run_hr.gpx")
    run = runs_service.get_run(user_id=runner.id, run_id=results[0].run_id)
    assert run.timezone == "America/Los_Angeles"
    # 21:24 UTC on 19 January is 13:24 the same day in San Francisco.
    assert run.local_date == datetime.date(2015, 1, 19)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "gpx10_gpsbabel_hike_1901_timestamps.gpx",
            "the timestamps (1901-12-13T20:45:52.207000+00:00) are before 1980, so they are not real dates",
        ),
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


def test_a_watch_file_dated_by_its_local_clock_only_is_placed_in_the_runners_zone():
    """A Forerunner 70 dates its records in seconds since it was switched on; its `activity` message gives the
    local time at the end (12:21:03 on 13 February 2012). Taken in the runner's zone, Paris: 10:16:16 UTC."""
    runner = accounts_testing.create_user(email="ada@example.com", timezone="Europe/Paris")
    [result] = _import(runner.id, "fit_garmin_fr70_run_no_gps_compressed.fit")
    assert (result.status, result.message) == (
        "imported",
        "fit_garmin_fr70_run_no_gps_compressed.fit: dated by the watch's local time only, taken as Europe/Paris time"
        " (your profile's)",
    )
    run = runs_service.get_run(user_id=runner.id, run_id=result.run_id)
    assert run.start == datetime.datetime(2012, 2, 13, 10, 16, 16, tzinfo=datetime.UTC)
    assert (run.timezone, run.local_date, run.sport) == ("Europe/Paris", datetime.date(2012, 2, 13), "run")
    assert (run.elapsed_s, run.moving_s, len(run.laps)) == (3883.273, 3772.75, 11)
    assert round(run.distance_m, 1) == 10248.7  # the foot pod's distance: there is no GPS


def test_importing_the_same_file_again_creates_no_run(runner):
    first = _import(runner.id, "gpx11_strava_run_hr.gpx")
    again = _import(runner.id, "gpx11_strava_run_hr.gpx")
    assert [(r.status, r.run_id) for r in again] == [("duplicate", first[0].run_id)]
    assert again[0].message == "gpx11_strava_run_hr.gpx: already imported"
    assert len(runs_service.list_runs(user_id=runner.id, include_hidden=True).runs) == 1
