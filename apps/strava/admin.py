from django.contrib import admin

from apps.strava import quota
from apps.strava.models import PendingEvent, StravaConnection
from project.web import admin as web_admin


@admin.register(StravaConnection)
class StravaConnectionAdmin(web_admin.RunnerColumnMixin, web_admin.AppAdmin):
    list_display = [
        "runner",
        "athlete_id",
        "athlete_name",
        "status",
        "backfill",
        "imported",
        "next_batch_at",
        "updated_at",
    ]
    list_filter = ["status", "backfill"]
    search_fields = ["=user_id", "=athlete_id", "athlete_name"]
    exclude = ["access_token", "refresh_token"]  # encrypted; never shown
    readonly_fields = [
        "runner",
        "user_id",
        "athlete_id",
        "scopes",
        "expires_at",
        "connected_at",
        "updated_at",
        "quota",
    ]

    @admin.display(description="App quota now (15 min / day)")
    def quota(self, obj):
        usage = quota.usage()
        return f"{usage['used_15']}/{usage['limit_15']} · {usage['used_day']}/{usage['limit_day']}"


@admin.register(PendingEvent)
class PendingEventAdmin(web_admin.AppAdmin):
    """Webhook events not followed yet (waiting for the rate limit, or for Strava or a service to be back)."""

    list_display = ["kind", "athlete_id", "activity_id", "received_at", "due_at", "attempts", "last_error"]
    list_filter = ["kind"]
    search_fields = ["=athlete_id", "=activity_id"]
    readonly_fields = ["athlete_id", "activity_id", "kind", "received_at", "attempts", "last_error"]
    ordering = ["due_at"]
