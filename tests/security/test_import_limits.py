"""A file of more points than a worker can hold is refused with the limit named (issue #12, item 4).

The limit is counted before parsing (the markers of a point in the bytes) and again while reading (a
point the byte count cannot see, FIT records), so a refusal costs no more memory than the limit.
"""

import datetime

import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.imports import importer, parsers
from apps.runs.interface.service import runs_service
from tests.imports import reference

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 6, 1, 5, 0, tzinfo=datetime.UTC)


def _refusal(name: str, limit: int) -> str:
    return (
        f"{name}: the file holds more than {limit:,} points, the most one file may hold; split it into several files"
    )


def _points(count: int, prefix: str = "") -> str:
    return "".join(
        f'<{prefix}trkpt lat="45" lon="{6 + k / 1e5:.5f}"><{prefix}time>'
        f"{START + datetime.timedelta(seconds=k):%Y-%m-%dT%H:%M:%SZ}</{prefix}time></{prefix}trkpt>"
        for k in range(count)
    )


def test_a_gpx_of_one_point_more_than_the_limit_is_refused_before_parsing_and_nothing_is_stored():
    assert parsers.MAX_POINTS_PER_FILE == 300_000
    runner = accounts_testing.create_user(email="ada@example.com")
    points = "<trkpt lat='45' lon='6'/>" * (parsers.MAX_POINTS_PER_FILE + 1)  # 7.5 MB, no time: never parsed
    data = f"<gpx version='1.1'><trk><trkseg>{points}</trkseg></trk></gpx>".encode()
    results = importer.import_file(user_id=runner.id, name="huge.gpx", data=data)
    assert results == [importer.ItemResult(name="huge.gpx", status="failed", message=_refusal("huge.gpx", 300_000))]
    assert runs_service.list_runs(user_id=runner.id, include_hidden=True).runs == []


@pytest.mark.parametrize(("count", "imported"), [(50, True), (51, False)])
def test_points_the_byte_count_cannot_see_are_counted_while_reading(monkeypatch, count, imported):
    """`<g:trkpt` escapes the count of `<trkpt` before parsing; the reading counts it and stops at the limit."""
    monkeypatch.setattr(parsers, "MAX_POINTS_PER_FILE", 50)
    data = (
        f'<g:gpx xmlns:g="http://www.topografix.com/GPX/1/1" version="1.1"><g:trk><g:trkseg>{_points(count, "g:")}'
        "</g:trkseg></g:trk></g:gpx>"
    ).encode()
    if imported:
        assert len(parsers.parse("prefixed.gpx", data)[0].time_s) == 50
    else:
        with pytest.raises(parsers.ParseError) as refused:
            parsers.parse("prefixed.gpx", data)
        assert str(refused.value) == _refusal("prefixed.gpx", 50)


@pytest.mark.parametrize(("count", "imported"), [(50, True), (51, False)])
def test_a_tcx_over_the_limit_is_refused(monkeypatch, count, imported):
    monkeypatch.setattr(parsers, "MAX_POINTS_PER_FILE", 50)
    rows = "".join(
        f"<Trackpoint><Time>{START + datetime.timedelta(seconds=k):%Y-%m-%dT%H:%M:%SZ}</Time>"
        f"<DistanceMeters>{k}</DistanceMeters></Trackpoint>"
        for k in range(count)
    )
    data = (
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>'
        f'<Activity Sport="Running"><Lap StartTime="{START:%Y-%m-%dT%H:%M:%SZ}"><Track>{rows}</Track></Lap>'
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()
    if imported:
        assert len(parsers.parse("laps.tcx", data)[0].time_s) == 50
    else:
        with pytest.raises(parsers.ParseError) as refused:
            parsers.parse("laps.tcx", data)
        assert str(refused.value) == _refusal("laps.tcx", 50)


def test_a_fit_file_is_read_up_to_the_limit_and_refused_past_it(monkeypatch):
    name = "fit_garmin_venusq_run.fit"
    data = (reference.FIXTURES / name).read_bytes()
    records = len(reference.messages(name, "record"))
    assert records == 326
    monkeypatch.setattr(parsers, "MAX_POINTS_PER_FILE", records)
    assert len(parsers.parse(name, data)[0].time_s) == 326
    monkeypatch.setattr(parsers, "MAX_POINTS_PER_FILE", records - 1)
    with pytest.raises(parsers.ParseError) as refused:
        parsers.parse(name, data)
    assert str(refused.value) == _refusal(name, 325)
