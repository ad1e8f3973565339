from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from apps.tokendealer import dealing
from apps.tokendealer.models import ServiceClient


class Command(BaseCommand):
    help = "Manage the services that may ask the token dealer for tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="register a service; prints its secret once")
        create.add_argument("client_id")
        create.add_argument("--audience", action="append", required=True, help="a service it may call (repeat)")
        create.add_argument(
            "--scope", action="append", help="a scope it may get, read or write (repeat); default: both"
        )
        create.add_argument("--name", default="")
        sub.add_parser("list", help="every client")
        disable = sub.add_parser("disable", help="refuse its token requests, and its tokens within seconds")
        disable.add_argument("client_id")

    def handle(self, *args, **options):
        if options["action"] == "create":
            try:
                secret = dealing.client_create(
                    client_id=options["client_id"],
                    audiences=options["audience"],
                    scopes=options["scope"],
                    name=options["name"],
                )
            except IntegrityError:
                raise CommandError(f"a client {options['client_id']!r} exists already") from None
            self.stdout.write(f"client_id: {options['client_id']}")
            self.stdout.write(f"client_secret: {secret}")
            self.stdout.write(self.style.WARNING("Store the secret now (RPC_CLIENT_SECRET): it is not shown again."))
        elif options["action"] == "list":
            for client in ServiceClient.objects.all():
                state = "active" if client.active else "disabled"
                audiences, scopes = ",".join(client.audiences), ",".join(client.scopes)
                self.stdout.write(f"{client.client_id}  {state}  audiences={audiences}  scopes={scopes}")
        else:
            if not ServiceClient.objects.filter(client_id=options["client_id"]).update(active=False):
                raise CommandError(f"no client {options['client_id']!r}")
            self.stdout.write(self.style.SUCCESS(f"{options['client_id']} is disabled."))
