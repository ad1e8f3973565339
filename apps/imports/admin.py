from django.contrib import admin, messages
from django.template.defaultfilters import filesizeformat

from apps.imports import operations
from apps.imports.models import ImportItem, ImportJob, Upload
from project.web import admin as web_admin


class ImportItemInline(web_admin.ExtractableAppMixin, admin.TabularInline):
    model = ImportItem
    extra = 0
    can_delete = False
    readonly_fields = ["name", "status", "run_id", "message"]


@admin.register(ImportJob)
class ImportJobAdmin(web_admin.RunnerColumnMixin, web_admin.AppAdmin):
    list_display = [
        "id",
        "runner",
        "upload",
        "status",
        "processed_files",
        "imported",
        "duplicates",
        "failed",
        "created_at",
    ]
    list_filter = ["status", "created_at"]
    search_fields = ["=user_id", "upload__original_name", "message"]
    list_select_related = ["upload"]
    readonly_fields = ["runner", "upload", "created_at", "started_at", "finished_at"]
    inlines = [ImportItemInline]
    actions = ["retry"]

    @admin.action(description="Run the selected failed jobs again")
    def retry(self, request, queryset):
        job_ids = list(queryset.values_list("pk", flat=True))
        retried = sum(operations.retry_job(job_id=job_id) for job_id in job_ids)
        self.message_user(request, f"Sent {retried} job(s) again.", messages.SUCCESS)
        if retried < len(job_ids):
            self.message_user(request, f"Left {len(job_ids) - retried} job(s) alone: not failed.", messages.WARNING)


@admin.register(Upload)
class UploadAdmin(web_admin.RunnerColumnMixin, web_admin.AppAdmin):
    list_display = ["original_name", "runner", "file_size", "created_at"]
    search_fields = ["=user_id", "original_name", "sha256"]
    readonly_fields = ["runner", "sha256", "size", "created_at"]

    @admin.display(description="Size", ordering="size")
    def file_size(self, obj):
        return filesizeformat(obj.size)
