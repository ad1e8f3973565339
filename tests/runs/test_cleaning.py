"""Glitches do not make records: stats on cleaned copies of tracks whose true values are known by construction."""

import math

import pytest

from apps.runs import stats
from apps.runs.interface import contracts
from tests.runs.tracks import METRES_PER_DEGREE_LATITUDE, track

# 6 km with a fast middle: 2 km at 5:00/km, 2 km at 4:00/km, 2 km at 5:00/km.
SIX_KM = [(600, 2000 / 600), (480, 2000 / 480), (600, 2000 / 600)]


def _compute(streams, family="running"):
    return stats.compute(
        time_s=streams.time_s,
        latitude=streams.latitude,
        longitude=streams.longitude,
        elevation_m=streams.elevation_m,
        family=family,
    )


def _efforts(computed):
    return {effort["distance_key"]: round(effort["elapsed_s"]) for effort in computed.best_efforts}


def _east(latitude, metres):
    """Degrees of longitude that make `metres` eastwards at `latitude` on our sphere."""
    return metres / (METRES_PER_DEGREE_LATITUDE * math.cos(math.radians(latitude)))


def _with_teleport(streams, index, *, insert):
    """The track with a point 500 m east of sample `index`: replacing it, or inserted half a second after it."""
    time_s, latitude, longitude = list(streams.time_s), list(streams.latitude), list(streams.longitude)
    far = longitude[index] + _east(latitude[index], 500.0)
    if insert:
        time_s.insert(index + 1, time_s[index] + 0.5)
        latitude.insert(index + 1, latitude[index])
        longitude.insert(index + 1, far)
    else:
        longitude[index] = far
    return contracts.Streams(time_s=time_s, latitude=latitude, longitude=longitude)


@pytest.mark.parametrize("insert", [False, True], ids=["replacing-a-point", "inserted-between-two"])
@pytest.mark.parametrize("index", [700, 1000, 1679], ids=["in-the-fast-km", "at-its-end", "last-but-one"])
def test_a_500_m_teleport_gives_the_same_best_efforts_to_the_second(index, insert):
    clean = _compute(track(SIX_KM))
    glitched = _compute(_with_teleport(track(SIX_KM), index, insert=insert))
    assert _efforts(clean) == {"400m": 96, "1k": 240, "1mi": 386, "5k": 1380}
    assert _efforts(glitched) == _efforts(clean)
    assert glitched.distance_m == pytest.approx(clean.distance_m, abs=0.5)
    assert [s["elapsed_s"] for s in glitched.splits] == pytest.approx([s["elapsed_s"] for s in clean.splits], abs=1)


def test_a_drive_inside_a_walk_adds_no_distance_and_no_effort():
    # 10 min walking at 1.4 m/s, 2 min in a car at 15 m/s (1.8 km), 10 min walking.
    computed = _compute(track([(600, 1.4), (120, 15.0), (600, 1.4)]), family="walking")
    # The walk's 1680 m, and at most the car's last three seconds, bridged when the walk comes back within reach.
    assert 1680.0 - 0.5 <= computed.distance_m <= 1680.0 + 3 * 15.0
    [effort] = computed.best_efforts  # 840 m on each side: the only kilometre spans the drive
    assert effort["distance_key"] == "1k"
    assert effort["elapsed_s"] >= 1000 / 1.4  # no faster than the walk itself
    assert computed.moving_s == 1320.0  # moving time is the raw samples': the car moved


def test_the_same_drive_inside_a_ride_is_riding():
    computed = _compute(track([(600, 1.4), (120, 15.0), (600, 1.4)]), family="cycling")
    assert computed.distance_m == pytest.approx(1680.0 + 1800.0, abs=0.5)
    assert computed.splits == []  # a ride has no kilometre splits
    assert computed.best_efforts == []  # and 3.5 km is shorter than its first standard distance (10 km)


def test_a_walk_has_walking_distances_and_a_run_running_ones():
    walk = _compute(track([(3600, 1.5)]), family="walking")
    run = _compute(track([(3600, 1.5)]), family="running")
    assert list(_efforts(walk)) == ["1k", "5k"]
    assert list(_efforts(run)) == ["400m", "1k", "1mi", "5k"]
    assert len(walk.splits) == 6  # 5.4 km: five kilometres and the rest


def test_an_altimeter_settling_at_the_start_adds_no_climb():
    # The barometer starts 1000 m low and settles over ten seconds; then a true 40 m climb and 40 m descent.
    def true(time_s):
        return [500 + min(t, 400) / 10 - max(0, t - 800) / 10 for t in time_s]

    def settling(time_s):
        return [a - (1000 * 0.5**t if t < 10 else 0) for a, t in zip(true(time_s), time_s, strict=True)]

    computed = _compute(track([(1200, 3.0)], elevation=settling))
    without = _compute(track([(1200, 3.0)], elevation=true))
    assert without.elevation_gain_m == pytest.approx(40.0, abs=3.0)  # the 3 m hysteresis may leave out the last 3 m
    # The settle hides the first 1.1 m of the true climb, and the hysteresis counts in steps of 3 m.
    assert computed.elevation_gain_m == pytest.approx(without.elevation_gain_m, abs=3.5)
    assert computed.elevation_loss_m == pytest.approx(without.elevation_loss_m, abs=3.5)
    assert computed.elevation_gain_m < 45  # not the 1000 m the raw samples climb


def test_a_foot_pod_glitch_adds_no_distance():
    # 3 m/s for 40 s; at 20 s the counter jumps 400 m and stays ahead.
    time_s = [float(t) for t in range(41)]
    counter = [3.0 * t + (400.0 if t >= 20 else 0.0) for t in time_s]
    computed = stats.compute(time_s=time_s, device_distance_m=counter, family="running")
    assert computed.distance_m == pytest.approx(117.0)  # 39 steps of 3 m: the glitch's step is dropped


def test_a_foot_pod_spike_loses_only_its_own_step():
    # 5 km at 3 m/s, one sample 2 km ahead of the truth at 600 s: the old running maximum lost 2 km.
    time_s = [float(t) for t in range(1668)]
    counter = [min(3.0 * t, 5000.0) + (2000.0 if t == 600 else 0.0) for t in time_s]
    computed = stats.compute(time_s=time_s, device_distance_m=counter, family="running")
    assert computed.distance_m == pytest.approx(5000.0)  # the reading after it is measured from the one before
    assert [e["distance_key"] for e in computed.best_efforts][-1] == "5k"


@pytest.mark.parametrize(
    ("readings", "expected"),
    [
        ([0, 3, 6, 9000, 12, 15], 15),  # a spike
        ([0, 3, 6, 4, 12, 15], 15),  # a dip
        ([0, 3, 6, 0, 12, 15], 15),  # a zero reading
    ],
)
def test_a_foot_pods_odd_reading_is_passed_over(readings, expected):
    time_s = [float(t) for t in range(len(readings))]
    assert stats.compute(time_s=time_s, device_distance_m=readings, family="running").distance_m == expected


def test_a_jump_in_altitude_after_the_start_that_stays_is_kept_and_a_spike_is_left_out():
    def elevation(time_s):
        # Flat at 100 m; at 1000 s the altimeter corrects a drift by +20 m for good; at 1500 s a 1 s spike of +50 m.
        return [100 + (20 if t >= 1000 else 0) + (50 if t == 1500 else 0) for t in time_s]

    computed = _compute(track([(2000, 3.0)], elevation=elevation))
    assert computed.elevation_gain_m == 20.0
    assert computed.elevation_loss_m == 0.0


@pytest.mark.parametrize(
    ("profile", "gain", "loss"),
    [
        ([100.0] * 600 + [400.0], 0.0, 0.0),  # a spike as the very last sample
        ([100.0] * 300 + [500.0] + [100.0] * 300, 0.0, 0.0),  # a settling step at 300 s and its return
        ([100.0] * 400 + [80.0] * 20 + [80.0 + t * 0.5 for t in range(1, 25)] + [92.0] * 100, 12.0, 20.0),
    ],
    ids=["spike-at-the-end", "across-the-settling-window", "a-correction-then-a-real-climb"],
)
def test_altitude_jumps_later_in_the_run(profile, gain, loss):
    time_s = [float(t) for t in range(len(profile))]
    computed = stats.compute(time_s=time_s, device_distance_m=[3.0 * t for t in time_s], elevation_m=profile)
    assert (computed.elevation_gain_m, computed.elevation_loss_m) == (gain, loss)
