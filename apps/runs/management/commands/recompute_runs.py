from django.core.management.base import BaseCommand

from apps.runs import operations, queries
from project import commands


class Command(BaseCommand):
    help = "Compute runs' stats (distance, moving time, elevation, splits, best efforts) again from their streams."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="only this runner's runs")

    def handle(self, *args, **options):
        runs = queries.list_runs_with_streams()
        if options["user"]:
            runs = queries.list_runs_with_streams(user_id=commands.find_runner(options["user"]).id)
        total = runs.count()
        for done, run in enumerate(runs.iterator(chunk_size=200), start=1):
            operations.recompute_run(run=run)
            if done % 100 == 0 or done == total:
                self.stdout.write(f"{done}/{total} runs recomputed")
        self.stdout.write(self.style.SUCCESS(f"Recomputed {total} runs."))
