from django.apps import AppConfig


class StravaConfig(AppConfig):
    name = "apps.strava"
    label = "strava"
    verbose_name = "Strava"

    def ready(self) -> None:
        from apps.strava import checks  # noqa: F401  (registers the deploy check)
