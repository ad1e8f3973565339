from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PlansConfig(AppConfig):
    name = "apps.plans"
    label = "plans"
    verbose_name = "Training plans"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.plans.fixtures_loader import load_templates_if_empty

        post_migrate.connect(load_templates_if_empty, sender=self, dispatch_uid="plans.load_templates")
