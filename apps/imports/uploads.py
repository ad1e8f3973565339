"""The web side of an upload: save the file in the default storage, then hand it to ImportsService.

The monolith's web process and the imports service share the default storage (a volume or object
storage, as `STORAGES` says), so an upload's bytes never cross the RPC wire: the request streams the
file into `uploads/YYYY/MM/`, and `start_import` gets its name and size. Whatever goes wrong after the
file is saved (refused by the service, the service down or failing), the file is deleted again:
nothing is kept half-way. No models here: this module runs where the pages run.
"""

from __future__ import annotations

import datetime
import logging
import posixpath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.files.utils import validate_file_name

from apps.imports.interface import contracts, errors
from apps.imports.interface.service import imports_service

logger = logging.getLogger(__name__)


def check(*, name: str, size: int) -> None:
    """Raises `UploadRefused` for a file refused at the door (its type, empty, too big): nothing stored."""
    refusal = contracts.upload_refusal(name=name, size=size, max_bytes=settings.IMPORTS_MAX_UPLOAD_BYTES)
    if refusal:
        raise errors.UploadRefused(refusal)


def storage_name_for(original_name: str) -> str:
    """Where an upload goes: `uploads/YYYY/MM/` and the end of its own name, made valid for the storage."""
    base = posixpath.basename(original_name.replace("\\", "/"))[-contracts.STORAGE_NAME_MAX_LENGTH :]
    if base in ("", ".", ".."):
        base = "upload"
    directory = datetime.datetime.now().strftime(contracts.UPLOAD_DIRECTORY + "%Y/%m/")  # as upload_to had it
    return default_storage.generate_filename(validate_file_name(directory + base, allow_relative_path=True))


def store(original_name: str, content: File) -> str:
    """Save the file (streamed, a chunk at a time) under a name no other file has; that name."""
    return default_storage.save(storage_name_for(original_name), content, max_length=contracts.STORAGE_NAME_MAX_LENGTH)


def send(*, user_id: int, file: File) -> contracts.ImportJobStatus:
    """Store an uploaded file and start its import; its job.

    Raises `UploadRefused` (refused at the door or by the service) or `RemoteServiceError` (the imports
    service is down or failed); either way nothing is left in storage.
    """
    name, size = str(file.name or ""), int(file.size or 0)
    check(name=name, size=size)
    storage_name = store(name, file)
    try:
        return imports_service.start_import(user_id=user_id, storage_name=storage_name, size=size, original_name=name)
    except BaseException:
        _delete(storage_name)
        raise


def _delete(storage_name: str) -> None:
    try:
        default_storage.delete(storage_name)
    except Exception:  # the request's own failure is the one to report; this one is logged
        logger.exception("imports.stored_upload_not_deleted", extra={"storage_name": storage_name})
