from django.core.management.base import BaseCommand, CommandError

from apps.accounts.interface import errors as accounts_errors
from apps.accounts.interface.service import accounts_service
from apps.strava import client, operations
from apps.strava.models import StravaConnection


class Command(BaseCommand):
    help = "Import Strava activities now, for every connected runner or one, within the app's rate limit."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="only this runner")
        parser.add_argument(
            "--full", action="store_true", help="read the whole history again (nothing is stored twice)"
        )

    def handle(self, *args, user=None, full=False, **options):
        connections = StravaConnection.objects.filter(status=StravaConnection.Status.ACTIVE).order_by("id")
        if user:
            try:
                connections = connections.filter(user_id=accounts_service.find_user_by_email(email=user).id)
            except accounts_errors.UserNotFound as error:
                raise CommandError(error.message) from None
            if not connections.exists():
                raise CommandError(f"{user} has no active Strava connection")
        for connection in connections:
            if full:
                StravaConnection.objects.filter(pk=connection.pk).update(backfill_after=0, imported=0)
            pages = 0
            try:
                while operations.backfill_step(connection_id=connection.pk):
                    pages += 1
                    connection.refresh_from_db()
                    self.stdout.write(f"athlete {connection.athlete_id}: {connection.imported} imported so far")
            except client.RateLimited as limited:
                operations.backfill_wait(connection_id=connection.pk, until=limited.retry_at)
                self.stdout.write(
                    self.style.WARNING(
                        f"athlete {connection.athlete_id}: Strava's rate limit reached; "
                        f"run again after {limited.retry_at:%H:%M} UTC (workers resume on their own)"
                    )
                )
                return
            except client.Unauthorized:
                self.stdout.write(self.style.ERROR(f"athlete {connection.athlete_id}: needs to connect again"))
                continue
            connection.refresh_from_db()
            self.stdout.write(
                self.style.SUCCESS(f"athlete {connection.athlete_id}: up to date, {connection.imported} imported")
            )
