from django.core.management.base import BaseCommand, CommandError

from apps.accounts.interface import errors as accounts_errors
from apps.accounts.interface.service import accounts_service
from apps.reports import operations


class Command(BaseCommand):
    help = "Compute every runner's monthly summaries again from their runs (after a deploy, or to check them)."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="only this runner")

    def _user_ids(self, email: str | None):
        if email:
            try:
                yield accounts_service.find_user_by_email(email=email).id
            except accounts_errors.UserNotFound as error:
                raise CommandError(error.message) from None
            return
        after_id = 0
        while ids := accounts_service.list_user_ids(after_id=after_id, limit=500):
            yield from ids
            after_id = ids[-1]

    def handle(self, *args, **options):
        users = months = 0
        for user_id in self._user_ids(options["user"]):
            stored = operations.summaries_rebuild(user_id=user_id)
            users, months = users + 1, months + stored
            self.stdout.write(f"user {user_id}: {stored} month{'s' if stored != 1 else ''}")
        self.stdout.write(
            self.style.SUCCESS(f"Rebuilt {months} monthly summaries for {users} user{'s' if users != 1 else ''}.")
        )
