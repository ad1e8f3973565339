from django.contrib import admin

from apps.runs.models import BestEffort, Run


class BestEffortInline(admin.TabularInline):
    model = BestEffort
    extra = 0
    can_delete = False
    readonly_fields = ["distance_key", "distance_m", "elapsed_s", "start_offset_s"]
    exclude = ["user_id"]


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ["id", "user_id", "local_date", "name", "sport", "source", "distance_m", "moving_s", "hidden"]
    list_filter = ["sport", "source", "hidden", "local_date"]
    search_fields = ["=user_id", "name", "source_id"]
    date_hierarchy = "local_date"
    raw_id_fields = ["duplicate_of"]
    readonly_fields = ["created_at", "updated_at", "splits", "laps", "polyline"]
    inlines = [BestEffortInline]
    show_full_result_count = False
