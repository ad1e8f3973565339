from django.core.management.base import BaseCommand, CommandError

from apps.accounts.interface import errors as accounts_errors
from apps.accounts.interface.service import accounts_service
from apps.runs import operations
from apps.runs.models import Run


class Command(BaseCommand):
    help = "Compute runs' stats (distance, moving time, elevation, splits, best efforts) again from their streams."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="only this runner's runs")

    def handle(self, *args, **options):
        runs = Run.objects.filter(streams__isnull=False).order_by("id")
        if options["user"]:
            try:
                runs = runs.filter(user_id=accounts_service.find_user_by_email(email=options["user"]).id)
            except accounts_errors.UserNotFound as error:
                raise CommandError(error.message) from None
        total = runs.count()
        for done, run in enumerate(runs.iterator(chunk_size=200), start=1):
            operations.run_recompute(run=run)
            if done % 100 == 0 or done == total:
                self.stdout.write(f"{done}/{total} runs recomputed")
        self.stdout.write(self.style.SUCCESS(f"Recomputed {total} runs."))
