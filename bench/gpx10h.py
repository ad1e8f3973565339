"""Write a GPX track at 1 Hz with HR and elevation, deterministic, to stdout or a path.

`ten_hour_gpx()` is 10 hours (36,001 points, 7.4 MB); `gpx_track(points)` any number of points
(about 115 bytes a point without the heart rate extension, 205 with it). `tcx_track(points)` is the
same track as a TCX file as Garmin Connect writes one: indented, a lap every 1,000 points, each
trackpoint with position, altitude, distance, heart rate, cadence and the speed extension (about
520 bytes a point: 19 MB for 10 hours).
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


def tcx_track(points: int) -> bytes:
    start = datetime.datetime(2026, 6, 1, 5, 0, tzinfo=datetime.UTC)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
        'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">',
        " <Activities>",
        '  <Activity Sport="Running">',
        f"   <Id>{start:%Y-%m-%dT%H:%M:%S.000Z}</Id>",
    ]
    lat, lon = 45.9237, 6.8694  # Chamonix, as gpx_track
    for second in range(points):
        when = start + datetime.timedelta(seconds=second)
        if second % 1000 == 0:
            if second:
                lines.append("    </Track>\n   </Lap>")
            lap_seconds = min(1000, points - second)
            lines.append(
                f'   <Lap StartTime="{when:%Y-%m-%dT%H:%M:%S.000Z}">\n'
                f"    <TotalTimeSeconds>{lap_seconds}.0</TotalTimeSeconds>\n"
                f"    <DistanceMeters>{2.5 * lap_seconds:.1f}</DistanceMeters>\n"
                f"    <Calories>{lap_seconds // 10}</Calories>\n    <Track>"
            )
        angle = second / 3000
        lines.append(
            "     <Trackpoint>\n"
            f"      <Time>{when:%Y-%m-%dT%H:%M:%S.000Z}</Time>\n"
            f"      <Position>\n       <LatitudeDegrees>{lat + 0.05 * math.sin(angle):.7f}</LatitudeDegrees>\n"
            f"       <LongitudeDegrees>{lon + 0.07 * math.cos(angle) - 0.07:.7f}</LongitudeDegrees>\n"
            "      </Position>\n"
            f"      <AltitudeMeters>{1035 + 400 * math.sin(second / 5000):.1f}</AltitudeMeters>\n"
            f"      <DistanceMeters>{2.5 * second:.1f}</DistanceMeters>\n"
            f"      <HeartRateBpm>\n       <Value>{130 + int(15 * math.sin(second / 700))}</Value>\n"
            "      </HeartRateBpm>\n"
            f"      <Cadence>{85 + second % 5}</Cadence>\n"
            "      <Extensions>\n       <ns3:TPX>\n        <ns3:Speed>2.5</ns3:Speed>\n       </ns3:TPX>\n"
            "      </Extensions>\n     </Trackpoint>"
        )
    lines.append("    </Track>\n   </Lap>\n  </Activity>\n </Activities>\n</TrainingCenterDatabase>")
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
