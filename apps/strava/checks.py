"""`manage.py check --deploy`: Strava's webhook is public and unsigned, so in production its URL carries a secret."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def webhook_path_secret(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.STRAVA_CLIENT_ID and not settings.STRAVA_WEBHOOK_PATH_SECRET:
        return [
            checks.Error(
                "STRAVA_WEBHOOK_PATH_SECRET is empty while Strava is configured: anyone could post events to "
                "/strava/webhook/, and each one for a connected athlete costs a call of the app's Strava quota.",
                hint="Set STRAVA_WEBHOOK_PATH_SECRET to a long random value, then `manage.py strava_webhook create`.",
                id="strava.E001",
            )
        ]
    return []
