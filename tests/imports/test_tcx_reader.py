"""TCX is read from the C parser's tree, a chunk of text at a time: exactly as the parser target before it read it.

The fingerprints (as in test_parse_streaming) were taken with that previous reader, which was handed
each element's start, text and end, on files made here for what the fixtures do not hold. Each file is
read at several chunk sizes: at one byte a chunk every element is cut by a chunk's end somewhere, so
the reader must take each element only once it is complete, whatever the chunks.
"""

import contextlib
import datetime
import gc

import pytest

from apps.imports import parsers
from tests.imports import hostile, reference
from tests.imports.test_parse_streaming import BEFORE_STREAMING, _fingerprint

NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
EXTENSION_NS = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"
START = datetime.datetime(2024, 3, 2, 8, 0, tzinfo=datetime.UTC)
CHUNKS = [parsers.TCX_CHUNK, 1, 7, 500]


def _at(seconds: int, shape: str = "%Y-%m-%dT%H:%M:%SZ") -> str:
    return f"{START + datetime.timedelta(seconds=seconds):{shape}}"


def _point(when, lat=None, lon=None, ele=None, hr=None, cad=None, dist=None, *, p="", extra="") -> str:
    """A trackpoint with the fields given (None: no element)."""
    fields = [f"<{p}Time>{when}</{p}Time>" if when is not None else ""]
    if lat is not None or lon is not None:
        inner = "".join(
            f"<{p}{tag}>{value}</{p}{tag}>"
            for tag, value in (("LatitudeDegrees", lat), ("LongitudeDegrees", lon))
            if value is not None
        )
        fields.append(f"<{p}Position>{inner}</{p}Position>")
    fields += [f"<{p}AltitudeMeters>{ele}</{p}AltitudeMeters>" if ele is not None else ""]
    fields += [f"<{p}DistanceMeters>{dist}</{p}DistanceMeters>" if dist is not None else ""]
    fields += [f"<{p}HeartRateBpm><{p}Value>{hr}</{p}Value></{p}HeartRateBpm>" if hr is not None else ""]
    fields += [f"<{p}Cadence>{cad}</{p}Cadence>" if cad is not None else ""]
    return f"<{p}Trackpoint>{''.join(fields)}{extra}</{p}Trackpoint>"


def _points(count: int, first: int = 0, *, p: str = "", extra: str = "") -> str:
    return "".join(
        _point(_at(k), 45 + k / 1e4, 6.5 + k / 1e4, 100 + k % 7, 140 + k % 20, 80, 3.0 * k, p=p, extra=extra)
        for k in range(first, first + count)
    )


def _lap(points: str, start: str | None = _at(0), *, fields: str = "", p: str = "", after: str = "") -> str:
    started = f' StartTime="{start}"' if start is not None else ""
    fields = fields or f"<{p}TotalTimeSeconds>600</{p}TotalTimeSeconds><{p}DistanceMeters>610</{p}DistanceMeters>"
    return f"<{p}Lap{started}>{fields}<{p}Track>{points}</{p}Track>{after}</{p}Lap>"


def _file(activities: str, *, p: str = "", before: str = "") -> bytes:
    declared = f'xmlns:{p[:-1]}="{NS}"' if p else f'xmlns="{NS}"'
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{p}TrainingCenterDatabase {declared}>{before}'
        f"<{p}Activities>{activities}</{p}Activities></{p}TrainingCenterDatabase>"
    ).encode()


def _activity(laps: str, sport: str = "Running", *, p: str = "") -> str:
    return f'<{p}Activity Sport="{sport}"><{p}Id>{_at(0)}</{p}Id>{laps}</{p}Activity>'


TPX = (
    f'<Extensions><x:TPX xmlns:x="{EXTENSION_NS}"><x:Speed>3.5</x:Speed><x:RunCadence>80</x:RunCadence></x:TPX>'
    "</Extensions>"
)
SOME = [45, 6.5, 100, 140, 80]  # a trackpoint's lat, lon, ele, hr and cadence
CASES = {
    "missing fields": _file(
        _activity(
            _lap(
                "".join(
                    _point(_at(k), *([45 + k / 1e4, 6.5, 100, 140, 80, k] if k % 3 else [None] * 6)) for k in range(40)
                )
                + _point(None, 45, 6)
                + _point("")
                + "".join(
                    f"<Trackpoint><Time>{_at(50 + k)}</Time><Position><LatitudeDegrees/><LongitudeDegrees>"
                    "</LongitudeDegrees></Position><AltitudeMeters/><HeartRateBpm><Value/></HeartRateBpm><Cadence/>"
                    f"<DistanceMeters>{k}</DistanceMeters></Trackpoint>"
                    for k in range(10)
                )
                + "".join(_point(_at(70 + k), 45 + k / 1e4, None, 100) for k in range(10))
            )
        )
    ),
    "garbage laps": _file(
        _activity(
            _lap("".join(_point(None, 45, 6) for _ in range(3)), fields="<TotalTimeSeconds>9</TotalTimeSeconds>")
            + _lap(_points(20), fields="<TotalTimeSeconds>NaN</TotalTimeSeconds><Calories>inf</Calories>")
            + _lap(_points(20, 20), start=None, fields="<DistanceMeters>-5</DistanceMeters><Calories>12</Calories>")
            + _lap(_points(20, 40), start="garbage", fields="<Calories>1e400</Calories><Calories>7</Calories>")
            + _lap(_points(20, 60), start=_at(60), fields="<TotalTimeSeconds> 1_000 </TotalTimeSeconds>")
        )
    ),
    "two activities and courses": _file(
        _activity(_lap(_points(30)), "Biking") + _activity(_lap(_points(40, 5000), start=_at(5000))),
        before=f"<Courses><Course><Lap><TotalTimeSeconds>9</TotalTimeSeconds></Lap><Track>{_points(20)}</Track>"
        "</Course></Courses>",
    ),
    "prefixed, 600 points": _file(_activity(_lap(_points(600, p="t:"), p="t:"), p="t:"), p="t:"),
    "extensions": _file(
        _activity(
            _lap(
                _points(300, extra=TPX),
                after=f'<Extensions><x:LX xmlns:x="{EXTENSION_NS}"><x:AvgSpeed>3</x:AvgSpeed></x:LX></Extensions>',
            )
        )
    ),
    "indented, spaces in values": _file(
        _activity(
            _lap(
                "".join(
                    _point(f"  {_at(k)}\n", f" {45 + k / 1e4} ", "\t6.5", " 100 ", " 140 ", " 80 ", f" {k} ")
                    for k in range(60)
                )
            )
        )
    ).replace(b"><", b">\n    <"),
    "comments, CDATA and character references in values": _file(
        _activity(
            _lap(
                "".join(
                    f"<Trackpoint><Time>2024-03-02T08:<!-- c -->{k // 60:02d}:{k % 60:02d}Z</Time>"
                    f"<DistanceMeters>&#49;<?pi x?>{k}</DistanceMeters><Position><LatitudeDegrees><![CDATA[45.1]]>"
                    "</LatitudeDegrees><LongitudeDegrees>6<x/>.5</LongitudeDegrees></Position></Trackpoint>"
                    for k in range(60)
                )
            )
        )
    ),
    "a field twice, in two positions": _file(
        _activity(
            _lap(
                "".join(
                    f"<Trackpoint><Time>{_at(k)}</Time><Time>{_at(k + 999)}</Time><Position><LongitudeDegrees>6"
                    "</LongitudeDegrees></Position><Position><LatitudeDegrees>45</LatitudeDegrees><LatitudeDegrees>46"
                    "</LatitudeDegrees></Position><HeartRateBpm><x><Value>1</Value></x><Value>150</Value></HeartRateBpm>"
                    "</Trackpoint>"
                    for k in range(30)
                )
            )
        )
    ),
    "points outside tracks and laps": _file(
        _activity(
            f'<Lap StartTime="{_at(0)}"><TotalTimeSeconds>5</TotalTimeSeconds>{_points(10)}<Track>{_points(10, 10)}'
            f"</Track>{_points(5, 20)}<Calories>3</Calories><x><TotalTimeSeconds>77</TotalTimeSeconds></x></Lap>"
            f"<Track>{_points(7, 30)}</Track>" + _lap(_points(20, 40), start=_at(40))
        )
    ),
    "laps and activities in laps and activities": _file(
        f'<Activity Sport="Biking">{_lap(_points(10))}<Activity Sport="Running">{_lap(_points(10, 20), _at(20))}'
        f'</Activity><Lap StartTime="{_at(40)}"><Calories>5</Calories>{_lap(_points(10, 40), _at(40))}'
        f"<Track>{_points(300, 60)}</Track></Lap></Activity>"
    ),
    "times of every shape": _file(
        _activity(
            _lap("".join(_point(_at(k, "%Y-%m-%dT%H:%M:%S+02:00"), 45, 6, dist=k) for k in range(300)))
            + _lap("".join(_point(_at(k, "%Y-%m-%dT%H:%M:%S.%f"), 45, 6, dist=k) for k in range(300, 600)))
            + _lap(
                "".join(
                    _point(
                        [_at(k, "%Y-%m-%dT%H:%M:%S+00:00"), "2024-02-30T08:00:00Z", "garbage", _at(k)][k % 4], 45, 6
                    )
                    for k in range(600, 900)
                )
            )
        )
    ),
    "out of order, and hours ahead": _file(
        _activity(
            _lap(
                "".join(
                    _point(_at([0, 10, 5, 20, 30, 40 + 86400, 50, 60, 70, 80, 90][k % 11] + 100 * (k // 11)), 45, 6)
                    for k in range(300)
                )
            )
        )
    ),
    "cut off": _file(_activity(_lap(_points(40)) + _lap(_points(40, 40), _at(40))))[:3000],
    "hostile values": hostile.tcx_with(**hostile.BAD_VALUES["hr_huge_integer"], **hostile.BAD_VALUES["lon_500"]),
}
BEFORE = {  # taken with the previous reader: (samples, fingerprint) or the refusal
    "missing fields": (60, "06a56edb56c03db4"),
    "garbage laps": (80, "ae1dfcd9d014d145"),
    "two activities and courses": (30, "bb85e2054614e5a7"),
    "prefixed, 600 points": (600, "0bafe831c9c25c16"),
    "extensions": (300, "f8a54aedfbec29a8"),
    "indented, spaces in values": (60, "75c897212f12e2a3"),
    "comments, CDATA and character references in values": (60, "32c845515b33b834"),
    "a field twice, in two positions": (30, "97bac9aa26053bcc"),
    "points outside tracks and laps": (45, "ebf1d890c0355c7a"),
    "laps and activities in laps and activities": (286, "f8d6737455d0ad7a"),
    "times of every shape": (750, "28825d5d4b308c26"),
    "out of order, and hours ahead": (245, "15bccc07524cd3c0"),
    "cut off": "t.tcx: not a valid TCX file (unclosed token: line 1, column 2995)",
    "hostile values": (11, "55cf709154b717ca"),
}


def _read(data: bytes) -> tuple[int, str] | str:
    try:
        activities = parsers.parse("t.tcx", data)
    except parsers.ParseError as refused:
        return str(refused)
    return sum(len(activity.time_s) for activity in activities), _fingerprint(activities)


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("case", list(CASES))
def test_a_tcx_file_reads_as_the_previous_reader_read_it_whatever_the_chunks(monkeypatch, case, chunk):
    monkeypatch.setattr(parsers, "TCX_CHUNK", chunk)
    assert _read(CASES[case]) == BEFORE[case]


@pytest.mark.parametrize("chunk", [7, 500])
@pytest.mark.parametrize(("name", "before"), [(name, before) for name, before in BEFORE_STREAMING if ".tcx" in name])
def test_every_real_tcx_file_reads_as_before_whatever_the_chunks(monkeypatch, name, before, chunk):
    monkeypatch.setattr(parsers, "TCX_CHUNK", chunk)
    activities = parsers.parse(name, (reference.FIXTURES / name).read_bytes())
    assert (sum(len(activity.time_s) for activity in activities), _fingerprint(activities)) == before


@pytest.mark.parametrize(("count", "imported"), [(50, True), (51, False)])
def test_prefixed_trackpoints_are_counted_while_reading_whatever_the_chunks(monkeypatch, count, imported):
    """`<t:Trackpoint` escapes the count of `<Trackpoint` before parsing; the reading counts it."""
    monkeypatch.setattr(parsers, "MAX_POINTS_PER_FILE", 50)
    monkeypatch.setattr(parsers, "TCX_CHUNK", 7)
    data = _file(
        _activity(_lap(_points(30, p="t:"), p="t:") + _lap(_points(count - 30, 30, p="t:"), p="t:"), p="t:"), p="t:"
    )
    if imported:
        assert len(parsers.parse("t.tcx", data)[0].time_s) == 50
    else:
        with pytest.raises(parsers.ParseError, match="the file holds more than 50 points"):
            parsers.parse("t.tcx", data)


def test_elements_nested_deeper_than_the_limit_are_refused():
    """The reader looks down the open elements after each chunk: a file nested absurdly deep is refused."""
    nested = "<x>" * parsers.TCX_MAX_DEPTH + "</x>" * parsers.TCX_MAX_DEPTH
    with pytest.raises(parsers.ParseError) as refused:
        parsers.parse("deep.tcx", _file(_activity(_lap(_points(20)) + nested)))
    assert str(refused.value) == "deep.tcx: not a valid TCX file (elements nested more than 256 deep)"
    shallower = "<x>" * 200 + "</x>" * 200  # at depth 4: within the limit
    assert len(parsers.parse("deep.tcx", _file(_activity(_lap(_points(20)) + shallower)))[0].time_s) == 20


@pytest.mark.parametrize("data", [CASES["prefixed, 600 points"], CASES["cut off"]], ids=["read", "refused"])
def test_the_cycle_collector_is_resumed_after_a_read_and_left_off_if_it_was(data):
    try:
        for enabled in (True, False):
            gc.enable() if enabled else gc.disable()
            with contextlib.suppress(parsers.ParseError):
                parsers.parse("t.tcx", data)
            assert gc.isenabled() is enabled
    finally:
        gc.enable()
