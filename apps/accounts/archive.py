"""A runner's data export: one zip of what every app holds about them, each app asked through its interface.

Written into a file one run and one piece of an uploaded file at a time, so memory stays bounded
whatever the length of the history.
"""

from __future__ import annotations

import base64
import datetime
import posixpath
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable
from typing import IO

import gpxpy.gpx

from apps.accounts.interface.service import accounts_service
from apps.imports.interface.service import imports_service
from apps.plans.interface.service import plans_service
from apps.races.interface.service import races_service
from apps.reports.interface.service import reports_service
from apps.runs.interface import contracts as runs_contracts
from apps.runs.interface.service import runs_service
from apps.strava.interface.service import strava_service

README = """Everything Runnerly holds about your account, exported on {date} (UTC).

account.json        your account, profile and email addresses
runs/<date>-<id>.json  one file per run: its numbers, laps, splits, best efforts and samples (streams)
runs/<date>-<id>.gpx   the run's track, for runs recorded with GPS: times, positions, elevation, heart rate
                    and cadence (Garmin TrackPointExtension); Runnerly and most training apps import it
imports.json        your uploads: original file names, sizes, SHA-256 and what became of each file
uploads/            the files you uploaded, as you sent them
races.json          the races you added, and the races you said you are running, with your results
plans.json          your training plans and their sessions
reports.json        your monthly summaries and the log of the report emails we sent you
strava.json         your Strava link: athlete id, permissions (scopes) and dates; never the access keys

Times are in UTC (ISO 8601), distances in metres, durations in seconds, paces in seconds per kilometre.
"""

# How a GPX track names our sports, in the words apps/imports/parsers.py (and other apps) read back.
GPX_TYPES = {
    runs_contracts.Sport.RUN: "running",
    runs_contracts.Sport.TRAIL_RUN: "trail_running",
    runs_contracts.Sport.TREADMILL: "treadmill",
    runs_contracts.Sport.WALK: "walking",
    runs_contracts.Sport.HIKE: "hiking",
    runs_contracts.Sport.RIDE: "cycling",
    runs_contracts.Sport.OTHER: "other",
}
TRACKPOINT_EXTENSION = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"


def run_gpx(run: runs_contracts.RunExport) -> str | None:
    """The run's samples as GPX 1.1 (None for a run without positions); samples without a position are left out.
    A pause (more than `MAX_SAMPLE_GAP_S` between two samples, as the runs app counts one) starts a new segment, as
    the recording's own segments did, so that another app reading the file sees the pause too."""
    streams = run.streams
    if streams is None or streams.latitude is None or streams.longitude is None:
        return None
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "Runnerly"
    gpx.nsmap["gpxtpx"] = TRACKPOINT_EXTENSION
    track = gpxpy.gpx.GPXTrack(name=run.name or None)
    track.type = GPX_TYPES[run.sport]  # type: ignore[assignment]  # gpxpy types it as None
    segment = gpxpy.gpx.GPXTrackSegment()
    previous_s: float | None = None
    missing = [None] * len(streams.time_s)
    for time_s, lat, lon, ele, hr, cad in zip(
        streams.time_s,
        streams.latitude,
        streams.longitude,
        streams.elevation_m or missing,
        streams.heart_rate or missing,
        streams.cadence or missing,
        strict=True,
    ):
        if lat is None or lon is None:
            continue
        if previous_s is not None and time_s - previous_s > runs_contracts.MAX_SAMPLE_GAP_S and segment.points:
            track.segments.append(segment)
            segment = gpxpy.gpx.GPXTrackSegment()
        previous_s = time_s
        point = gpxpy.gpx.GPXTrackPoint(lat, lon, elevation=ele, time=run.start + datetime.timedelta(seconds=time_s))
        if hr is not None or cad is not None:
            extension = ET.Element(f"{{{TRACKPOINT_EXTENSION}}}TrackPointExtension")
            for tag, value in (("hr", hr), ("cad", cad)):
                if value is not None:
                    ET.SubElement(extension, f"{{{TRACKPOINT_EXTENSION}}}{tag}").text = str(value)
            point.extensions.append(extension)
        segment.points.append(point)
    if not segment.points:
        return None
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")


def _member_name(folder: str, name: str, taken: set[str]) -> str:
    """`folder/name` with only the file name kept, made unique: "run.gpx", then "run (2).gpx"."""
    base = posixpath.basename(name.replace("\\", "/")).strip() or "upload"
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{stem} ({number}){dot}{extension}"
    taken.add(candidate)
    return f"{folder}/{candidate}"


def write(*, user_id: int, target: IO[bytes], progress: Callable[[int, int], None]) -> None:
    """Write the user's export as a zip into `target`; `progress(done, total)` after each run page and file."""
    imports = imports_service.export_user_data(user_id=user_id)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(date=datetime.datetime.now(datetime.UTC).date()))
        parts = {
            "account.json": accounts_service.export_user_data(user_id=user_id),
            "imports.json": imports,
            "races.json": races_service.export_user_data(user_id=user_id),
            "plans.json": plans_service.export_user_data(user_id=user_id),
            "reports.json": reports_service.export_user_data(user_id=user_id),
            "strava.json": strava_service.export_user_data(user_id=user_id),
        }
        for name, part in parts.items():
            archive.writestr(name, part.model_dump_json(indent=2))
        done, after_id = 0, 0
        while True:
            page = runs_service.export_user_data(user_id=user_id, after_id=after_id)
            for run in page.runs:
                stem = f"runs/{run.local_date.isoformat()}-{run.id}"
                archive.writestr(f"{stem}.json", run.model_dump_json(indent=2))
                gpx = run_gpx(run)
                if gpx is not None:
                    archive.writestr(f"{stem}.gpx", gpx)
            done += len(page.runs)
            total = page.total + len(imports.uploads)
            progress(done, total)
            if page.next_after_id is None:
                break
            after_id = page.next_after_id
        taken: set[str] = set()
        for upload in imports.uploads:
            with archive.open(_member_name("uploads", upload.job.file_name, taken), "w", force_zip64=True) as member:
                offset: int | None = 0
                while offset is not None:
                    chunk = imports_service.export_upload_file(user_id=user_id, job_id=upload.job.id, offset=offset)
                    member.write(base64.b64decode(chunk.data_base64))
                    offset = chunk.next_offset
            done += 1
            progress(done, total)
