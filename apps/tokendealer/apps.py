from django.apps import AppConfig


class TokenDealerConfig(AppConfig):
    name = "apps.tokendealer"
    label = "tokendealer"
    verbose_name = "Token dealer"
    default_auto_field = "django.db.models.BigAutoField"
