from __future__ import annotations

import datetime
import enum
import uuid

from project.rpc.contracts import Contract


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
