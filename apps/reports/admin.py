from django.contrib import admin

from apps.reports.models import MonthSummary, ReportDelivery


@admin.register(MonthSummary)
class MonthSummaryAdmin(admin.ModelAdmin):
    list_display = ["user_id", "year", "month", "runs", "distance_m", "active_days", "requested", "computed"]
    list_filter = ["year"]
    search_fields = ["=user_id"]
    readonly_fields = [field.name for field in MonthSummary._meta.fields]  # derived data: rebuild_summaries

    def has_add_permission(self, request):
        return False


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(admin.ModelAdmin):
    list_display = ["user_id", "year", "month", "status", "email", "attempts", "claimed_at", "sent_at"]
    list_filter = ["status", "year", "month"]
    search_fields = ["=user_id", "email"]
    readonly_fields = [field.name for field in ReportDelivery._meta.fields]

    def has_add_permission(self, request):
        return False
