"""Tracks built in the tests, with values known by construction."""

import datetime

from apps.runs.interface import contracts

# 1200 m at 4:00/km (288 s), 1000 m at 3:20/km (200 s), 800 m at 4:00/km (192 s): the fastest km is 200 s.
INTERVAL_SEGMENTS = [(288, 1000 / 240), (200, 5.0), (192, 1000 / 240)]

METRES_PER_DEGREE_LATITUDE = 6_371_008.8 * 3.141592653589793 / 180  # along a meridian, on our sphere


def track(segments, *, start_lat=48.85, lon=2.35, elevation=None):
    """A 1 Hz track north along a meridian: `segments` is [(seconds, metres per second), ...]."""
    time_s, latitude, distance = [0.0], [start_lat], 0.0
    for seconds, speed in segments:
        for _ in range(int(seconds)):
            distance += speed
            time_s.append(time_s[-1] + 1)
            latitude.append(start_lat + distance / METRES_PER_DEGREE_LATITUDE)
    return contracts.Streams(
        time_s=time_s,
        latitude=latitude,
        longitude=[lon] * len(time_s),
        elevation_m=elevation(time_s) if elevation else None,
    )


def draft(user_id, streams, *, start=None, source_id="", source=contracts.Source.FILE, **fields):
    return contracts.RunDraft(
        user_id=user_id,
        source=source,
        source_id=source_id,
        start=start or datetime.datetime(2026, 5, 10, 7, 0, tzinfo=datetime.UTC),
        streams=streams,
        **fields,
    )
