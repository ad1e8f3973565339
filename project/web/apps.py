from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "project.web"
    label = "web"
    verbose_name = "Web pages (shared layout and formatting)"

    def ready(self) -> None:
        # The project's authentication keeping its cache true to the auth user, DRF's Token and the runners'
        # personal tokens (settings.API_TOKEN_MODEL); these
        # are framework models, and no app of ours listens to another through them.
        from django.conf import settings
        from django.contrib import admin
        from django.db.models.signals import post_delete, post_save
        from rest_framework.authtoken.models import Token

        from project import authentication
        from project.web.admin_login import AdminLoginForm

        admin.site.login_form = AdminLoginForm

        post_delete.connect(authentication.forget_deleted_token, sender=Token, dispatch_uid="forget_deleted_token")
        post_delete.connect(
            authentication.forget_deleted_personal_token,
            sender=settings.API_TOKEN_MODEL,
            dispatch_uid="forget_deleted_personal_token",
        )
        post_save.connect(
            authentication.forget_tokens_of_inactive_user,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="forget_tokens_of_inactive_user",
        )
