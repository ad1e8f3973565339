from django.apps import AppConfig


class TokenDealerConfig(AppConfig):
    name = "apps.tokendealer"
    label = "tokendealer"
    verbose_name = "Token dealer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.tokendealer import dealing
        from project.rpc import jwt_auth

        # Callers and verifiers in this process get tokens, keys and client checks without a request to themselves.
        jwt_auth.local_dealer = jwt_auth.LocalDealer(
            token=dealing.token_here, jwks=dealing.jwks_here, introspect=dealing.introspect_here
        )
