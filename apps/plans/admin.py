from django.contrib import admin

from apps.plans.models import Plan, PlannedSession, PlanTemplate, TemplateSession
from project.web import admin as web_admin


class TemplateSessionInline(web_admin.ExtractableAppMixin, admin.TabularInline):
    model = TemplateSession
    extra = 0


@admin.register(PlanTemplate)
class PlanTemplateAdmin(web_admin.AppAdmin):
    list_display = ["name", "slug", "distance", "level", "weeks"]
    list_filter = ["level"]
    search_fields = ["name", "slug"]
    inlines = [TemplateSessionInline]

    distance = web_admin.distance_column("distance_m", "Race distance")


class PlannedSessionInline(web_admin.ExtractableAppMixin, admin.TabularInline):
    model = PlannedSession
    extra = 0
    readonly_fields = ["run_id"]


@admin.register(Plan)
class PlanAdmin(web_admin.RunnerColumnMixin, web_admin.AppAdmin):
    list_display = ["runner", "race_name", "race_date", "template", "skipped_weeks", "created_at"]
    list_filter = ["template"]
    list_select_related = ["template"]
    search_fields = ["=user_id", "race_name"]
    readonly_fields = ["runner", "user_id", "race_id", "created_at"]
    inlines = [PlannedSessionInline]
