from django import forms
from django.contrib import admin, messages
from django.db import models

from apps.races import operations
from apps.races.models import Race, Registration


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    readonly_fields = [
        "user_id",
        "created_at",
        "result_run_id",
        "finish_s",
        "result_distance_m",
        "result_confirmed_at",
    ]


@admin.register(Race)
class RaceAdmin(admin.ModelAdmin):
    list_display = ["name", "race_date", "distance_m", "city", "country", "added_by_id", "hidden", "merged_into"]
    list_filter = ["hidden", "race_date", "country"]
    search_fields = ["name", "city", "country", "=added_by_id"]
    readonly_fields = ["merged_into", "created_at", "updated_at"]
    inlines = [RegistrationInline]
    actions = ["merge_into_oldest", "hide_as_spam"]
    formfield_overrides = {models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}}

    @admin.action(description="Merge the selected duplicates into the one added first")
    def merge_into_oldest(self, request, queryset):
        races = list(queryset.order_by("created_at", "id"))
        if len(races) < 2:
            self.message_user(request, "Select at least two races to merge.", messages.ERROR)
            return
        for duplicate in races[1:]:
            operations.race_merge(duplicate=duplicate, into=races[0])
        self.message_user(request, f"Merged {len(races) - 1} race(s) into “{races[0].name}”.", messages.SUCCESS)

    @admin.action(description="Hide the selected races (spam)")
    def hide_as_spam(self, request, queryset):
        hidden = queryset.update(hidden=True)
        self.message_user(request, f"Hid {hidden} race(s).", messages.SUCCESS)


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["race", "user_id", "created_at", "finish_s", "result_shared"]
    search_fields = ["=user_id", "race__name"]
    raw_id_fields = ["race"]
