from django.contrib import admin, messages

from apps.reports import mailing
from apps.reports.models import MonthSummary, ReportDelivery
from project.web import admin as web_admin


class _SendAgainAdmin(web_admin.RunnerColumnMixin, web_admin.AppAdmin):
    """Staff send a month's report again (the runner lost it, or its send stopped half-way, `sending`):
    its send log row goes and the report is sent as the monthly run sends it, opt-out and all."""

    actions = ["send_again"]

    @admin.action(description="Send this month's report again to the runner")
    def send_again(self, request, queryset):
        rows = list(queryset)
        self.attach_runners(rows)
        for row in rows:
            ReportDelivery.objects.filter(user_id=row.user_id, year=row.year, month=row.month).delete()
            outcome = mailing.send_report(user_id=row.user_id, year=row.year, month=row.month)
            level = messages.SUCCESS if outcome == "sent" else messages.WARNING
            self.message_user(request, f"{row.year}-{row.month:02d}, {self.runner_text(row)}: {outcome}.", level)


@admin.register(MonthSummary)
class MonthSummaryAdmin(_SendAgainAdmin):
    list_display = [
        "runner",
        "year",
        "month",
        "runs",
        "distance",
        "moving_time",
        "active_days",
        "requested",
        "computed",
    ]
    list_filter = ["year"]
    search_fields = ["=user_id"]
    readonly_fields = ["runner", *(field.name for field in MonthSummary._meta.fields)]  # derived: rebuild_summaries

    distance = web_admin.distance_column("distance_m")
    moving_time = web_admin.duration_column("moving_s", "Moving time")

    def has_add_permission(self, request):
        return False


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(_SendAgainAdmin):
    list_display = ["runner", "year", "month", "status", "email", "attempts", "claimed_at", "sent_at"]
    list_filter = ["status", "year", "month"]
    search_fields = ["=user_id", "email"]
    readonly_fields = ["runner", *(field.name for field in ReportDelivery._meta.fields)]

    def has_add_permission(self, request):
        return False
