"""The upload page and the job pages, through ImportsService only (they work with imports extracted)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from apps.imports import uploads
from apps.imports.forms import UploadForm
from apps.imports.interface import contracts, errors
from apps.imports.interface.service import imports_service
from project.rpc.errors import RemoteServiceError
from project.web.signed_in import SignedInRequest
from project.web.unavailable import Unavailable, retry_later

IMPORTS = Unavailable("imports", what="Imports", note="The files you sent are safe and keep importing.")


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: SignedInRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if form.is_bound and form.is_valid():
        jobs: list[contracts.ImportJobStatus] = []
        refused: list[str] = []
        for file in form.cleaned_data["files"]:
            try:
                jobs.append(uploads.send(user_id=request.user.pk, file=file))
            except errors.UploadRefused as error:
                refused.append(error.message)
            except RemoteServiceError:  # down or failing: this file is not kept, nor are the ones after it
                IMPORTS.log(request)
                refused.append(f"{file.name} was not stored, nor the files after it. {IMPORTS.message()}")
                break
        for message in refused:
            form.add_error("files", message)
        if jobs and not refused:
            if len(jobs) == 1:
                return redirect("imports:job", job_id=jobs[0].id)
            messages.success(request, f"{len(jobs)} files are being imported.")
            return redirect("imports:upload")
        if jobs:
            messages.success(request, f"{len(jobs)} other files are being imported.")
    try:
        jobs_shown: list[contracts.ImportJobStatus] | None = imports_service.list_jobs(
            user_id=request.user.pk, limit=10
        )
    except RemoteServiceError:
        IMPORTS.log(request)
        jobs_shown = None  # the page says the list is temporarily unavailable; the form is still there
    return render(request, "imports/upload.html", {"form": form, "jobs": jobs_shown})


def _job(request: SignedInRequest, job_id: uuid.UUID) -> contracts.ImportJobStatus:
    try:
        return imports_service.get_job(user_id=request.user.pk, job_id=job_id)
    except errors.JobNotFound:
        raise Http404("No such import") from None


@login_required
@require_GET
@IMPORTS.degrades(get_status=503)  # nothing to show without the job: say so, keep the rest of the site working
def job(request: SignedInRequest, job_id: uuid.UUID) -> HttpResponse:
    return render(request, "imports/job.html", {"job": _job(request, job_id)})


@login_required
@require_GET
def job_status(request: SignedInRequest, job_id: uuid.UUID) -> JsonResponse:
    """What the job page polls until the import is finished."""
    try:
        current = _job(request, job_id)
    except RemoteServiceError:
        IMPORTS.log(request)
        body = {"code": "service_unavailable", "message": IMPORTS.message(), "fields": {}}
        return retry_later(JsonResponse(body, status=503))
    return JsonResponse(current.model_dump(mode="json"))
