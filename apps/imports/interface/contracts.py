from __future__ import annotations

import datetime
import enum
import uuid

from project.rpc.contracts import Contract

UPLOAD_EXTENSIONS = (".gpx", ".tcx", ".fit", ".zip")  # the parsers' formats, and zips of them
# Where the web side saves an upload in the default storage (shared with the imports service) before it calls
# `start_import`: `uploads/YYYY/MM/<name>`, at most STORAGE_NAME_MAX_LENGTH characters (Upload.file's column).
UPLOAD_DIRECTORY = "uploads/"
STORAGE_NAME_MAX_LENGTH = 100


def extension_of(name: str) -> str:
    return "." + name.lower().rsplit(".", 1)[-1] if "." in name else ""


def upload_refusal(*, name: str, size: int, max_bytes: int) -> str | None:
    """Why an upload is refused at the door (its type, empty, too big), or None. The web side asks before it
    stores anything, the service again before it takes the file: one rule on both sides."""
    if extension_of(name) not in UPLOAD_EXTENSIONS:
        return f"{name}: only .gpx, .tcx, .fit and .zip files can be imported"
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
