from django.core.management.base import BaseCommand

from project.rpc import interface, remote, routing
from project.rpc.errors import ServiceError


class Command(BaseCommand):
    help = "List every registered service interface, where it is routed, and whether remote ones answer."

    def handle(self, *args, **options):
        services = interface.registered_services()
        if not services:
            self.stdout.write("No service interfaces are registered.")
            return
        width = max(len(name) for name in services)
        for name, service in services.items():
            route = routing.routing_for(name)
            if route == routing.LOCAL:
                status = self.style.SUCCESS(f"in-process ({len(service.method_names())} methods)")
            else:
                try:
                    methods = remote.RemoteClient(service, route).ping()
                except ServiceError as error:
                    status = self.style.ERROR(f"DOWN: {error.message}")
                else:
                    missing = sorted(set(service.method_names()) - set(methods))
                    status = (
                        self.style.SUCCESS("answers")
                        if not missing
                        else self.style.WARNING(f"answers, but lacks {', '.join(missing)}")
                    )
            circuit = "" if route == routing.LOCAL else f"  circuit {remote.breaker_for(name).current_state}"
            self.stdout.write(f"{name:<{width}}  {route:<30}  {status}{circuit}")
