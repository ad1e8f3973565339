"""From uploaded bytes to runs: unpack, parse, and record each activity through RunsService."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import io
import logging
import struct
import zipfile
import zlib
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings

from apps.accounts.interface.service import accounts_service
from apps.imports import parsers
from apps.imports.interface import contracts
from apps.runs.interface import contracts as runs_contracts
from apps.runs.interface import errors as runs_errors
from apps.runs.interface.service import runs_service
from project import geo

logger = logging.getLogger(__name__)
extension_of = contracts.extension_of
_UTF8_NAME = 0x800  # the zip flag bit saying a member's name is UTF-8


class ImportRefused(ValueError):
    """The upload as a whole cannot be imported (too big, not a zip, a zip bomb)."""


@dataclass(frozen=True)
class ItemResult:
    name: str
    status: contracts.ItemStatus
    run_id: int | None = None
    message: str = ""
    already_there: bool = False  # "already imported": the run was stored under this file before this call


def _failed(name: str, message: str) -> ItemResult:
    return ItemResult(name=name, status=contracts.ItemStatus.FAILED, message=message)


@dataclass(frozen=True)
class Entry:
    """One activity file of an upload: its bytes, or why they cannot be unpacked (then `data` is empty)."""

    name: str
    data: bytes
    problem: str = ""


def _unpack_problem(info: zipfile.ZipInfo, error: Exception) -> str:
    name = info.filename
    if info.flag_bits & 0x1:
        return f"{name}: encrypted with a password; zip it again without one"
    if isinstance(error, NotImplementedError):
        return f"{name}: compressed by a method this importer cannot unpack ({info.compress_type}); zip it again"
    return f"{name}: damaged inside the zip ({error}); nothing imported"


@dataclass(frozen=True)
class _Zip:
    archive: zipfile.ZipFile
    members: list[zipfile.ZipInfo]
    unflagged: bool  # read with its UTF-8 flags cleared (`_without_utf8_flags`)


def _open_zip(name: str, data: bytes) -> _Zip:
    """The zip and its activity members, checked against the limits on files and unpacked bytes."""
    unflagged = False
    try:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except UnicodeDecodeError:  # a name flagged UTF-8 that is not: zipfile cannot list the zip at all
            archive, unflagged = zipfile.ZipFile(io.BytesIO(_without_utf8_flags(data))), True
    except (zipfile.BadZipFile, struct.error, ValueError):
        raise ImportRefused(f"{name}: this is not a valid zip file") from None
    # Only activity files count: an export's other files (activities.csv, photos) are left alone.
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and contracts.is_activity_file(info.filename)
    ]
    if len(members) > settings.IMPORTS_MAX_ZIP_FILES:
        raise ImportRefused(
            f"{name}: {len(members)} files, more than the {settings.IMPORTS_MAX_ZIP_FILES} a zip may hold"
        )
    declared = sum(info.file_size for info in members)
    limit = settings.IMPORTS_MAX_ZIP_UNCOMPRESSED_BYTES
    if declared > limit:
        raise ImportRefused(f"{name}: unpacks to {declared:,} bytes, more than the limit of {limit:,}")
    return _Zip(archive, members, unflagged)


def entry_count(name: str, data: bytes) -> int:
    """How many activity files an upload holds (see `entries`); raises `ImportRefused` as it does."""
    return len(_open_zip(name, data).members) if extension_of(name) == ".zip" else 1


def entries(name: str, data: bytes, *, start: int = 0) -> Iterator[Entry]:
    """The activity files inside an upload, from the `start`th on: the file itself, or each member of a zip,
    unpacked one at a time as it is asked for (so memory holds one member, not the whole zip).

    Raises `ImportRefused` when the zip as a whole cannot be read or is too big; a member that
    cannot be unpacked (damaged, encrypted, an unknown compression, bigger than one file may be)
    comes back with `problem` set.
    """
    if extension_of(name) != ".zip":
        if start == 0:
            yield _gunzipped(name, data, settings.IMPORTS_MAX_FILE_BYTES)
        return
    opened = _open_zip(name, data)
    limit, file_limit = settings.IMPORTS_MAX_ZIP_UNCOMPRESSED_BYTES, settings.IMPORTS_MAX_FILE_BYTES
    remaining = limit
    for info in opened.members[start:]:
        member_name = _display_name(info, unflagged=opened.unflagged)
        if info.file_size > file_limit:
            yield Entry(member_name, b"", _too_big(member_name, file_limit))
            continue
        try:
            with opened.archive.open(info) as member:
                content = member.read(remaining + 1)  # zipfile stops at the size in the header (a lie fails the CRC)
        except Exception as error:  # noqa: BLE001 - whatever zipfile or a decompressor raises: this member only
            yield Entry(member_name, b"", _unpack_problem(info, error))
            continue
        entry = _gunzipped(member_name, content, min(file_limit, remaining))
        if len(entry.data) > remaining or len(content) > remaining:
            raise ImportRefused(f"{name}: unpacks to more than the limit of {limit:,} bytes")
        remaining -= len(entry.data)
        yield entry


def _gunzipped(name: str, data: bytes, limit: int) -> Entry:
    """The file itself, or, gzipped (`run.fit.gz`), what it unpacks to under its own name (`run.fit`)."""
    if not name.lower().endswith(contracts.GZIP_EXTENSION):
        return Entry(name, data)
    plain = name[: -len(contracts.GZIP_EXTENSION)]
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unpacked:
            content = unpacked.read(limit + 1)  # no more than may be kept: a gzip bomb stops here
    except (OSError, EOFError, zlib.error) as error:
        return Entry(plain, b"", f"{name}: not a readable gzip file ({error}); nothing imported")
    if len(content) > limit:
        return Entry(plain, b"", _too_big(name, limit))
    return Entry(plain, content)


def _too_big(name: str, limit: int) -> str:
    return f"{name}: unpacks to more than {limit:,} bytes, the most one file may hold; split it into several files"


def _display_name(info: zipfile.ZipInfo, *, unflagged: bool) -> str:
    """A member's name; in a zip read with its UTF-8 flags cleared, as UTF-8 again (what is not, replaced)."""
    return info.orig_filename.encode("cp437").decode("utf-8", errors="replace") if unflagged else info.filename


def _without_utf8_flags(data: bytes) -> bytes:
    """The zip with the "names are UTF-8" flag cleared on every member (central and local headers), so that
    zipfile can list it when one name is not UTF-8; `_display_name` reads the names as UTF-8 again."""
    patched = bytearray(data)
    end = patched.rfind(b"PK\x05\x06")
    if end < 0 or end + 22 > len(patched):
        raise zipfile.BadZipFile("no end of central directory")
    count, _size, position = struct.unpack_from("<HII", patched, end + 10)
    for _ in range(count):
        if patched[position : position + 4] != b"PK\x01\x02":
            raise zipfile.BadZipFile("damaged central directory")
        flags, local = (
            struct.unpack_from("<H", patched, position + 8)[0],
            struct.unpack_from("<I", patched, position + 42)[0],
        )
        struct.pack_into("<H", patched, position + 8, flags & ~_UTF8_NAME)
        if patched[local : local + 4] == b"PK\x03\x04":
            struct.pack_into("<H", patched, local + 6, struct.unpack_from("<H", patched, local + 6)[0] & ~_UTF8_NAME)
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", patched, position + 28)
        position += 46 + name_length + extra_length + comment_length
    return bytes(patched)


def _streams(activity: parsers.Activity) -> runs_contracts.Streams:
    return runs_contracts.Streams(
        time_s=activity.time_s,
        latitude=activity.latitude if any(v is not None for v in activity.latitude) else None,
        longitude=activity.longitude if any(v is not None for v in activity.longitude) else None,
        elevation_m=activity.elevation_m if any(v is not None for v in activity.elevation_m) else None,
        heart_rate=activity.heart_rate if any(activity.heart_rate) else None,
        cadence=activity.cadence if any(activity.cadence) else None,
        distance_m=activity.distance_m if any(v is not None for v in activity.distance_m) else None,
    )


def _timezone_of(activity: parsers.Activity) -> str | None:
    for lat, lon in zip(activity.latitude, activity.longitude, strict=True):
        if lat is not None and lon is not None:
            return geo.timezone_at(lat, lon)
    return None


def _placed(*, user_id: int, activities: list[parsers.Activity]) -> list[parsers.Activity]:
    """The activities, those dated only by the watch's local clock placed in the runner's own zone (their
    profile's). Asking accounts may fail (`RemoteServiceError`): the file is not at fault, so it is not failed."""
    if any(activity.local_clock for activity in activities):
        zone = accounts_service.get_user(user_id=user_id).timezone
        for activity in activities:
            if activity.local_clock:
                activity.start = activity.start.replace(tzinfo=zoneinfo.ZoneInfo(zone))
                activity.notes.append(f"dated by the watch's local time only, taken as {zone} time (your profile's)")
    return activities


def _draft(*, user_id: int, activity: parsers.Activity, source_id: str) -> runs_contracts.RunDraft:
    # Samples covering only part of the activity (a damaged FIT) would make the runs app compute the
    # distance and times of that part; the device's summary is then the account, without the samples.
    partial = activity.samples_partial
    return runs_contracts.RunDraft(
        user_id=user_id,
        source=runs_contracts.Source.FILE,
        source_id=source_id,
        name=activity.name,
        sport=runs_contracts.Sport(activity.sport),
        start=activity.start,
        # The runs app finds the zone from the samples; a watch's local clock was read in the runner's zone.
        timezone=str(activity.start.tzinfo) if activity.local_clock else _timezone_of(activity) if partial else None,
        elapsed_s=activity.elapsed_s,
        moving_s=activity.moving_s,
        distance_m=activity.total_distance_m,
        calories=activity.calories,
        laps=[runs_contracts.Lap(**lap) for lap in activity.laps],
        streams=None if partial else _streams(activity),
        source_note="; ".join(activity.notes),
    )


def _what(activity: parsers.Activity) -> str:
    """Which outing of a file this is, for the runner: its name (or sport) and when it started."""
    started = activity.start.astimezone(datetime.UTC)
    return f"{activity.name or activity.sport or 'activity'}, {started:%Y-%m-%d %H:%M} UTC"


def _source_id(digest: str, activity: parsers.Activity, *, alone: bool) -> str:
    # An outing of a multi-activity file is named by its start, whatever the order of the file's tracks
    # (ids by position, as stored before, would name another outing once the file reads in time order).
    return f"sha256:{digest}" if alone else f"sha256:{digest}:{activity.start.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}"


def import_entry(*, user_id: int, entry: Entry) -> list[ItemResult]:
    """What became of one file of an upload (see `import_file`); a file that is not an activity fails."""
    if entry.problem:
        return [_failed(entry.name, entry.problem)]
    if extension_of(entry.name) not in parsers.EXTENSIONS:
        return [_failed(entry.name, f"{entry.name}: not a .gpx, .tcx or .fit file")]
    return import_file(user_id=user_id, name=entry.name, data=entry.data)


def import_file(*, user_id: int, name: str, data: bytes) -> list[ItemResult]:
    """Record every activity of one file, one result each, in time order.

    A file that cannot be read gives one failed result and stores nothing. The message of an
    imported activity carries its parser's notes (what was left out, cut off or guessed).
    """
    try:
        activities = parsers.parse(name, data)
    except parsers.ParseError as error:
        return [_failed(name, str(error))]
    except Exception:  # a file no parser foresaw must not stop the job: it fails alone
        logger.exception("imports.file_unreadable", extra={"file_name": name})
        message = f"{name}: the file could not be read (its content is not what its extension says, or damaged)"
        return [_failed(name, message)]
    activities = _placed(user_id=user_id, activities=activities)
    digest = hashlib.sha256(data).hexdigest()
    results = []
    for index, activity in enumerate(activities):
        label = name if len(activities) == 1 else f"{name} #{index + 1} ({_what(activity)})"
        source_id = _source_id(digest, activity, alone=len(activities) == 1)
        if activity.problem:
            results.append(_failed(label, f"{label}: {activity.problem}"))
            continue
        try:
            recorded = runs_service.record_run(draft=_draft(user_id=user_id, activity=activity, source_id=source_id))
        except runs_errors.InvalidRun as error:
            results.append(_failed(label, f"{label}: {error.message}"))
            continue
        except Exception:  # a value no check foresaw must not stop the job: this activity fails alone
            logger.exception("imports.activity_not_stored", extra={"file_name": name})
            message = f"{label}: could not be stored (a value in it is out of range or malformed)"
            results.append(_failed(label, message))
            continue
        duplicate = not recorded.created or recorded.duplicate_of_id is not None
        if not recorded.created:
            message = f"{label}: already imported"
        elif duplicate:
            message = f"{label}: the same run is already there (kept hidden as a duplicate)"
        else:
            message = f"{label}: {'; '.join(activity.notes)}" if activity.notes else ""
        status = contracts.ItemStatus.DUPLICATE if duplicate else contracts.ItemStatus.IMPORTED
        already_there = not recorded.created and recorded.duplicate_of_id is None
        results.append(ItemResult(label, status, recorded.run.id, message, already_there=already_there))
    return results


def _stored_before(user_id: int, digest: str, count: int) -> list[runs_contracts.RunSummary]:
    """The runs an earlier version made of a file: under its hash, or its hash and a position."""
    found = []
    for source_id in [f"sha256:{digest}", *(f"sha256:{digest}:{index}" for index in range(count + 3))]:
        try:
            found.append(
                runs_service.find_run_by_source(
                    user_id=user_id, source=runs_contracts.Source.FILE, source_id=source_id
                )
            )
        except runs_errors.RunNotFound:
            continue
    return found


@dataclass(frozen=True)
class Reread:
    line: str
    changed: bool  # False: only a report of what was left alone


def reread_file(*, user_id: int, name: str, data: bytes, may_add: bool) -> list[Reread]:
    """Apply this version's reading to a file imported before; what it did or left alone, a line each.

    A run an earlier version stored as a run (it has no import note) from a file that names no
    sport takes the sport its speeds say now (its efforts and records follow); a runner's own
    choice, or this version's guess, is left alone. An outing that has no run (a track an earlier
    version dropped) is imported when `may_add` (the runner deleted none of the file's runs) and
    no earlier run spans its start (an earlier version merged it into that run). Nothing else of
    a stored run changes (`recompute_runs` recomputes the numbers).
    """
    try:
        activities = parsers.parse(name, data)
    except Exception:  # noqa: BLE001 - what cannot be read now was not imported then either
        return []
    activities = _placed(user_id=user_id, activities=activities)
    digest = hashlib.sha256(data).hexdigest()
    before = _stored_before(user_id, digest, len(activities))
    done = []
    for index, activity in enumerate(activities):
        if activity.problem:
            continue
        label = name if len(activities) == 1 else f"{name} #{index + 1} ({_what(activity)})"
        source_id = _source_id(digest, activity, alone=len(activities) == 1)
        run = next((r for r in before if abs((r.start - activity.start).total_seconds()) < 1), None)
        if run is None:
            try:
                run = runs_service.find_run_by_source(
                    user_id=user_id, source=runs_contracts.Source.FILE, source_id=source_id
                )
            except runs_errors.RunNotFound:
                done.append(_add_left_out(user_id, activity, source_id, label, before=before, may_add=may_add))
                continue
        sport = runs_contracts.Sport(activity.sport)
        if activity.sport_guessed and run.sport == runs_contracts.Sport.RUN and sport != run.sport:
            if runs_service.get_run(user_id=user_id, run_id=run.id).source_note:
                continue  # imported by this version: "run" is the runner's own choice
            runs_service.update_run(user_id=user_id, run_id=run.id, sport=sport)
            done.append(Reread(f"{label}: now a {sport.value} (the file names no sport; taken from its speeds)", True))
    return done


def _add_left_out(
    user_id: int,
    activity: parsers.Activity,
    source_id: str,
    label: str,
    *,
    before: list[runs_contracts.RunSummary],
    may_add: bool,
) -> Reread:
    spanning = next(
        (r for r in before if r.start <= activity.start <= r.start + datetime.timedelta(seconds=r.elapsed_s)), None
    )
    if spanning is not None:
        return Reread(
            f"{label}: inside the run {spanning.name or spanning.id} an earlier version made; not imported", False
        )
    if not may_add:
        return Reread(f"{label}: has no run (deleted, or left out by an earlier version); not imported", False)
    try:
        runs_service.record_run(draft=_draft(user_id=user_id, activity=activity, source_id=source_id))
    except runs_errors.InvalidRun as error:
        return Reread(f"{label}: not imported ({error.message})", False)
    return Reread(f"{label}: imported (an earlier version left it out)", True)
