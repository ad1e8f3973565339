"""The imports API: send a file, follow its job; through ImportsService only (it works with imports extracted).

A service that cannot be reached answers 503 with the error shape (project.api.exception_handler).
"""

from __future__ import annotations

import uuid

import pydantic
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.imports import uploads
from apps.imports.interface import contracts, errors
from apps.imports.interface.service import imports_service
from project.api import ErrorResponse, dto

ERRORS = {400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 503: ErrorResponse}


class JobsResponse(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    jobs: list[contracts.ImportJobStatus]


class UploadApi(APIView):
    parser_classes = [parsers.MultiPartParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text=".gpx, .tcx, .fit, or a .zip of them (25 MB at most)")

        class Meta:
            ref_name = "Upload"

    @extend_schema(
        request=InputSerializer,
        responses={202: contracts.ImportJobStatus, **ERRORS},
        summary="Upload an activity file; it is imported in the background",
    )
    def post(self, request: Request) -> HttpResponse:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        try:
            job = uploads.send(user_id=request.user.pk, file=upload)
        except errors.UploadRefused as error:
            raise serializers.ValidationError({"file": [error.message]}) from None
        return dto(job, status_code=status.HTTP_202_ACCEPTED)


class JobListApi(APIView):
    @extend_schema(responses={200: JobsResponse, **ERRORS}, summary="Your latest imports", operation_id="jobs_list")
    def get(self, request: Request) -> HttpResponse:
        return dto(JobsResponse(jobs=imports_service.list_jobs(user_id=request.user.pk, limit=20)))


class JobDetailApi(APIView):
    @extend_schema(
        responses={200: contracts.ImportJobStatus, **ERRORS}, summary="One import and what became of each file"
    )
    def get(self, request: Request, job_id: uuid.UUID) -> HttpResponse:
        return dto(imports_service.get_job(user_id=request.user.pk, job_id=job_id))
