from __future__ import annotations

import datetime
import enum
import uuid

from project.rpc.contracts import Contract

ACTIVITY_EXTENSIONS = (".gpx", ".tcx", ".fit")  # the parsers' formats
UPLOAD_EXTENSIONS = (*ACTIVITY_EXTENSIONS, ".zip")  # and zips of them
GZIP_EXTENSION = ".gz"  # an activity file may come gzipped, as in a Strava export (activities/123.fit.gz)
# Where the web side saves an upload in the default storage (shared with the imports service) before it calls
# `start_import`: `uploads/YYYY/MM/<name>`, at most STORAGE_NAME_MAX_LENGTH characters (Upload.file's column).
UPLOAD_DIRECTORY = "uploads/"
STORAGE_NAME_MAX_LENGTH = 100


def extension_of(name: str) -> str:
    return "." + name.lower().rsplit(".", 1)[-1] if "." in name else ""


def is_activity_file(name: str) -> bool:
    """Whether the name is of a .gpx, .tcx or .fit file, gzipped or not."""
    plain = name[: -len(GZIP_EXTENSION)] if name.lower().endswith(GZIP_EXTENSION) else name
    return extension_of(plain) in ACTIVITY_EXTENSIONS


def is_uploadable(name: str) -> bool:
    """Whether the name is of a file the importer reads: an activity file (gzipped or not) or a zip."""
    return extension_of(name) == ".zip" or is_activity_file(name)


def upload_refusal(*, name: str, size: int, max_bytes: int) -> str | None:
    """Why an upload is refused at the door (its type, empty, too big), or None. The web side asks before it
    stores anything, the service again before it takes the file: one rule on both sides."""
    if not is_uploadable(name):
        return f"{name}: only .gpx, .tcx, .fit and .zip files (or .gz of them) can be imported"
    if size <= 0:
        return f"{name}: the file is empty"
    if size > max_bytes:
        return f"{name}: {size / 1_000_000:.1f} MB is more than the {max_bytes / 1_000_000:.0f} MB limit"
    return None


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ItemStatus(enum.StrEnum):
    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    FAILED = "failed"


class ImportItemResult(Contract):
    name: str
    status: ItemStatus
    run_id: int | None
    message: str


class ImportJobStatus(Contract):
    id: uuid.UUID
    file_name: str
    status: JobStatus
    total_files: int
    processed_files: int
    imported: int
    duplicates: int
    failed: int
    message: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    items: list[ImportItemResult]


class UploadExport(Contract):
    """An import with the file it came from, for the runner's data export; the bytes: `export_upload_file`."""

    job: ImportJobStatus  # with its items
    size: int
    sha256: str


class ImportsExport(Contract):
    uploads: list[UploadExport]  # oldest first


class FileChunk(Contract):
    data_base64: str  # bytes from `offset`, base64 (JSON carries no bytes)
    next_offset: int | None  # None: this was the end of the file
