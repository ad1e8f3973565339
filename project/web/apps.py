from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "project.web"
    label = "web"
    verbose_name = "Web pages (shared layout and formatting)"
