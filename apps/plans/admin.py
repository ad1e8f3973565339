from django.contrib import admin

from apps.plans.models import Plan, PlannedSession, PlanTemplate, TemplateSession


class TemplateSessionInline(admin.TabularInline):
    model = TemplateSession
    extra = 0


@admin.register(PlanTemplate)
class PlanTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "distance_m", "level", "weeks"]
    list_filter = ["level"]
    search_fields = ["name", "slug"]
    inlines = [TemplateSessionInline]


class PlannedSessionInline(admin.TabularInline):
    model = PlannedSession
    extra = 0
    readonly_fields = ["run_id"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["user_id", "race_name", "race_date", "template", "skipped_weeks", "created_at"]
    list_filter = ["template"]
    search_fields = ["=user_id", "race_name"]
    readonly_fields = ["user_id", "race_id", "created_at"]
    inlines = [PlannedSessionInline]
