from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "project.web"
    label = "web"
    verbose_name = "Web pages (shared layout and formatting)"

    def ready(self) -> None:
        # DRF's Token belongs to no app of ours: this is not a signal between our apps.
        from django.db.models.signals import post_delete
        from rest_framework.authtoken.models import Token

        from project.authentication import forget_deleted_token

        post_delete.connect(forget_deleted_token, sender=Token, dispatch_uid="forget_deleted_token")
