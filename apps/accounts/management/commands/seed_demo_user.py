from django.core.management.base import BaseCommand

from apps.accounts import operations

DEMO_EMAIL = "demo@runnerly.example"
DEMO_PASSWORD = "runnerly-demo-2026"


class Command(BaseCommand):
    help = "Create (or refresh) the demo runner with a confirmed address and a profile. Safe to run twice."

    def handle(self, *args, **options):
        _user, created = operations.ensure_demo_user(email=DEMO_EMAIL, password=DEMO_PASSWORD)
        verb = "Created" if created else "Refreshed"
        self.stdout.write(self.style.SUCCESS(f"{verb} the demo runner: log in as {DEMO_EMAIL} / {DEMO_PASSWORD}"))
