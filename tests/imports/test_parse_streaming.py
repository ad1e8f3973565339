"""GPX and TCX are read by streaming (issue #12 item 4, #16 item 1): the same samples as before, in bounded memory.

The fingerprints were taken from every real fixture with the parser this one replaced (gpxpy's object
model for GPX, a whole ElementTree for TCX): a digest of every field of every activity read (each
sample of each channel, laps, notes, start), or the refusal's message. A change in any one sample fails.
"""

import dataclasses
import datetime
import hashlib
import json
import tracemalloc

import pytest

from apps.imports import parsers
from tests.imports import reference

BEFORE_STREAMING = [  # (file, (samples, fingerprint) or the refusal's message)
    ("fit_coros_pace2_ride_pauses.fit", (11272, "8b3b698b326ffd20")),
    ("fit_garmin_fr70_run_no_gps_compressed.fit", (755, "30c6fd407be23bde")),  # refused before: no calendar date
    ("fit_garmin_venusq_run.fit", (326, "02e14abdde22459c")),
    ("fit_sigma_ride_truncated.fit", (14391, "2cd7ba2c022706ea")),
    ("fit_strava_android_run_undefined_msg.fit", (472, "749684818134fe2b")),
    ("fit_wahoo_elemnt_bolt_ride_devdata.fit", (132, "becde656ba7f5988")),
    ("gpx10_expertgps_mtb_multisegment.gpx", (1243, "4ca43adc835f4376")),
    (
        "gpx10_gpsbabel_hike_1901_timestamps.gpx",
        "gpx10_gpsbabel_hike_1901_timestamps.gpx: the timestamps (1901-12-13T20:45:52.207000+00:00) are before 1980,"
        " so they are not real dates",
    ),
    ("gpx10_gpsbabel_lake_multitrack.gpx", (296, "c3eb5ca544c37356")),
    ("gpx10_gpsbabel_lake_multitrack_no_elevation.gpx", (295, "f3c03eeec306aad4")),
    (
        "gpx11_bikerouter_route_no_timestamps.gpx",
        "gpx11_bikerouter_route_no_timestamps.gpx: the GPX file has no timestamps (a planned route, not a recorded"
        " activity)",
    ),
    ("gpx11_bom_no_namespace.gpx", (3497, "c5609c96343e5363")),
    ("gpx11_garmin_connect_ride_hr_ns3_longfloats.gpx", (931, "2808c5cd8caf13c4")),
    ("gpx11_garmin_connect_run_hr.gpx", (206, "4b5adefcff7952ec")),
    ("gpx11_opentracks_hike_zero_hr_tzoffset.gpx", (265, "4cff11ecf464f0ea")),
    (
        "gpx11_small_floats_handmade.gpx",
        "gpx11_small_floats_handmade.gpx: the GPX file has no timestamps (a planned route, not a recorded activity)",
    ),
    ("gpx11_strava_run_hr.gpx", (1118, "443a9e0d0ad557b1")),
    ("tcx_garmin_edge705_ride_split_tracks.tcx", (827, "26da9b2d99711041")),
    ("tcx_garmin_fr410_run_laps_hr.tcx", (384, "6e093d1ca81a3b8d")),
    ("tcx_garmin_vivoactive_xcski_hr_cadence.tcx", (486, "8297c191bff78a5c")),
    ("tcx_mapmyride_ride_singleline.tcx", (3112, "d47cd6d07caefa8e")),
]
START = datetime.datetime(2026, 6, 1, 5, 0, tzinfo=datetime.UTC)


def _fingerprint(activities: list[parsers.Activity]) -> str:
    rows = [{**dataclasses.asdict(activity), "start": activity.start.isoformat()} for activity in activities]
    for row in rows:  # a field added after these fingerprints were taken: in them only where it is set
        if not row["local_clock"]:
            del row["local_clock"]
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16]


def test_every_real_fixture_is_fingerprinted():
    assert sorted(name for name, _ in BEFORE_STREAMING) == sorted(
        path.name for path in reference.FIXTURES.iterdir() if path.suffix in parsers.EXTENSIONS
    )


@pytest.mark.parametrize(("name", "before"), BEFORE_STREAMING)
def test_every_real_file_reads_exactly_as_before_streaming(name, before):
    data = (reference.FIXTURES / name).read_bytes()
    if isinstance(before, str):
        with pytest.raises(parsers.ParseError) as refused:
            parsers.parse(name, data)
        assert str(refused.value) == before
        return
    activities = parsers.parse(name, data)
    assert (sum(len(activity.time_s) for activity in activities), _fingerprint(activities)) == before


def _at(seconds: int) -> str:
    return f"{START + datetime.timedelta(seconds=seconds):%Y-%m-%dT%H:%M:%SZ}"


def _gpx(points: int) -> bytes:
    rows = "".join(
        f'<trkpt lat="{45 + k / 1e5:.5f}" lon="6.5"><ele>100.0</ele><time>{_at(k)}</time>'
        "<extensions><hr>140</hr></extensions></trkpt>"
        for k in range(points)
    )
    return f'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>{rows}</trkseg></trk></gpx>'.encode()


def _tcx(points: int) -> bytes:
    rows = "".join(
        f"<Trackpoint><Time>{_at(k)}</Time><Position>"
        f"<LatitudeDegrees>{45 + k / 1e5:.5f}</LatitudeDegrees><LongitudeDegrees>6.5</LongitudeDegrees></Position>"
        "<AltitudeMeters>100.0</AltitudeMeters><HeartRateBpm><Value>140</Value></HeartRateBpm></Trackpoint>"
        for k in range(points)
    )
    return (
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>'
        f'<Activity Sport="Running"><Lap StartTime="{START:%Y-%m-%dT%H:%M:%SZ}"><Track>{rows}</Track></Lap>'
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()


@pytest.mark.parametrize(("name", "build"), [("a.gpx", _gpx), ("a.tcx", _tcx)])
def test_reading_a_file_takes_little_more_memory_than_the_samples_it_keeps(name, build):
    """The whole tree of 5,000 points (gpxpy's objects, or ElementTree's) took 8 to 10 times what is kept."""
    data = build(5_000)
    parsers.parse(name, build(10))  # modules' first-use caches are not the file's
    tracemalloc.start()
    try:
        activities = parsers.parse(name, data)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(activities[0].time_s) == 5_000
    assert activities[0].heart_rate[-1] == 140
    assert peak < 2 * kept


def test_a_track_named_after_its_segments_keeps_its_name_across_the_reads_chunks():
    """The stream is parsed 16 KiB at a time; what is read is dropped by identity, never a later sibling."""
    rows = "".join(f'<trkpt lat="45" lon="{6 + k / 1e4:.4f}"><time>{_at(k)}</time></trkpt>' for k in range(600))
    tracks = "".join(
        f"<trk><trkseg>{rows}</trkseg><trkseg>{rows.replace('T05:', f'T{6 + 2 * n:02d}:')}</trkseg>"
        f"<name>Loop {n}</name><type>hiking</type></trk>"
        for n in range(3)
    )
    gpx = f'<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">{tracks}</gpx>'.encode()
    activities = parsers.parse("loops.gpx", gpx)
    assert [(a.name, a.sport, len(a.time_s)) for a in activities] == [
        ("Loop 0", "hike", 1200),
        ("Loop 1", "hike", 1200),
        ("Loop 2", "hike", 1200),
    ]


def test_a_time_with_a_utc_offset_of_a_day_or_more_is_no_time():
    """gpxpy reads "+99:99" as an offset that no datetime accepts; the point is left out, not the worker stopped."""
    rows = "".join(f'<trkpt lat="45" lon="6.{k}"><time>2024-01-01T10:00:0{k}+01:00</time></trkpt>' for k in range(3))
    rows += '<trkpt lat="45" lon="6.9"><time>2024-01-01T10:00:09+99:99</time></trkpt>'
    gpx = f'<gpx version="1.1"><trk><trkseg>{rows}</trkseg></trk></gpx>'.encode()
    [activity] = parsers.parse("offset.gpx", gpx)
    assert (activity.start.isoformat(), activity.time_s) == ("2024-01-01T10:00:00+01:00", [0.0, 1.0, 2.0])
    assert activity.notes[0] == "1 point without a time was left out"
