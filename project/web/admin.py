"""What every admin page of ours shares: the site's name, the runner's email instead of a bare id,
readable units, and an extracted app's pages kept out of the monolith's admin.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.urls import reverse
from django.utils.html import format_html

from apps.accounts.interface.service import MAX_PAGE_SIZE, accounts_service
from project.rpc import versions
from project.web.templatetags import units

admin.site.site_header = admin.site.site_title = "Runnerly administration"
admin.site.index_title = "Apps and their data"

_RUNNER = "_admin_runner"  # where a list row keeps the profile fetched for its page


class ExtractableAppMixin:
    """An app lifted out (settings.EXTRACTED_APPS) keeps its tables in its own service, which the monolith
    may not read: its admin pages disappear here (403 for an old link) instead of raising."""

    def _extracted(self) -> bool:
        return self.opts.app_label in settings.EXTRACTED_APPS  # type: ignore[attr-defined]

    def has_module_permission(self, request):
        return not self._extracted() and super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request, obj=None):
        return not self._extracted() and super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request, *args):
        return not self._extracted() and super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_change_permission(self, request, obj=None):
        return not self._extracted() and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request, obj=None):
        return not self._extracted() and super().has_delete_permission(request, obj)  # type: ignore[misc]


class AppAdmin(ExtractableAppMixin, admin.ModelAdmin):
    """The base of our apps' model admins.

    A row's runner (`user_id`) cannot be changed once it exists: moving a row between runners would go around
    every rule of its app (events, lists, kept answers of both runners).
    A staff edit or deletion goes around the app's operations, so it forgets here what they would: the version of
    the row's runner in the app's service, and the service's own, so that no caller keeps answering from before
    the edit (project/rpc/versions.py). The app's label is its service's name."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        owned = any(field.name == "user_id" for field in self.opts.fields)
        return [*fields, "user_id"] if obj is not None and owned and "user_id" not in fields else fields

    def _forget_kept(self, rows: Any) -> None:
        service = self.opts.app_label
        versions.forget(service)
        for user_id in {getattr(row, "user_id", None) for row in rows} - {None}:
            versions.forget(service, user_id=user_id)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # after the row and its inlines are saved
        self._forget_kept([form.instance])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._forget_kept([obj])

    def delete_queryset(self, request, queryset):
        rows = list(queryset)
        super().delete_queryset(request, queryset)
        self._forget_kept(rows)


class _RunnersChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)  # evaluates the page once; the template reuses it
        self.model_admin.attach_runners(rows)  # type: ignore[attr-defined]


SEARCH_RUNNERS_LIMIT = MAX_PAGE_SIZE  # runners a search by email finds at most


def _user_ids_of_email(term: str) -> list[int]:
    """The runners whose email contains the search text (a name, a domain, a whole address)."""
    term = term.strip()
    if any(character.isspace() for character in term):
        return []
    return accounts_service.search_user_ids(email_contains=term, limit=SEARCH_RUNNERS_LIMIT)


class RunnerColumnMixin:
    """A `runner` column with the email of the row's `runner_field` (a user id), fetched with one
    `get_users` call per list page; and a search by a runner's email (any part of it, any case)."""

    runner_field = "user_id"

    def get_changelist(self, request, **kwargs):
        return _RunnersChangeList

    def attach_runners(self, rows: list[Any]) -> None:
        user_ids = {getattr(row, self.runner_field) for row in rows} - {None}
        profiles = {p.id: p for p in accounts_service.get_users(user_ids=sorted(user_ids))} if user_ids else {}
        for row in rows:
            setattr(row, _RUNNER, profiles.get(getattr(row, self.runner_field)))

    def runner_text(self, obj) -> str:
        """The row's runner as plain text: their email, or what is known of them."""
        user_id = getattr(obj, self.runner_field)
        if user_id is None:
            return units.NOTHING
        if not hasattr(obj, _RUNNER):  # a change page: one row, one call
            self.attach_runners([obj])
        profile = getattr(obj, _RUNNER)
        return f"user {user_id} (deleted)" if profile is None else profile.email

    @admin.display(description="Runner")
    def runner(self, obj):
        text = self.runner_text(obj)
        if getattr(obj, _RUNNER, None) is None:
            return text
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:accounts_user_change", args=[getattr(obj, self.runner_field)]), text
        )

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)  # type: ignore[misc]
        user_ids = _user_ids_of_email(search_term)
        if len(user_ids) == SEARCH_RUNNERS_LIMIT:
            messages.warning(
                request,
                f"More than {SEARCH_RUNNERS_LIMIT} runners' emails contain “{search_term.strip()}”: only the rows of "
                f"the first {SEARCH_RUNNERS_LIMIT} are shown. Search for more of the address.",
            )
        if user_ids:
            found |= queryset.filter(**{f"{self.runner_field}__in": user_ids})
        return found, may_have_duplicates


# Columns in the units runners read, for `list_display` and `readonly_fields`.


def distance_column(field: str, description: str = "Distance") -> Callable[[Any, Any], str]:
    @admin.display(description=description, ordering=field)
    def column(model_admin, obj):
        return units.distance(getattr(obj, field))

    return column


def duration_column(field: str, description: str) -> Callable[[Any, Any], str]:
    @admin.display(description=description, ordering=field)
    def column(model_admin, obj):
        return units.duration(getattr(obj, field))

    return column


def pace_column(seconds_field: str, metres_field: str) -> Callable[[Any, Any], str]:
    @admin.display(description="Pace")
    def column(model_admin, obj):
        return units.pace(units.pace_per(getattr(obj, seconds_field), getattr(obj, metres_field)))

    return column
