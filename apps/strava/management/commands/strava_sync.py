from django.core.management.base import BaseCommand, CommandError

from apps.strava import client, operations, queries
from project import commands


class Command(BaseCommand):
    help = "Import Strava activities now, for every connected runner or one, within the app's rate limit."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="only this runner")
        parser.add_argument(
            "--full", action="store_true", help="read the whole history again (nothing is stored twice)"
        )

    def handle(self, *args, user=None, full=False, **options):
        connections = queries.list_active_connections()
        if user:
            connections = queries.list_active_connections(user_id=commands.find_runner(user).id)
            if not connections.exists():
                raise CommandError(f"{user} has no active Strava connection")
        for connection in connections:
            if full:
                operations.restart_backfill(connection_id=connection.pk)
            pages = 0
            try:
                while operations.import_next_page(connection_id=connection.pk):
                    pages += 1
                    connection.refresh_from_db()
                    self.stdout.write(f"athlete {connection.athlete_id}: {connection.imported} imported so far")
            except client.RateLimited as limited:
                operations.pause_backfill(connection_id=connection.pk, until=limited.retry_at)
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
