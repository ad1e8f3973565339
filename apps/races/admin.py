from django import forms
from django.contrib import admin, messages
from django.db import models, transaction

from apps.races import operations
from apps.races.models import Race, Registration
from project.web import admin as web_admin


class RegistrationInline(web_admin.ExtractableAppMixin, admin.TabularInline):
    model = Registration
    extra = 0
    readonly_fields = [
        "user_id",
        "created_at",
        "result_run_id",
        "finish_time",
        "result_distance",
        "result_confirmed_at",
    ]
    exclude = ["finish_s", "result_distance_m"]

    finish_time = web_admin.duration_column("finish_s", "Finish time")
    result_distance = web_admin.distance_column("result_distance_m", "Result distance")


@admin.register(Race)
class RaceAdmin(web_admin.RunnerColumnMixin, web_admin.AppAdmin):
    runner_field = "added_by_id"
    list_display = ["name", "race_date", "distance", "city", "country", "added_by", "hidden", "merged_into"]
    list_filter = ["hidden", "race_date", "country"]
    list_select_related = ["merged_into"]
    search_fields = ["name", "city", "country", "=added_by_id"]
    readonly_fields = ["added_by", "merged_into", "created_at", "updated_at"]
    inlines = [RegistrationInline]
    actions = ["merge_into_oldest", "hide_as_spam"]
    formfield_overrides = {models.URLField: {"form_class": forms.URLField, "assume_scheme": "https"}}

    distance = web_admin.distance_column("distance_m")

    def save_model(self, request, obj, form, change):
        """A staff edit tells plans of a new date or name, as the author's would (`operations.announce_changes`)."""
        with transaction.atomic():
            before = Race.objects.filter(pk=obj.pk).values_list("race_date", "name").first() if change else None
            super().save_model(request, obj, form, change)
            if before is not None:
                operations.announce_changes(obj, old_date=before[0], old_name=before[1])

    @admin.display(description="Added by")
    def added_by(self, obj):
        return self.runner(obj)

    @admin.action(description="Merge the selected duplicates into the one added first")
    def merge_into_oldest(self, request, queryset):
        races = list(queryset.order_by("created_at", "id"))
        if len(races) < 2:
            self.message_user(request, "Select at least two races to merge.", messages.ERROR)
            return
        for duplicate in races[1:]:
            operations.merge_races(duplicate=duplicate, into=races[0])
        self.message_user(request, f"Merged {len(races) - 1} race(s) into “{races[0].name}”.", messages.SUCCESS)

    @admin.action(description="Hide the selected races (spam)")
    def hide_as_spam(self, request, queryset):
        hidden = queryset.update(hidden=True)
        self._forget_kept([])
        self.message_user(request, f"Hid {hidden} race(s).", messages.SUCCESS)


@admin.register(Registration)
class RegistrationAdmin(web_admin.RunnerColumnMixin, web_admin.AppAdmin):
    list_display = ["race", "runner", "created_at", "finish_time", "result_shared"]
    list_select_related = ["race"]
    search_fields = ["=user_id", "race__name"]
    raw_id_fields = ["race"]
    readonly_fields = ["runner"]

    finish_time = web_admin.duration_column("finish_s", "Finish time")
