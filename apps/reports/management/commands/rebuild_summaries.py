from django.core.management.base import BaseCommand

from apps.accounts.interface.service import accounts_service
from apps.reports import operations
from project import commands


class Command(BaseCommand):
    help = "Compute every runner's monthly summaries again from their runs (after a deploy, or to check them)."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="only this runner")

    def _user_ids(self, email: str | None):
        if email:
            yield commands.find_runner(email).id
            return
        after_id = 0
        while ids := accounts_service.list_user_ids(after_id=after_id, limit=500):
            yield from ids
            after_id = ids[-1]

    def handle(self, *args, **options):
        users = months = 0
        for user_id in self._user_ids(options["user"]):
            stored = operations.rebuild_summaries(user_id=user_id)
            users, months = users + 1, months + stored
            self.stdout.write(f"user {user_id}: {stored} month{'s' if stored != 1 else ''}")
        self.stdout.write(
            self.style.SUCCESS(f"Rebuilt {months} monthly summaries for {users} user{'s' if users != 1 else ''}.")
        )
