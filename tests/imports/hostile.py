"""Hostile files built byte by byte (issue #12): zips whose members cannot be read, and values no device means.

Shared by the unit tests, `tests/security/test_hostile_files.py` and the integration tests.
"""

import io
import random
import struct
import zipfile

from tests.imports import reference

GOOD_FILES = ("gpx11_strava_run_hr.gpx", "tcx_garmin_fr410_run_laps_hr.tcx", "fit_garmin_venusq_run.fit")
LOCAL_HEADER, CENTRAL_HEADER = b"PK\x03\x04", b"PK\x01\x02"


def fixture(name: str) -> bytes:
    return (reference.FIXTURES / name).read_bytes()


def zipped(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _headers_of(data: bytearray, name: str) -> tuple[int, int]:
    """Where the local and the central header of member `name` start."""
    encoded = name.encode()
    local = data.index(LOCAL_HEADER)
    while data[local + 30 : local + 30 + len(encoded)] != encoded:
        local = data.index(LOCAL_HEADER, local + 4)
    central = data.index(CENTRAL_HEADER)
    while data[central + 46 : central + 46 + len(encoded)] != encoded:
        central = data.index(CENTRAL_HEADER, central + 4)
    return local, central


def with_member_patched(archive: bytes, name: str, *, flags: int = 0, method: int | None = None) -> bytes:
    """`archive` with member `name`'s headers saying it is encrypted (flags=1) or compressed by `method`."""
    data = bytearray(archive)
    local, central = _headers_of(data, name)
    data[local + 6] |= flags
    data[central + 8] |= flags
    if method is not None:
        struct.pack_into("<H", data, local + 8, method)
        struct.pack_into("<H", data, central + 10, method)
    return bytes(data)


def with_member_damaged(archive: bytes, name: str) -> bytes:
    """`archive` with a byte of member `name`'s (stored) content flipped: its CRC-32 no longer matches."""
    data = bytearray(archive)
    local, _ = _headers_of(data, name)
    start = local + 30 + struct.unpack_from("<H", data, local + 26)[0] + struct.unpack_from("<H", data, local + 28)[0]
    data[start + 100] ^= 0xFF
    return bytes(data)


def with_size_understated(archive: bytes, name: str) -> bytes:
    """`archive` whose headers say member `name` unpacks to 100 bytes, fewer than it does."""
    data = bytearray(archive)
    local, central = _headers_of(data, name)
    struct.pack_into("<I", data, local + 22, 100)
    struct.pack_into("<I", data, central + 24, 100)
    return bytes(data)


def with_name_not_utf8(archive: bytes, name: str) -> bytes:
    """`archive` whose member `name` (ending in "é") is flagged UTF-8 but named in bytes that are not."""
    assert name.endswith("é.gpx")
    return archive.replace(name.encode(), name.encode()[:-6] + b"\xe9\xff.gpx")


def hostile_zip() -> tuple[bytes, dict[str, str]]:
    """A zip of the good fixture files and one member of each kind that cannot be read; the bad members'
    names and what each job item's message must say."""
    good = {f"good/{name}": fixture(name) for name in GOOD_FILES}
    gpx = fixture("gpx11_strava_run_hr.gpx")
    members = {**good, "bad/crc.gpx": gpx, "bad/size.gpx": gpx[:-7] + b"<!-- -->" + gpx[-7:]}
    members |= {"bad/secret.gpx": gpx + b" ", "bad/odd.gpx": gpx + b"  ", "bad/bzip.gpx": gpx + b"   "}
    archive = zipped(members, method=zipfile.ZIP_STORED)
    archive = with_member_damaged(archive, "bad/crc.gpx")
    archive = with_size_understated(archive, "bad/size.gpx")
    archive = with_member_patched(archive, "bad/secret.gpx", flags=1)
    archive = with_member_patched(archive, "bad/odd.gpx", method=99)
    archive = with_member_patched(archive, "bad/bzip.gpx", method=zipfile.ZIP_BZIP2)  # stored bytes: no bzip2
    expected = {
        "bad/crc.gpx": "bad/crc.gpx: damaged inside the zip (Bad CRC-32 for file 'bad/crc.gpx'); nothing imported",
        "bad/size.gpx": "bad/size.gpx: damaged inside the zip (Bad CRC-32 for file 'bad/size.gpx'); nothing imported",
        "bad/secret.gpx": "bad/secret.gpx: encrypted with a password; zip it again without one",
        "bad/odd.gpx": "bad/odd.gpx: compressed by a method this importer cannot unpack (99); zip it again",
        "bad/bzip.gpx": "bad/bzip.gpx: damaged inside the zip (Invalid data stream); nothing imported",
    }
    return archive, expected


def non_utf8_name_zip() -> bytes:
    return with_name_not_utf8(
        zipped({"good.gpx": fixture("gpx11_strava_run_hr.gpx"), "café.gpx": b"<gpx/>"}), "café.gpx"
    )


def _points(bad: dict[str, str]) -> list[dict[str, str]]:
    """11 samples a minute apart, 55.6 m each due north; the 6th with the `bad` values."""
    points = [
        {"lat": f"{48.2 + i * 0.0005:.4f}", "lon": "16.37", "ele": "180", "hr": "150", "cad": "85"} for i in range(11)
    ]
    points[5] |= bad
    return points


def gpx_with(**bad: str) -> bytes:
    """A 10-minute GPX run of 11 points; the 6th carries the `bad` values (lat, lon, ele, hr)."""
    points = []
    for i, p in enumerate(_points(bad)):
        values = (p["lat"], p["lon"], p["ele"], p["hr"])
        points.append(
            f'<trkpt lat="{values[0]}" lon="{values[1]}"><ele>{values[2]}</ele>'
            f"<time>2024-03-01T08:{i:02d}:00Z</time><extensions><gpxtpx:TrackPointExtension>"
            f"<gpxtpx:hr>{values[3]}</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions></trkpt>"
        )
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"><trk><type>running</type><trkseg>'
        + "".join(points)
        + "</trkseg></trk></gpx>"
    ).encode()


def tcx_with(**bad: str) -> bytes:
    """A 10-minute TCX run of 11 points; the 6th carries the `bad` values (lat, lon, ele, hr, cad)."""
    points = []
    for i, p in enumerate(_points(bad)):
        values = (p["lat"], p["lon"], p["ele"], p["hr"], p["cad"])
        points.append(
            f"<Trackpoint><Time>2024-03-02T08:{i:02d}:00Z</Time><Position><LatitudeDegrees>{values[0]}"
            f"</LatitudeDegrees><LongitudeDegrees>{values[1]}</LongitudeDegrees></Position>"
            f"<AltitudeMeters>{values[2]}</AltitudeMeters><HeartRateBpm><Value>{values[3]}</Value></HeartRateBpm>"
            f"<Cadence>{values[4]}</Cadence></Trackpoint>"
        )
    return (
        '<?xml version="1.0"?><TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        '<Activities><Activity Sport="Running"><Id>2024-03-02T08:00:00Z</Id><Lap StartTime="2024-03-02T08:00:00Z">'
        "<TotalTimeSeconds>600</TotalTimeSeconds><DistanceMeters>610</DistanceMeters><Track>"
        + "".join(points)
        + "</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    ).encode()


# One bad value each; every file still makes a run, without the bad sample's value.
BAD_VALUES = {
    "hr_nan": {"hr": "NaN"},
    "hr_infinity": {"hr": "Infinity"},
    "hr_minus_infinity": {"hr": "-Infinity"},
    "hr_overflow": {"hr": "1e400"},
    "hr_huge_integer": {"hr": "9" * 400},
    "hr_text": {"hr": "fast"},
    "lat_nan": {"lat": "NaN"},
    "lon_500": {"lon": "500"},
    "ele_infinity": {"ele": "Infinity"},
    "ele_nan": {"ele": "NaN"},
    "ele_overflow": {"ele": "1e999"},
    "cad_nan": {"cad": "NaN"},
    "cad_infinity": {"cad": "Infinity"},
}


def damaged_fits(count: int, *, seed: int = 12) -> dict[str, bytes]:
    """`count` copies of a real FIT file, each with a few bytes overwritten at random (seeded)."""
    original = fixture("fit_garmin_venusq_run.fit")
    rng = random.Random(seed)
    damaged = {}
    for n in range(count):
        data = bytearray(original)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        damaged[f"damaged_{n:02d}.fit"] = bytes(data)
    return damaged
