from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from apps.accounts.models import PROFILE_FIELDS, ApiToken, DataExport, User
from project.web import admin as web_admin

# A user's addresses are edited on the user's page: one accounts section, not allauth's second one.
if admin.site.is_registered(EmailAddress):
    admin.site.unregister(EmailAddress)


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class EmailAddressInline(admin.TabularInline):
    model = EmailAddress
    extra = 0
    fields = ["email", "verified", "primary"]


@admin.register(User)
class UserAdmin(web_admin.ExtractableAppMixin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "display_name", "timezone", "units", "wants_monthly_report", "is_active", "date_joined"]
    list_filter = ["is_active", "is_staff", "units", "wants_monthly_report", "date_joined"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [EmailAddressInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": list(PROFILE_FIELDS)}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "usable_password", "password1", "password2"]})]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Runners make their own tokens on their profile; staff can see and delete them (revoking at once)."""

    list_display = ("name", "user", "prefix", "scope", "created_at", "expires_at", "last_used_at")
    list_select_related = ["user"]
    search_fields = ["user__email", "name", "prefix"]
    list_filter = ["scope"]
    fields = readonly_fields = list_display

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(DataExport)
class DataExportAdmin(web_admin.RunnerColumnMixin, web_admin.AppAdmin):
    """Runners' data exports: what was built and when it goes. Read only: the runner asks for one."""

    list_display = ["id", "runner", "status", "done", "total", "size", "created_at", "expires_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["=user_id", "message"]
    fields = readonly_fields = (
        "runner",
        "status",
        "done",
        "total",
        "size",
        "message",
        "created_at",
        "finished_at",
        "expires_at",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
