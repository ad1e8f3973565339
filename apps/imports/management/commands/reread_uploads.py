from django.core.management.base import BaseCommand, CommandError

from apps.accounts.interface import errors as accounts_errors
from apps.accounts.interface.service import accounts_service
from apps.imports import operations
from apps.imports.models import Upload


class Command(BaseCommand):
    help = (
        "Read every stored upload again with this version's rules: runs from files that name no sport take "
        "the sport their speeds say, and outings an earlier version left out are imported. Safe to run twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="only this runner's uploads")

    def handle(self, *args, **options):
        uploads = Upload.objects.order_by("created_at")
        if options["user"]:
            try:
                uploads = uploads.filter(user_id=accounts_service.find_user_by_email(email=options["user"]).id)
            except accounts_errors.UserNotFound as error:
                raise CommandError(error.message) from None
        total, changed = uploads.count(), 0
        for done, upload in enumerate(uploads.iterator(chunk_size=100), start=1):
            for done_with in operations.upload_reread(upload=upload):
                changed += done_with.changed
                self.stdout.write(f"  {done_with.line}")
            if done % 100 == 0:
                self.stdout.write(f"{done}/{total} uploads read again")
        self.stdout.write(self.style.SUCCESS(f"Read {total} uploads again: {changed} changes."))
