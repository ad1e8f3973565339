import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from apps.imports import operations
from apps.imports.forms import UploadForm
from apps.imports.interface import errors
from apps.imports.interface.service import imports_service


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        jobs, refused = [], []
        for file in form.cleaned_data["files"]:
            try:
                operations.upload_check(name=file.name, size=file.size)
                jobs.append(operations.upload_create(user_id=request.user.pk, name=file.name, data=file.read()))
            except operations.UploadRefused as error:
                refused.append(str(error))
        for message in refused:
            form.add_error("files", message)
        if jobs and not refused:
            if len(jobs) == 1:
                return redirect("imports:job", job_id=jobs[0].pk)
            messages.success(request, f"{len(jobs)} files are being imported.")
            return redirect("imports:upload")
        if jobs:
            messages.success(request, f"{len(jobs)} other files are being imported.")
    jobs = imports_service.list_jobs(user_id=request.user.pk, limit=10)
    return render(request, "imports/upload.html", {"form": form, "jobs": jobs})


def _job(request: HttpRequest, job_id: uuid.UUID):
    try:
        return imports_service.get_job(user_id=request.user.pk, job_id=job_id)
    except errors.JobNotFound:
        raise Http404("No such import") from None


@login_required
@require_GET
def job(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    return render(request, "imports/job.html", {"job": _job(request, job_id)})


@login_required
@require_GET
def job_status(request: HttpRequest, job_id: uuid.UUID) -> JsonResponse:
    """What the job page polls until the import is finished."""
    return JsonResponse(_job(request, job_id).model_dump(mode="json"))
