"""Reading GPX, TCX and FIT files into one shape. Pure functions over bytes: no Django, no I/O.

GPX goes through gpxpy, FIT through fitdecode, TCX through defusedxml's ElementTree (see
docs/decisions/0008). XML with a DOCTYPE or entity declarations is refused before any parser
sees it, so a billion-laughs or external-entity file is never expanded.
"""

from __future__ import annotations

import datetime
import io
import warnings
from dataclasses import dataclass, field

import defusedxml.ElementTree as SafeET
import fitdecode
import gpxpy
import gpxpy.gpx
from defusedxml import DefusedXmlException

SEMICIRCLE_TO_DEGREES = 180 / 2**31
EXTENSIONS = (".gpx", ".tcx", ".fit")
# Tracks of one GPX file further apart than this are separate activities (a device's whole log).
SEPARATE_ACTIVITIES_GAP = datetime.timedelta(hours=6)

# Words that devices and apps use for the sport, mapped to ours.
SPORT_WORDS = {
    "running": "run",
    "run": "run",
    "trail_running": "trail_run",
    "trail": "trail_run",
    "treadmill": "treadmill",
    "walking": "walk",
    "walk": "walk",
    "hiking": "hike",
    "hike": "hike",
    "cycling": "ride",
    "biking": "ride",
    "ride": "ride",
    "mountain_biking": "ride",
}


class ParseError(ValueError):
    """The file cannot be read as an activity; the message says why, for the runner."""


@dataclass
class Activity:
    start: datetime.datetime
    sport: str = "run"
    name: str = ""
    time_s: list[float] = field(default_factory=list)
    latitude: list[float | None] = field(default_factory=list)
    longitude: list[float | None] = field(default_factory=list)
    elevation_m: list[float | None] = field(default_factory=list)
    heart_rate: list[int | None] = field(default_factory=list)
    cadence: list[int | None] = field(default_factory=list)
    distance_m: list[float | None] = field(default_factory=list)
    elapsed_s: float | None = None  # from the device's summary, when it has one
    moving_s: float | None = None
    total_distance_m: float | None = None
    calories: int | None = None
    laps: list[dict[str, float]] = field(default_factory=list)

    def add(
        self,
        when: datetime.datetime,
        lat: float | None = None,
        lon: float | None = None,
        ele: float | None = None,
        hr: int | None = None,
        cad: int | None = None,
        dist: float | None = None,
    ) -> None:
        offset = (when - self.start).total_seconds()
        if self.time_s and offset < self.time_s[-1]:
            return  # a sample out of order (clock jump): dropped rather than reordering the track
        self.time_s.append(offset)
        self.latitude.append(lat)
        self.longitude.append(lon)
        self.elevation_m.append(ele)
        self.heart_rate.append(hr if hr else None)
        self.cadence.append(cad if cad else None)
        self.distance_m.append(dist)


def parse(name: str, data: bytes) -> list[Activity]:
    """Read the activities of one file (a GPX may hold several).

    Raises `ParseError` with a reason a runner can act on.
    """
    extension = name.lower().rsplit(".", 1)[-1] if "." in name else ""
    if f".{extension}" not in EXTENSIONS:
        raise ParseError(
            f"{name}: .{extension or '?'} files are not supported (use .gpx, .tcx, .fit or a .zip of them)"
        )
    if not data:
        raise ParseError(f"{name}: the file is empty")
    if extension == "fit":
        activities = [_parse_fit(name, data)]
    elif extension == "gpx":
        activities = _parse_gpx(name, _xml_text(name, data))
    else:
        activities = [_parse_tcx(name, _xml_text(name, data))]
    return [_checked(name, activity) for activity in activities]


def _checked(name: str, activity: Activity) -> Activity:
    if len(activity.time_s) < 2:
        raise ParseError(f"{name}: the file has fewer than two timed points, so there is no activity to import")
    if activity.time_s[-1] <= 0:
        raise ParseError(f"{name}: every point has the same time ({activity.start.isoformat()}), so no duration")
    if activity.start.year < 1990:
        raise ParseError(f"{name}: the timestamps ({activity.start.isoformat()}) are not real dates")
    if not any(activity.latitude) and not any(d for d in activity.distance_m if d) and not activity.total_distance_m:
        raise ParseError(f"{name}: the file has neither a GPS track nor a distance")
    return activity


def _xml_text(name: str, data: bytes) -> bytes:
    head = data.lstrip(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark is harmless; some apps write one
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        head = head.decode("utf-16").encode("utf-8")
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise ParseError(f"{name}: XML with a DOCTYPE or entity declarations is refused")
    if not head.lstrip().startswith(b"<"):
        raise ParseError(f"{name}: this is not an XML file")
    return head


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _sport(word: str | None, default: str = "run") -> str:
    return SPORT_WORDS.get((word or "").strip().lower().replace(" ", "_"), default if not word else "other")


def _parse_gpx(name: str, text: bytes) -> list[Activity]:
    try:
        gpx = gpxpy.parse(text.decode("utf-8", errors="replace"))
    except gpxpy.gpx.GPXException as exc:
        raise ParseError(f"{name}: not a valid GPX file ({exc})") from None
    points = [
        (point, track)
        for track in gpx.tracks
        for segment in track.segments
        for point in segment.points
        if point.time is not None
    ]
    if not points:
        raise ParseError(f"{name}: the GPX file has no timestamps (a planned route, not a recorded activity)")
    activities: list[Activity] = []
    previous_time: datetime.datetime | None = None
    for point, track in points:
        when = _aware(point.time)
        if previous_time is None or when - previous_time > SEPARATE_ACTIVITIES_GAP:
            name_of = (track.name or gpx.name or "").strip()
            activities.append(Activity(start=when, sport=_sport(track.type), name=name_of))
        previous_time = when
        hr = cad = None
        for extension in point.extensions:
            for element in extension.iter():
                tag = _local(element.tag).lower()
                if tag in ("hr", "heartrate") and element.text:
                    hr = int(float(element.text))
                elif tag in ("cad", "cadence") and element.text:
                    cad = int(float(element.text))
        activities[-1].add(when, point.latitude, point.longitude, point.elevation, hr, cad)
    return activities


def _aware(value: datetime.datetime) -> datetime.datetime:
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def _float(element, path: str) -> float | None:
    found = element.find(path)
    if found is None or found.text is None:
        return None
    try:
        return float(found.text)
    except ValueError:
        return None


def _parse_tcx(name: str, text: bytes) -> Activity:
    try:
        root = SafeET.fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise ParseError(f"{name}: XML with a DOCTYPE or entity declarations is refused") from None
    except SafeET.ParseError as exc:
        raise ParseError(f"{name}: not a valid TCX file ({exc})") from None
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    activity_element = root.find(f".//{ns}Activity")
    if activity_element is None:
        raise ParseError(f"{name}: the TCX file has no Activity")
    activity: Activity | None = None
    for lap in activity_element.iter(f"{ns}Lap"):
        lap_start = _tcx_time(lap.get("StartTime"))
        for point in lap.iter(f"{ns}Trackpoint"):
            when = _tcx_time(point.findtext(f"{ns}Time"))
            if when is None:
                continue
            if activity is None:
                activity = Activity(start=when, sport=_sport(activity_element.get("Sport")))
            hr = _float(point, f"{ns}HeartRateBpm/{ns}Value")
            cad = _float(point, f"{ns}Cadence")
            activity.add(
                when,
                _float(point, f"{ns}Position/{ns}LatitudeDegrees"),
                _float(point, f"{ns}Position/{ns}LongitudeDegrees"),
                _float(point, f"{ns}AltitudeMeters"),
                int(hr) if hr else None,
                int(cad) if cad else None,
                _float(point, f"{ns}DistanceMeters"),
            )
        if activity is not None and lap_start is not None:
            activity.laps.append(
                {
                    "start_offset_s": (lap_start - activity.start).total_seconds(),
                    "elapsed_s": _float(lap, f"{ns}TotalTimeSeconds") or 0.0,
                    "distance_m": _float(lap, f"{ns}DistanceMeters") or 0.0,
                }
            )
    if activity is None:
        raise ParseError(f"{name}: the TCX file has no timed trackpoints")
    calories = [_float(lap, f"{ns}Calories") for lap in activity_element.iter(f"{ns}Lap")]
    activity.calories = int(sum(c for c in calories if c)) or None
    return activity


def _tcx_time(text: str | None) -> datetime.datetime | None:
    if not text:
        return None
    try:
        return _aware(datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00")))
    except ValueError:
        return None


def _parse_fit(name: str, data: bytes) -> Activity:
    activity: Activity | None = None
    session: dict = {}
    laps: list[dict] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # fitdecode warns about devices' harmless quirks
            with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
                for frame in reader:
                    if not isinstance(frame, fitdecode.FitDataMessage):
                        continue
                    if frame.name == "record":
                        activity = _fit_record(name, frame, activity)
                    elif frame.name == "session":
                        session = {f.name: f.value for f in frame.fields}
                    elif frame.name == "lap":
                        laps.append({f.name: f.value for f in frame.fields})
    except fitdecode.FitEOFError:
        raise ParseError(f"{name}: the FIT file is truncated (it ends in the middle of a record)") from None
    except fitdecode.FitCRCError:
        raise ParseError(f"{name}: the FIT file is corrupt (its checksum does not match)") from None
    except fitdecode.FitHeaderError:
        raise ParseError(f"{name}: this is not a FIT file") from None
    except fitdecode.FitError as exc:
        raise ParseError(f"{name}: the FIT file is corrupt ({exc})") from None
    if activity is None:
        raise ParseError(f"{name}: the FIT file has no timed records")
    sub_sport = str(session.get("sub_sport") or "")
    activity.sport = (
        _sport(sub_sport) if sub_sport in ("treadmill", "trail") else _sport(str(session.get("sport") or "running"))
    )
    activity.elapsed_s = session.get("total_elapsed_time")
    activity.moving_s = session.get("total_timer_time")
    activity.total_distance_m = session.get("total_distance")
    activity.calories = session.get("total_calories")
    for lap in laps:
        start = lap.get("start_time")
        if isinstance(start, datetime.datetime):
            activity.laps.append(
                {
                    "start_offset_s": (_aware(start) - activity.start).total_seconds(),
                    "elapsed_s": float(lap.get("total_elapsed_time") or 0.0),
                    "distance_m": float(lap.get("total_distance") or 0.0),
                }
            )
    return activity


def _fit_record(name: str, frame, activity: Activity | None) -> Activity | None:
    when = frame.get_value("timestamp", fallback=None)
    if not isinstance(when, datetime.datetime):
        # Timestamps below 0x10000000 are seconds since power-on, not dates.
        raise ParseError(f"{name}: the FIT file has relative timestamps only, so its date is unknown")
    when = _aware(when)
    if activity is None:
        activity = Activity(start=when)
    lat = frame.get_value("position_lat", fallback=None)
    lon = frame.get_value("position_long", fallback=None)
    ele = frame.get_value("enhanced_altitude", fallback=None)
    if ele is None:
        ele = frame.get_value("altitude", fallback=None)
    activity.add(
        when,
        lat * SEMICIRCLE_TO_DEGREES if lat is not None else None,
        lon * SEMICIRCLE_TO_DEGREES if lon is not None else None,
        ele,
        frame.get_value("heart_rate", fallback=None),
        frame.get_value("cadence", fallback=None),
        frame.get_value("distance", fallback=None),
    )
    return activity
