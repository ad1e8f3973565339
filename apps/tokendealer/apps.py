from django.apps import AppConfig


class TokenDealerConfig(AppConfig):
    name = "apps.tokendealer"
    label = "tokendealer"
    verbose_name = "Token dealer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.tokendealer import dealing
        from project.rpc import jwt_auth

        jwt_auth.client_checks.local = dealing.introspect_here  # verifiers in this process ask the dealer directly
