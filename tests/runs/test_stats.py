"""The numbers of a run, on tracks whose true values are known by construction."""

import pytest

from apps.runs import stats
from tests.runs.tracks import INTERVAL_SEGMENTS, track


def _compute(streams):
    return stats.compute(
        time_s=streams.time_s, latitude=streams.latitude, longitude=streams.longitude, elevation_m=streams.elevation_m
    )


def test_best_efforts_find_the_fastest_kilometre_inside_a_longer_run_to_the_second():
    efforts = {effort["distance_key"]: effort for effort in _compute(track(INTERVAL_SEGMENTS)).best_efforts}
    assert list(efforts) == ["400m", "1k", "1mi"]  # 3 km: no 5 km effort
    assert efforts["1k"]["elapsed_s"] == pytest.approx(200.0, abs=0.01)
    assert efforts["1k"]["start_offset_s"] == pytest.approx(288.0, abs=0.01)
    assert efforts["400m"]["elapsed_s"] == pytest.approx(80.0, abs=0.01)
    # The fast kilometre plus 609.344 m at 4:00/km.
    assert efforts["1mi"]["elapsed_s"] == pytest.approx(200 + 609.344 * 0.24, abs=0.01)


def test_a_best_effort_that_starts_between_two_samples_is_interpolated():
    # 3 m/s throughout: every 1000 m takes 333.33 s, whichever sample it starts after.
    efforts = _compute(track([(700, 3.0)])).best_efforts
    assert [effort["elapsed_s"] for effort in efforts] == [
        pytest.approx(400 / 3, abs=0.001),
        pytest.approx(1000 / 3, abs=0.001),
        pytest.approx(1609.344 / 3, abs=0.001),
    ]


def test_distance_follows_the_track():
    computed = _compute(track(INTERVAL_SEGMENTS))
    assert computed.distance_m == pytest.approx(3000.0, abs=0.01)
    assert computed.elapsed_s == 680.0


def test_standing_still_is_not_moving_time():
    computed = _compute(track([(300, 3.0), (120, 0.0), (300, 3.0)]))
    assert computed.elapsed_s == 720.0
    assert computed.moving_s == 600.0


def test_splits_are_per_kilometre_with_the_rest_last():
    splits = _compute(track(INTERVAL_SEGMENTS)).splits
    assert [(s["index"], s["distance_m"], s["elapsed_s"]) for s in splits] == [
        (1, 1000.0, 240.0),
        (2, 1000.0, pytest.approx(48 + 160, abs=0.1)),  # 200 m slow (48 s) then 800 m fast (160 s)
        (3, 1000.0, pytest.approx(40 + 192, abs=0.1)),
    ]


def test_elevation_gain_ignores_noise_below_three_metres():
    # A 20 m climb with +-1 m of jitter on every sample.
    def elevation(time_s):
        return [100 + min(t, 200) / 10 + (1 if int(t) % 2 else -1) for t in time_s]

    computed = _compute(track([(400, 3.0)], elevation=elevation))
    assert computed.elevation_gain_m == pytest.approx(20.0, abs=3.0)
    assert computed.elevation_loss_m <= 3.0


def test_a_polyline_keeps_at_most_400_points_and_both_ends():
    import polyline

    streams = track([(2000, 3.0)])
    points = polyline.decode(_compute(streams).polyline, 5)
    assert len(points) <= 401
    assert points[0] == (48.85, 2.35)
    assert points[-1] == (round(streams.latitude[-1], 5), 2.35)


def test_without_a_track_the_device_distance_is_used():
    computed = stats.compute(time_s=[0, 10, 20, 30], device_distance_m=[0, 30, 60, 95])
    assert computed.distance_m == 95
    assert computed.polyline == ""
    assert computed.moving_s == 30


def test_a_missing_device_distance_sample_holds_the_last_value():
    computed = stats.compute(time_s=[0, 10, 20, 30], device_distance_m=[0, 30, None, 95])
    assert computed.distance_m == 95
    assert computed.moving_s == 20  # 10 s to 20 s looks stationary: the device said nothing
