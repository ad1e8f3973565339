from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class RpcConfig(AppConfig):
    name = "project.rpc"
    label = "rpc"
    verbose_name = "Service interfaces"

    def ready(self) -> None:
        # Register every installed app's interface, so the internal endpoint can answer for it.
        autodiscover_modules("interface.service")
