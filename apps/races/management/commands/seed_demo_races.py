import datetime

from django.core.management.base import BaseCommand

from apps.races import operations, queries
from apps.races.interface.service import races_service
from project import commands

# (name, days from today, distance, city, country, latitude, longitude, zone). The first is 12 weeks
# and two days away, so the demo plan's first week has not started yet in any time zone.
DEMO_RACES = [
    ("Runnerly Spring Half", 86, 21097.5, "Paris", "France", 48.8566, 2.3522, "Europe/Paris"),
    ("Canal 10K", 35, 10000.0, "Amsterdam", "Netherlands", 52.3676, 4.9041, "Europe/Amsterdam"),
    ("Harbour 5K", 21, 5000.0, "Copenhagen", "Denmark", 55.6761, 12.5683, "Europe/Copenhagen"),
    ("Alpine Marathon", 140, 42195.0, "Annecy", "France", 45.8992, 6.1294, "Europe/Paris"),
]


class Command(BaseCommand):
    help = "Add a few upcoming races (once), and put the runner down for the first. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", required=True, help="who adds them and runs the first")

    def handle(self, *args, **options):
        user = commands.find_runner(options["user"])
        today = datetime.date.today()
        added = 0
        for name, days, distance, city, country, lat, lon, zone in DEMO_RACES:
            race = queries.list_visible_races().filter(name=name).first()
            if race is None:
                race = operations.create_race(
                    added_by_id=user.id,
                    local_date=today + datetime.timedelta(days=days),
                    local_time=datetime.time(9, 0),
                    zone=zone,
                    name=name,
                    distance_m=distance,
                    city=city,
                    country=country,
                    latitude=lat,
                    longitude=lon,
                )
                added += 1
            if name == DEMO_RACES[0][0]:
                races_service.set_running(user_id=user.id, race_id=race.pk, running=True)
        self.stdout.write(self.style.SUCCESS(f"{added} demo races added; {user.email} is running the first."))
