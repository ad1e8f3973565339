from django.core.management import call_command
from django.core.management.base import BaseCommand

DEMO_EMAIL = "demo@runnerly.example"


class Command(BaseCommand):
    help = (
        "Load the demo data of every app: the demo runner, a year of their runs, a few races and a plan. "
        "Safe to run twice."
    )

    def handle(self, *args, **options):
        # Each app seeds its own data through its own command: no app reaches into another here.
        call_command("seed_demo_user", stdout=self.stdout)
        call_command("seed_demo_runs", user=DEMO_EMAIL, stdout=self.stdout)
        call_command("seed_demo_races", user=DEMO_EMAIL, stdout=self.stdout)
        call_command("seed_demo_plan", user=DEMO_EMAIL, stdout=self.stdout)
