"""Write a GPX track at 1 Hz with HR and elevation, deterministic, to stdout or a path.

`ten_hour_gpx()` is 10 hours (36,001 points, 7.4 MB); `gpx_track(points)` any number of points
(about 115 bytes a point without the heart rate extension, 205 with it).
  .venv/bin/python bench/gpx10h.py [PATH [POINTS]]
"""

import datetime
import math
import sys

TEN_HOURS_POINTS = 36_001


def gpx_track(points: int, seed: int = 0, *, heart_rate: bool = True) -> bytes:
    start = datetime.datetime(2026, 6, 1, 5, 0, tzinfo=datetime.UTC)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gpx version="1.1" creator="runnerly-bench" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">',
        f"<trk><name>Ultra {seed}</name><type>running</type><trkseg>",
    ]
    lat, lon = 45.9237, 6.8694  # Chamonix
    for second in range(points):
        angle = second / 3000
        lat_i = lat + 0.05 * math.sin(angle)
        lon_i = lon + 0.07 * math.cos(angle) - 0.07
        ele = 1035 + 400 * math.sin(second / 5000)
        hr = 130 + int(15 * math.sin(second / 700))
        when = (start + datetime.timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ")
        extension = (
            f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr></gpxtpx:TrackPointExtension>"
            "</extensions>"
            if heart_rate
            else ""
        )
        lines.append(
            f'<trkpt lat="{lat_i:.7f}" lon="{lon_i:.7f}"><ele>{ele:.1f}</ele><time>{when}</time>{extension}</trkpt>'
        )
    lines.append("</trkseg></trk></gpx>")
    return "\n".join(lines).encode()


def ten_hour_gpx(seed: int = 0) -> bytes:
    return gpx_track(TEN_HOURS_POINTS, seed)


if __name__ == "__main__":
    data = gpx_track(int(sys.argv[2])) if len(sys.argv) > 2 else ten_hour_gpx()
    if len(sys.argv) > 1:
        with open(sys.argv[1], "wb") as out:
            out.write(data)
    else:
        sys.stdout.buffer.write(data)
