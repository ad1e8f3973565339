"""Write a 10-hour GPX track at 1 Hz (36,001 points, with HR and elevation), deterministic, to stdout or a path."""

import datetime
import math
import sys


def ten_hour_gpx(seed: int = 0) -> bytes:
    start = datetime.datetime(2026, 6, 1, 5, 0, tzinfo=datetime.UTC)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gpx version="1.1" creator="runnerly-bench" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">',
        f"<trk><name>Ultra {seed}</name><type>running</type><trkseg>",
    ]
    lat, lon = 45.9237, 6.8694  # Chamonix
    for second in range(36_001):
        angle = second / 3000
        lat_i = lat + 0.05 * math.sin(angle)
        lon_i = lon + 0.07 * math.cos(angle) - 0.07
        ele = 1035 + 400 * math.sin(second / 5000)
        hr = 130 + int(15 * math.sin(second / 700))
        when = (start + datetime.timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append(
            f'<trkpt lat="{lat_i:.7f}" lon="{lon_i:.7f}"><ele>{ele:.1f}</ele><time>{when}</time>'
            f"<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>{hr}</gpxtpx:hr></gpxtpx:TrackPointExtension>"
            "</extensions></trkpt>"
        )
    lines.append("</trkseg></trk></gpx>")
    return "\n".join(lines).encode()


if __name__ == "__main__":
    data = ten_hour_gpx()
    if len(sys.argv) > 1:
        with open(sys.argv[1], "wb") as out:
            out.write(data)
    else:
        sys.stdout.buffer.write(data)
