from django.contrib import admin

from project.events.models import CoalescedWork, Delivery, InboxEntry, OutboxEvent


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    readonly_fields = ["subscriber", "attempts", "last_error", "next_attempt_at", "delivered_at"]
    can_delete = False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "created_at", "id"]
    list_filter = ["name"]
    search_fields = ["id", "name"]
    date_hierarchy = "created_at"
    readonly_fields = ["id", "name", "version", "payload", "created_at"]
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "subscriber", "attempts", "next_attempt_at", "delivered_at"]
    list_filter = ["subscriber", ("delivered_at", admin.EmptyFieldListFilter)]
    list_select_related = ["event"]
    search_fields = ["subscriber", "event__name", "last_error"]
    readonly_fields = ["event", "subscriber", "attempts", "last_error", "delivered_at"]


@admin.register(InboxEntry)
class InboxEntryAdmin(admin.ModelAdmin):
    list_display = ["event_id", "subscriber", "processed_at"]
    list_filter = ["subscriber"]
    search_fields = ["event_id", "subscriber"]


@admin.register(CoalescedWork)
class CoalescedWorkAdmin(admin.ModelAdmin):
    """What coalescing subscribers still owe: one run per key, once its events stop coming (decision 0018)."""

    list_display = ["subscriber", "key", "version", "first_at", "due_at", "started_at", "attempts"]
    list_filter = ["subscriber"]
    search_fields = ["subscriber", "key", "last_error"]
    readonly_fields = ["subscriber", "key", "event_name", "payload", "version", "first_at", "started_at", "attempts"]
