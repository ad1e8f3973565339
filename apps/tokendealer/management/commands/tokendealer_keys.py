from django.core.management.base import BaseCommand

from apps.tokendealer import keys
from apps.tokendealer.models import SigningKey


class Command(BaseCommand):
    help = "The token dealer's signing keys: `list`, or `rotate` (next signs, current retires, a new next is made)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["list", "rotate"])

    def handle(self, *args, **options):
        if options["action"] == "rotate":
            current = keys.rotate()
            self.stdout.write(self.style.SUCCESS(f"Rotated: {current.kid} signs now."))
        keys.ensure()
        for key in SigningKey.objects.all():
            self.stdout.write(f"{key.kid}  {key.status}")
