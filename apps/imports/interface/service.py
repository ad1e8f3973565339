from __future__ import annotations

import abc
import uuid

from apps.imports.interface import contracts
from project.rpc import interface as rpc


class ImportsService(rpc.Service):
    name = "imports"
    local_implementation = "apps.imports.interface.local.LocalImportsService"

    @rpc.read_only
    @abc.abstractmethod
    def get_job(self, *, user_id: int, job_id: uuid.UUID) -> contracts.ImportJobStatus:
        """One of the user's imports with what became of each file. Raises `JobNotFound`."""

    @rpc.read_only
    @abc.abstractmethod
    def list_jobs(self, *, user_id: int, limit: int = 10) -> list[contracts.ImportJobStatus]:
        """The user's latest imports, newest first, without their items."""


imports_service: ImportsService = ImportsService.delegator()
