"""The parsers on their own: pure functions over bytes, on files built here and on the real fixtures."""

import datetime
import math

import pytest
from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.activity_message import ActivityMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.profile_type import FileType, Manufacturer, Sport

from apps.accounts.interface import testing as accounts_testing
from apps.imports import importer, parsers
from apps.runs.interface import contracts as runs_contracts
from apps.runs.interface.service import runs_service
from tests.imports import hostile, reference

START = datetime.datetime(2024, 5, 4, 8, 0, tzinfo=datetime.UTC)
GUESSED = "no sport in the file; taken as a {} from its speeds (change it with Edit on the run's page)"


def _gpx(tracks, *, start=START):
    """GPX 1.1 of `tracks`: [(name, type or None, [[(seconds from start or None, metres north), ...], ...])].

    Each point is at longitude 0, `metres north` of the equator, so speeds are what the numbers say.
    """
    degrees_per_metre = 180 / (math.pi * 6_371_008.8)  # along a meridian of the 6371.0088 km sphere
    xml = ['<?xml version="1.0"?><gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">']
    for name, sport, segments in tracks:
        xml.append(f"<trk><name>{name}</name>" + (f"<type>{sport}</type>" if sport else ""))
        for points in segments:
            xml.append("<trkseg>")
            for seconds, north in points:
                at = None if seconds is None else start + datetime.timedelta(seconds=seconds)
                when = "" if at is None else f"<time>{at.isoformat()}</time>"
                xml.append(f'<trkpt lat="{north * degrees_per_metre:.9f}" lon="0">{when}</trkpt>')
            xml.append("</trkseg>")
        xml.append("</trk>")
    xml.append("</gpx>")
    return "".join(xml).encode()


def _steady(seconds, speed, *, since=0, step=10):
    """Points every `step` seconds for `seconds`, moving north at `speed` m/s, starting at `since` s."""
    return [(since + t, speed * t) for t in range(0, seconds + 1, step)]


@pytest.mark.parametrize(
    ("name", "sports"),
    [
        ("gpx11_opentracks_hike_zero_hr_tzoffset.gpx", ["walk"]),  # <type>unknown</type>; median 1.21 m/s
        ("gpx10_gpsbabel_lake_multitrack.gpx", ["walk"]),  # no <type>; median 1.24 m/s despite its drives
        ("gpx10_expertgps_mtb_multisegment.gpx", ["ride", "ride", "ride"]),  # no <type>; p98 7.48-8.44 m/s
    ],
)
def test_the_sport_of_a_file_that_names_none_is_guessed_from_its_speeds_with_a_note(name, sports):
    activities = parsers.parse(name, (reference.FIXTURES / name).read_bytes())
    assert [(a.sport, a.notes) for a in activities] == [(sport, [GUESSED.format(sport)]) for sport in sports]


def test_a_sport_the_file_names_is_kept_whatever_its_speeds():
    ride_speeds = _steady(600, 10.0)  # 36 km/h for ten minutes
    [activity] = parsers.parse("fast.gpx", _gpx([("Tempo", "running", [ride_speeds])]))
    assert (activity.sport, activity.notes) == ("run", [])
    [untyped] = parsers.parse("fast.gpx", _gpx([("Tempo", None, [ride_speeds])]))
    assert (untyped.sport, untyped.notes) == ("ride", [GUESSED.format("ride")])


@pytest.mark.parametrize(
    ("median", "fast", "sport"),
    [
        (1.875, 1.875, "walk"),  # below the walk-to-run transition
        (2.0, 2.0, "run"),
        (3.0, 6.375, "run"),  # 5% of the moving time at 6.375 m/s: not yet a ride
        (3.0, 6.5, "ride"),
        (1.875, 9.0, "walk"),  # a walk with a drive inside it stays a walk
    ],
)
def test_the_guess_is_a_walk_below_a_median_of_1_9_m_s_else_a_ride_from_a_p98_of_6_5_m_s(median, fast, sport):
    # 95 s at the median speed, then 5 s (5% of the moving time, more than the top 2%) at `fast`.
    time_s = [float(t) for t in range(101)]
    distance_m = [median * min(t, 95) + fast * max(0, t - 95) for t in range(101)]
    nowhere = [None] * 101
    guessed = parsers.sport_guess(time_s=time_s, latitude=nowhere, longitude=nowhere, distance_m=distance_m)
    assert guessed == sport


def test_moving_speed_quantiles_weigh_legs_by_time_and_leave_out_stops_gaps_and_glitches():
    time_s = [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 250.0, 270.0]
    # legs: 1, 2, 3 m/s for 10 s each; 0.2 m/s (stopped); 30 m/s (a glitch); 200 s (a pause); 4 m/s for 20 s
    distance_m = [0.0, 10.0, 30.0, 60.0, 62.0, 362.0, 400.0, 480.0]
    nowhere = [None] * len(time_s)
    quantiles = parsers.moving_speed_quantiles(
        time_s=time_s, latitude=nowhere, longitude=nowhere, distance_m=distance_m, quantiles=(0.2, 0.25, 0.5, 0.98)
    )
    assert quantiles == [1.0, 2.0, 3.0, 4.0]  # of 50 moving seconds: 10 at 1, 10 at 2, 10 at 3, 20 at 4
    standing = parsers.moving_speed_quantiles(
        time_s=[0.0, 10.0], latitude=[None, None], longitude=[None, None], distance_m=[0.0, 1.0], quantiles=(0.5,)
    )
    assert standing is None


def test_too_little_movement_to_tell_is_taken_as_a_run_with_a_note():
    [activity] = parsers.parse("short.gpx", _gpx([("Short", None, [_steady(50, 3.0)])]))
    assert (activity.sport, activity.notes) == (
        "run",
        [
            "no sport in the file and too little movement to tell; "
            "taken as a run (change it with Edit on the run's page)"
        ],
    )


def test_points_out_of_time_order_in_a_segment_are_sorted_with_a_note():
    points = [(0, 0.0), (20, 60.0), (10, 30.0), (30, 90.0), (25, 75.0), (40, 120.0)]
    [activity] = parsers.parse("jumbled.gpx", _gpx([("Jumbled", "running", [points])]))
    assert activity.time_s == [0.0, 10.0, 20.0, 25.0, 30.0, 40.0]
    assert activity.notes == ["2 of its points were out of time order (now sorted by time)"]


def test_segments_join_an_activity_within_six_hours_of_its_end_and_start_another_beyond():
    morning = _steady(600, 3.0)
    afternoon = _steady(600, 3.0, since=600 + 6 * 3600)  # exactly six hours after the morning's end
    next_day = _steady(600, 3.0, since=600 + 6 * 3600 + 600 + 6 * 3600 + 1)
    data = _gpx([("Day one", "running", [morning, afternoon]), ("Day two", "running", [next_day])])
    activities = parsers.parse("log.gpx", data)
    assert [(a.name, a.start, len(a.time_s), a.time_s[-1]) for a in activities] == [
        ("Day one", START, 122, 600.0 + 6 * 3600 + 600),
        ("Day two", START + datetime.timedelta(seconds=600 + 6 * 3600 + 600 + 6 * 3600 + 1), 61, 600.0),
    ]


def test_another_track_joins_within_an_hour_and_is_another_outing_beyond():
    first = _steady(600, 3.0)
    resumed = _steady(600, 3.0, since=600 + 3600)  # a power cycle: a new <trk> exactly an hour later
    evening = _steady(600, 3.0, since=600 + 3600 + 600 + 3601)  # an hour and a second after that
    data = _gpx([("Log", None, [first]), ("Log #2", None, [resumed]), ("Log #3", None, [evening])])
    activities = parsers.parse("log.gpx", data)
    assert [(a.name, len(a.time_s)) for a in activities] == [("Log", 122), ("Log #3", 61)]


def test_a_track_overlapping_another_in_time_is_an_activity_of_its_own_with_a_note():
    data = _gpx([("Watch", "running", [_steady(1200, 3.0)]), ("Phone", "running", [_steady(600, 3.0, since=300)])])
    activities = parsers.parse("both.gpx", data)
    assert [(a.name, a.start, a.notes) for a in activities] == [
        ("Watch", START, []),
        (
            "Phone",
            START + datetime.timedelta(seconds=300),
            ["it overlaps Watch in time, so it is imported on its own"],
        ),
    ]


def test_points_without_a_time_are_left_out_with_a_note():
    timed = [*_steady(600, 3.0), (None, 2000.0)]
    untimed_segment = [(None, 0.0), (None, 10.0)]
    [activity] = parsers.parse("gaps.gpx", _gpx([("Run", "running", [timed, untimed_segment])]))
    assert len(activity.time_s) == 61
    assert activity.notes == ["1 point without a time was left out", "2 points without a time were left out"]


def test_a_part_of_a_file_that_cannot_be_imported_comes_back_with_its_reason():
    stray = [(0, 0.0)]
    outing = _steady(600, 3.0, since=7 * 3600)
    activities = parsers.parse("log.gpx", _gpx([("Stray", "running", [stray]), ("Outing", "running", [outing])]))
    assert [(a.name, a.problem) for a in activities] == [
        ("Stray", "this part of the file has fewer than two timed points, so there is no activity to import"),
        ("Outing", ""),
    ]


def test_a_start_before_the_earliest_allowed_is_refused_and_one_at_it_is_read():
    earliest = runs_contracts.EARLIEST_START
    before = _gpx([("Old", "running", [_steady(600, 3.0)])], start=earliest - datetime.timedelta(seconds=1))
    with pytest.raises(parsers.ParseError) as refused:
        parsers.parse("old.gpx", before)
    assert str(refused.value) == (
        "old.gpx: the timestamps (1979-12-31T23:59:59+00:00) are before 1980, so they are not real dates"
    )
    [activity] = parsers.parse("old.gpx", _gpx([("Old", "running", [_steady(600, 3.0)])], start=earliest))
    assert activity.start == earliest


def test_a_tcx_trackpoint_earlier_than_the_one_before_is_left_out_with_a_note():
    ns = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
    times = ["2024-05-04T08:00:00Z", "2024-05-04T08:00:10Z", "2024-05-04T08:00:05Z", "2024-05-04T08:00:20Z"]
    points = "".join(
        f"<Trackpoint><Time>{when}</Time><DistanceMeters>{30 * k}</DistanceMeters></Trackpoint>"
        for k, when in enumerate(times)
    )
    data = (
        f'<TrainingCenterDatabase xmlns="{ns}"><Activities><Activity Sport="Running">'
        f'<Lap StartTime="{times[0]}"><Track>{points}</Track></Lap></Activity></Activities></TrainingCenterDatabase>'
    ).encode()
    [activity] = parsers.parse("laps.tcx", data)
    assert activity.time_s == [0.0, 10.0, 20.0]
    assert activity.notes == ["1 trackpoint earlier than the one before it was left out"]


@pytest.mark.parametrize("garbage", ["NaN", "inf", "-5", "1e400", "lots"])
def test_a_tcx_lap_s_garbage_time_distance_or_calories_is_a_missing_value(garbage):
    good = hostile.tcx_with()
    data = good.replace(
        b"<TotalTimeSeconds>600</TotalTimeSeconds>", f"<TotalTimeSeconds>{garbage}</TotalTimeSeconds>".encode()
    )
    data = data.replace(
        b"<DistanceMeters>610</DistanceMeters><Track>",
        f"<DistanceMeters>{garbage}</DistanceMeters><Calories>{garbage}</Calories><Track>".encode(),
    )
    assert data != good
    [activity] = parsers.parse("laps.tcx", data)
    assert (activity.calories, activity.laps) == (None, [{"start_offset_s": 0.0, "elapsed_s": 0.0, "distance_m": 0.0}])
    assert len(activity.time_s) == 11


def test_a_fit_file_whose_checksum_does_not_match_after_complete_data_is_read_with_a_note():
    data = (reference.FIXTURES / "fit_garmin_venusq_run.fit").read_bytes()
    damaged = data[:-2] + bytes([data[-2] ^ 0xFF]) + data[-1:]
    [activity] = parsers.parse("watch.fit", damaged)
    assert len(activity.time_s) == len(reference.points("fit_garmin_venusq_run.fit")) == 326
    assert activity.notes == ["the file's checksum does not match, so some values may be damaged"]


def test_a_fit_file_cut_off_before_its_first_record_is_refused_as_truncated():
    data = (reference.FIXTURES / "fit_sigma_ride_truncated.fit").read_bytes()
    with pytest.raises(parsers.ParseError) as refused:
        parsers.parse("cut.fit", data[:200])
    assert str(refused.value) == "cut.fit: the FIT file is truncated (it ends in the middle of a record)"


@pytest.mark.parametrize(
    ("name", "kept"),
    [("Untitled", ""), ("2025-08-29T20:12+02", ""), ("2024-05-04 08:00", ""), ("Sunday long run", "Sunday long run")],
)
def test_an_apps_placeholder_name_is_no_name_so_pages_name_the_sport(name, kept):
    [activity] = parsers.parse("named.gpx", _gpx([(name, "running", [_steady(600, 3.0)])]))
    assert activity.name == kept


def _flipped(name, offset):
    data = bytearray(fixture_bytes(name))
    data[offset] ^= 0xFF
    return bytes(data)


def fixture_bytes(name):
    return (reference.FIXTURES / name).read_bytes()


def test_a_fit_file_with_any_byte_damaged_is_read_or_refused_with_a_reason_never_a_crash():
    name = "fit_wahoo_elemnt_bolt_ride_devdata.fit"
    offsets = sorted({4634, 4646, *range(14, len(fixture_bytes(name)) - 2, 17)})  # 4634, 4646: garbage laps
    outcomes = {"read": 0, "refused": 0}
    reasons = []
    for offset in offsets:
        try:
            [activity] = parsers.parse(name, _flipped(name, offset))
        except parsers.ParseError as error:
            reasons.append(str(error))
            outcomes["refused"] += 1
        else:
            assert len(activity.time_s) >= 2
            outcomes["read"] += 1
    assert all(reason.startswith(f"{name}: ") for reason in reasons)
    assert outcomes["read"] > outcomes["refused"] > 0  # most damage is local; a damaged header refuses the file


def test_one_record_dated_hours_ahead_does_not_push_out_the_rest_of_the_ride():
    name = "fit_coros_pace2_ride_pauses.fit"
    [clean] = parsers.parse(name, fixture_bytes(name))
    [damaged] = parsers.parse(name, _flipped(name, 12411))  # a record's timestamp byte: 12 hours ahead
    assert (len(damaged.time_s), damaged.time_s[-1]) == (len(clean.time_s) - 1, clean.time_s[-1])
    assert "1 record with a time hours ahead of the rest was left out" in damaged.notes


def test_values_that_are_not_numbers_are_missing_values():
    data = _gpx([("Odd", "running", [_steady(600, 3.0)])]).replace(
        b'lon="0"><time>2024-05-04T08:01:40', b'lon="nan"><time>2024-05-04T08:01:40'
    )
    [activity] = parsers.parse("odd.gpx", data)
    assert activity.longitude.count(None) == 1
    assert activity.latitude.count(None) == 1  # a position is both or nothing


def test_a_gpx_of_more_than_1000_outings_is_refused_and_4000_contiguous_tracks_are_one():
    def log(count, hours_apart):
        return _gpx(
            [(f"T{k}", "running", [_steady(60, 3.0, since=int(k * hours_apart * 3600))]) for k in range(count)]
        )

    with pytest.raises(parsers.ParseError, match=r"^many\.gpx: the file holds more than 1000 separate activities"):
        parsers.parse("many.gpx", log(1001, 7))
    assert len(parsers.parse("log.gpx", log(1000, 7))) == 1000
    [one] = parsers.parse("power-cycles.gpx", log(4000, 0.02))  # a track every 72 s, each 60 s long
    assert len(one.time_s) == 4000 * 7


def _multisport_fit(legs, *, start=START, unplaced=()):
    """A FIT file written with fit-tool: one session per leg [(sport, seconds, metres per second)], 1 Hz records.

    The sessions of the legs numbered in `unplaced` (from 0) have no start time.
    """

    def ms(seconds):
        return round((start + datetime.timedelta(seconds=seconds)).timestamp() * 1000)

    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    file_id = FileIdMessage()
    file_id.type, file_id.manufacturer, file_id.product = FileType.ACTIVITY, Manufacturer.DEVELOPMENT.value, 0
    file_id.time_created, file_id.serial_number = ms(0), 1
    builder.add(file_id)
    t, distance, sessions = 0, 0.0, []
    for sport, seconds, speed in legs:
        leg_start, leg_distance = t, distance
        for _ in range(seconds):
            record = RecordMessage()
            record.timestamp, record.distance = ms(t), distance
            record.position_lat, record.position_long = 45.0 + distance / 111_195, 7.0
            builder.add(record)
            t, distance = t + 1, distance + speed
        session = SessionMessage()
        session.timestamp, session.sport = ms(t), sport
        if len(sessions) not in unplaced:
            session.start_time = ms(leg_start)
        session.total_elapsed_time = session.total_timer_time = seconds
        session.total_distance = distance - leg_distance
        sessions.append(session)
    for session in sessions:
        builder.add(session)
    activity = ActivityMessage()
    activity.timestamp, activity.num_sessions, activity.total_timer_time = ms(t), len(sessions), t
    builder.add(activity)
    return builder.build().to_bytes()


def test_each_leg_of_a_multisport_fit_is_an_activity_with_its_own_sport_and_totals():
    data = _multisport_fit([(Sport.CYCLING, 2400, 9.0), (Sport.TRANSITION, 60, 1.0), (Sport.RUNNING, 1800, 3.3)])
    ride, run = parsers.parse("brick.fit", data)
    assert (ride.sport, ride.start, ride.elapsed_s, ride.total_distance_m) == ("ride", START, 2400.0, 21600.0)
    assert (run.sport, run.elapsed_s, run.total_distance_m) == ("run", 1800.0, pytest.approx(5940.0))
    assert run.start == START + datetime.timedelta(seconds=2460)  # after the minute of transition
    assert (len(run.time_s), run.distance_m[0]) == (1800, 0.0)  # the device's counter starts again for the leg
    assert ride.notes == ["leg 1 of 2 of a multisport file"]
    assert run.notes == ["leg 2 of 2 of a multisport file"]


@pytest.mark.django_db
def test_a_brick_is_a_ride_and_a_run_and_only_the_run_sets_running_records():
    runner = accounts_testing.create_user(email="ada@example.com")
    data = _multisport_fit([(Sport.CYCLING, 2400, 9.0), (Sport.RUNNING, 1800, 3.3)])
    results = importer.import_file(user_id=runner.id, name="brick.fit", data=data)
    assert [(r.name, r.status) for r in results] == [
        ("brick.fit #1 (ride, 2024-05-04 08:00 UTC)", "imported"),
        ("brick.fit #2 (run, 2024-05-04 08:40 UTC)", "imported"),
    ]
    ride, run = (runs_service.get_run(user_id=runner.id, run_id=r.run_id) for r in results)
    assert (ride.family, run.family) == (runs_contracts.Family.CYCLING, runs_contracts.Family.RUNNING)
    records = runs_service.list_personal_records(user_id=runner.id, family=runs_contracts.Family.RUNNING)
    assert {r.run_id for r in records} == {run.id}
    assert [r.distance_key for r in records] == ["400m", "1k", "1mi", "5k"]


@pytest.mark.parametrize("spiked", [1, 2, 5])
def test_records_timed_from_one_corrupted_time_are_left_out_and_the_rest_kept(spiked):
    # 1 Hz for 30 min; `spiked` records from 600 s on are dated two hours ahead (a corrupted time and those after it).
    points = [(t + (7200 if 600 <= t < 600 + spiked else 0), 3.0 * t) for t in range(1801)]
    [activity] = parsers.parse("spiked.gpx", _gpx([("Run", "running", [points])]))
    assert (len(activity.time_s), activity.time_s[-1]) == (1801 - spiked, 1800.0)
    expected = {1: "1 point with a time hours ahead of the rest was left out"}
    expected |= {n: f"{n} points with a time hours ahead of the rest were left out" for n in (2, 5)}
    assert activity.notes == [expected[spiked]]


def test_legs_that_meet_share_no_sample_and_a_lone_leg_beside_a_transition_is_the_file():
    ride, run = parsers.parse("brick.fit", _multisport_fit([(Sport.CYCLING, 100, 9.0), (Sport.RUNNING, 100, 3.0)]))
    assert (len(ride.time_s), ride.time_s[-1], len(run.time_s)) == (100, 99.0, 100)
    [alone] = parsers.parse("run.fit", _multisport_fit([(Sport.RUNNING, 1800, 3.0), (Sport.TRANSITION, 60, 0.5)]))
    assert (alone.sport, alone.moving_s, len(alone.time_s), alone.notes) == ("run", 1800.0, 1800, [])


def test_sessions_that_cannot_be_placed_leave_the_sport_to_the_speeds():
    data = _multisport_fit([(Sport.CYCLING, 2400, 9.0), (Sport.RUNNING, 1800, 3.3)], unplaced={0})
    [activity] = parsers.parse("brick.fit", data)
    assert activity.sport == "ride"  # by its speeds: no running record from the bike leg
    assert activity.notes[0] == "its sessions have no start or duration, so they cannot be told apart"
    assert activity.sport_guessed
