from django.apps import AppConfig


class StravaConfig(AppConfig):
    name = "apps.strava"
    label = "strava"
    verbose_name = "Strava"
