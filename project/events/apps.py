from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class EventsConfig(AppConfig):
    name = "project.events"
    label = "events"
    verbose_name = "Events (outbox and inbox)"

    def ready(self) -> None:
        autodiscover_modules("subscribers")
