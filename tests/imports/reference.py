"""Reading the fixture files the plain way, independently of apps/imports and apps/runs.

The expected values of the importer tests come from here: the standard library's ElementTree
for GPX and TCX, fitdecode's raw records for FIT, and a distance formula (spherical law of
cosines) other than the importer's haversine.
"""

import datetime
import itertools
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import fitdecode

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "activities"


def _time(text):
    return datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))


def _fit_messages(path, kind):
    """fitdecode's messages of one kind, in file order, up to the first error (a damaged or cut file)."""
    try:
        with fitdecode.FitReader(str(path)) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitDataMessage) and frame.name == kind:
                    yield frame
    except fitdecode.FitError:
        return


def messages(name, kind):
    """[{field: value}] of a FIT file's messages of one kind ("session", "lap"), up to the first error."""
    return [{f.name: f.value for f in frame.fields} for frame in _fit_messages(FIXTURES / name, kind)]


def points(name):
    """[(time, lat, lon, ele)] of every timed point, in file order (a FIT file's up to its first error)."""
    path = FIXTURES / name
    if name.endswith(".fit"):
        out = []
        for frame in _fit_messages(path, "record"):
            lat = frame.get_value("position_lat", fallback=None)
            lon = frame.get_value("position_long", fallback=None)
            ele = frame.get_value("enhanced_altitude", fallback=None)
            out.append(
                (
                    frame.get_value("timestamp"),
                    lat * 180 / 2**31 if lat is not None else None,
                    lon * 180 / 2**31 if lon is not None else None,
                    ele,
                )
            )
        return out
    root = ET.parse(path).getroot()
    if name.endswith(".gpx"):
        return [
            (
                _time(p.findtext("{*}time")),
                float(p.get("lat")),
                float(p.get("lon")),
                float(p.findtext("{*}ele")) if p.findtext("{*}ele") else None,
            )
            for p in root.findall(".//{*}trkpt")
            if p.findtext("{*}time")
        ]
    out = []
    for p in root.findall(".//{*}Trackpoint"):
        lat, lon = p.findtext("{*}Position/{*}LatitudeDegrees"), p.findtext("{*}Position/{*}LongitudeDegrees")
        ele = p.findtext("{*}AltitudeMeters")
        out.append(
            (
                _time(p.findtext("{*}Time")),
                float(lat) if lat else None,
                float(lon) if lon else None,
                float(ele) if ele else None,
            )
        )
    return out


def distance_m(pts, max_speed=None):
    """Sum of great-circle legs by the spherical law of cosines (R = 6371 km), skipping points without a position.

    With `max_speed` (m/s), legs faster than that (over at least a second) are not counted.
    """
    total, previous = 0.0, None
    for when, lat, lon, _ in pts:
        if lat is None or lon is None:
            continue
        if previous is not None:
            p1, p2 = math.radians(previous[1]), math.radians(lat)
            cos_angle = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(
                math.radians(lon - previous[2])
            )
            leg = 6_371_000 * math.acos(max(-1.0, min(1.0, cos_angle)))
            seconds = max((when - previous[0]).total_seconds(), 1.0)
            if max_speed is None or leg / seconds <= max_speed:
                total += leg
        previous = (when, lat, lon)
    return total


def raw_gain(pts):
    elevations = [ele for _, _, _, ele in pts if ele is not None]
    return sum(max(0.0, b - a) for a, b in itertools.pairwise(elevations))


def smoothed_gain(pts, window=5):
    elevations = [ele for _, _, _, ele in pts if ele is not None]
    half = window // 2
    smooth = [
        sum(elevations[max(0, i - half) : i + half + 1]) / len(elevations[max(0, i - half) : i + half + 1])
        for i in range(len(elevations))
    ]
    return sum(max(0.0, b - a) for a, b in itertools.pairwise(smooth))
