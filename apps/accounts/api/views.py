"""The data export API: ask for one, follow it, download its zip. Only its owner sees an export (anyone else: 404)."""

from __future__ import annotations

import datetime
import enum
import uuid

import pydantic
from django.http import FileResponse, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.accounts import operations, queries
from apps.accounts.models import DataExport
from project.api import ErrorResponse, dto
from project.rpc.contracts import Contract

ERRORS = {401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse}
LIST_LIMIT = 20


# The model's choices under a name of their own in the schema (the model's enum would be a bare "Status").
ExportStatus = enum.StrEnum("ExportStatus", {choice.name: choice.value for choice in DataExport.Status})  # type: ignore[misc]


class Export(Contract):
    id: uuid.UUID
    status: ExportStatus
    done: int = pydantic.Field(description="Runs and uploaded files written so far.")
    total: int = pydantic.Field(description="How many runs and uploaded files there are to write; 0 until known.")
    message: str = pydantic.Field(description="Why it failed; empty otherwise.")
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    expires_at: datetime.datetime = pydantic.Field(description="When it is deleted, with its file.")
    download_url: str | None = pydantic.Field(description="Where to download the zip, once it is ready.")


class ExportsResponse(Contract):
    exports: list[Export]


class ExportNotReady(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "export_not_ready"


def _export(request: Request, export: DataExport) -> Export:
    ready = export.status == DataExport.Status.READY
    return Export(
        id=export.pk,
        status=ExportStatus(export.status),
        done=export.done,
        total=export.total,
        message=export.message,
        created_at=export.created_at,
        finished_at=export.finished_at,
        expires_at=export.expires_at,
        download_url=request.build_absolute_uri(reverse("api-export-download", args=[export.pk])) if ready else None,
    )


def _own_export(request: Request, export_id: uuid.UUID) -> DataExport:
    export = queries.get_export(user_id=request.user.pk, export_id=export_id)
    if export is None:
        raise exceptions.NotFound("No such export.")
    return export


class ExportListApi(APIView):
    @extend_schema(
        request=None,
        responses={202: Export, 200: Export, **ERRORS},
        summary="Prepare an export of all your data (202); while one is being prepared, that one (200)",
        operation_id="exports_create",
    )
    def post(self, request: Request) -> HttpResponse:
        export, created = operations.request_export(user_id=request.user.pk)
        return dto(_export(request, export), status_code=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)

    @extend_schema(
        responses={200: ExportsResponse, **ERRORS}, summary="Your exports, newest first", operation_id="exports_list"
    )
    def get(self, request: Request) -> HttpResponse:
        exports = queries.list_exports_of_user(user_id=request.user.pk, limit=LIST_LIMIT)
        return dto(ExportsResponse(exports=[_export(request, export) for export in exports]))


class ExportDetailApi(APIView):
    @extend_schema(
        responses={200: Export, **ERRORS}, summary="One of your exports: its progress", operation_id="exports_retrieve"
    )
    def get(self, request: Request, export_id: uuid.UUID) -> HttpResponse:
        return dto(_export(request, _own_export(request, export_id)))


class ExportDownloadApi(APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False):
        # A client asking for the zip (Accept: application/zip) gets it, or an error in JSON, rather than a 406.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        responses={(200, "application/zip"): OpenApiTypes.BINARY, 409: ErrorResponse, **ERRORS},
        summary="The zip of a ready export (409 until it is ready)",
        operation_id="exports_download",
    )
    def get(self, request: Request, export_id: uuid.UUID) -> FileResponse:
        export = _own_export(request, export_id)
        if export.status == DataExport.Status.FAILED:
            raise ExportNotReady(f"{export.message} Ask for a new export.")
        if export.status != DataExport.Status.READY:
            raise ExportNotReady("This export is not ready yet; its status says how far it has got.")
        name = f"runnerly-export-{export.created_at:%Y-%m-%d}.zip"
        return FileResponse(export.file.open("rb"), as_attachment=True, filename=name, content_type="application/zip")
