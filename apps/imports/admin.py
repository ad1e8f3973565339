from django.contrib import admin

from apps.imports.models import ImportItem, ImportJob, Upload


class ImportItemInline(admin.TabularInline):
    model = ImportItem
    extra = 0
    can_delete = False
    readonly_fields = ["name", "status", "run_id", "message"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "user_id",
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
    readonly_fields = ["upload", "created_at", "started_at", "finished_at"]
    inlines = [ImportItemInline]


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["original_name", "user_id", "size", "created_at"]
    search_fields = ["=user_id", "original_name", "sha256"]
    readonly_fields = ["sha256", "size", "created_at"]
