from django.core.management.base import BaseCommand

from apps.imports import operations, queries
from project import commands


class Command(BaseCommand):
    help = (
        "Read every stored upload again with this version's rules: runs from files that name no sport take "
        "the sport their speeds say, and outings an earlier version left out are imported. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="only this runner's uploads")

    def handle(self, *args, **options):
        uploads = queries.list_uploads()
        if options["user"]:
            uploads = queries.list_uploads(user_id=commands.find_runner(options["user"]).id)
        total, changed = uploads.count(), 0
        for done, upload in enumerate(uploads.iterator(chunk_size=100), start=1):
            for done_with in operations.reread_upload(upload=upload):
                changed += done_with.changed
                self.stdout.write(f"  {done_with.line}")
            if done % 100 == 0:
                self.stdout.write(f"{done}/{total} uploads read again")
        self.stdout.write(self.style.SUCCESS(f"Read {total} uploads again: {changed} changes."))
