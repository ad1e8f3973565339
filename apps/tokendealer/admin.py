import secrets

from django.contrib import admin, messages

from apps.tokendealer import dealing
from apps.tokendealer.models import ServiceClient, SigningKey
from project.web import admin as web_admin


@admin.register(ServiceClient)
class ServiceClientAdmin(web_admin.AppAdmin):
    list_display = ["client_id", "name", "audiences", "scopes", "active", "last_token_at"]
    list_filter = ["active"]
    search_fields = ["client_id", "name"]
    exclude = ["secret_hash"]
    readonly_fields = ["created_at", "last_token_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            secret = secrets.token_urlsafe(32)
            obj.secret_hash = dealing.secret_digest(secret)
            messages.warning(
                request, f"The secret of {obj.client_id} is {secret} — copy it now, it is not shown again."
            )
        super().save_model(request, obj, form, change)


@admin.register(SigningKey)
class SigningKeyAdmin(web_admin.AppAdmin):
    list_display = ["kid", "status", "created_at", "retired_at"]
    list_filter = ["status"]
    exclude = ["private_key"]
    readonly_fields = ["kid", "public_jwk", "status", "created_at", "retired_at"]

    def has_add_permission(self, request):
        return False  # `manage.py tokendealer_keys rotate`
