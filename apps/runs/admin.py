from django.contrib import admin, messages
from django.db import transaction

from apps.runs import operations
from apps.runs.models import BestEffort, Run
from project.web import admin as web_admin
from project.web.templatetags import units


class BestEffortInline(web_admin.ExtractableAppMixin, admin.TabularInline):
    model = BestEffort
    extra = 0
    can_delete = False
    fields = readonly_fields = ("effort", "distance", "time", "pace", "starts_after")

    @admin.display(description="Effort")
    def effort(self, obj):
        return units.effort_label(obj.distance_key)

    distance = web_admin.distance_column("distance_m")
    time = web_admin.duration_column("elapsed_s", "Time")
    pace = web_admin.pace_column("elapsed_s", "distance_m")
    starts_after = web_admin.duration_column("start_offset_s", "Starts after")

    def has_add_permission(self, request, obj=None):
        return False  # computed from the streams: the "Recompute" action


@admin.register(Run)
class RunAdmin(web_admin.RunnerColumnMixin, web_admin.AppAdmin):
    list_display = [
        "id",
        "runner",
        "local_date",
        "name",
        "sport",
        "source",
        "distance",
        "moving_time",
        "pace",
        "hidden",
    ]
    list_filter = ["sport", "source", "hidden", "local_date"]
    search_fields = ["=user_id", "name", "source_id"]
    date_hierarchy = "local_date"
    raw_id_fields = ["duplicate_of"]
    readonly_fields = ["runner", "created_at", "updated_at", "splits", "laps", "polyline"]
    inlines = [BestEffortInline]
    show_full_result_count = False
    actions = ["recompute"]

    distance = web_admin.distance_column("distance_m")
    moving_time = web_admin.duration_column("moving_s", "Moving time")
    pace = web_admin.pace_column("moving_s", "distance_m")

    def save_model(self, request, obj, form, change):
        """A staff edit is announced as the runner's own would be (`operations.announce_change`)."""
        with transaction.atomic():
            before = Run.objects.filter(pk=obj.pk).values_list("local_date", "sport").first() if change else None
            super().save_model(request, obj, form, change)
            date_before, sport_before = before or (obj.local_date, obj.sport)
            operations.announce_change(run=obj, date_before=date_before, sport_before=sport_before)

    def delete_model(self, request, obj):
        operations.delete_run(user_id=obj.user_id, run_id=obj.pk)  # its duplicates and subscribers follow

    def delete_queryset(self, request, queryset):
        for run in queryset:
            operations.delete_run(user_id=run.user_id, run_id=run.pk)

    @admin.action(description="Recompute the selected runs from their streams")
    def recompute(self, request, queryset):
        runs = list(queryset)
        for run in runs:
            operations.recompute_run(run=run)
        self.message_user(request, f"Recomputed {len(runs)} run(s).", messages.SUCCESS)
