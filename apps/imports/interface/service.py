from __future__ import annotations

import abc
import uuid

from apps.imports.interface import contracts
from project.rpc import interface as rpc
from project.rpc import routing

MAX_CHUNK_BYTES = 1_000_000


class ImportsService(rpc.Service):
    name = "imports"
    local_implementation = "apps.imports.interface.local.LocalImportsService"

    @rpc.idempotent
    @abc.abstractmethod
    def start_import(
        self, *, user_id: int, storage_name: str, size: int, original_name: str
    ) -> contracts.ImportJobStatus:
        """Take a file the caller has saved in the default storage and queue its import: its job, queued.

        The bytes never cross the wire: the caller and the service share the default storage, and
        `storage_name` (under `uploads/`, as `storage.save` answered) names the file, `size` its bytes.
        The same `storage_name` again (a retried call) answers the job it already has. Raises
        `UploadRefused` (a wrong type, empty, over the limit, or no such file of that size in storage);
        on any failure the file is the caller's to delete.
        """

    @rpc.read_only
    @abc.abstractmethod
    def get_job(self, *, user_id: int, job_id: uuid.UUID) -> contracts.ImportJobStatus:
        """One of the user's imports with what became of each file. Raises `JobNotFound`."""

    @rpc.kept_per_user
    @abc.abstractmethod
    def list_jobs(self, *, user_id: int, limit: int = 10) -> list[contracts.ImportJobStatus]:
        """The user's latest imports, newest first, without their items."""

    @rpc.read_only
    @abc.abstractmethod
    def export_user_data(self, *, user_id: int) -> contracts.ImportsExport:
        """Every import of the user with what became of each file, oldest first (the data export)."""

    @rpc.read_only
    @abc.abstractmethod
    def export_upload_file(
        self, *, user_id: int, job_id: uuid.UUID, offset: int = 0, length: int = MAX_CHUNK_BYTES
    ) -> contracts.FileChunk:
        """A piece of the file an import came from, as uploaded: read on until `next_offset` is None.

        `length` is kept within 1..1,000,000 bytes. Raises `JobNotFound`.
        """


imports_service: ImportsService = routing.delegator(ImportsService)
