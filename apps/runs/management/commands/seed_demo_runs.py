import datetime
import math
import random

from django.core.management.base import BaseCommand

from apps.runs.interface import contracts
from apps.runs.interface.service import runs_service
from project import commands

# A loop in the Bois de Boulogne, Paris.
CENTRE = (48.8625, 2.2490)
METRES_PER_DEGREE = 111_195.0


class Command(BaseCommand):
    help = "Give a runner a year of realistic runs, generated deterministically. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, metavar="EMAIL")
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, user, days, seed, **options):
        profile = commands.find_runner(user)
        today = datetime.date.today()
        created = 0
        for offset in range(days, -1, -1):
            # One generator per day back from today: the same days get runs whatever the date.
            rng = random.Random(seed * 100_000 + offset)
            if rng.random() > 0.55:  # about four runs a week
                continue
            draft = self._run(rng, profile.id, today - datetime.timedelta(days=offset))
            created += runs_service.record_run(draft=draft).created
        self.stdout.write(self.style.SUCCESS(f"{created} demo runs added for {user}."))

    def _run(self, rng: random.Random, user_id: int, day: datetime.date) -> contracts.RunDraft:
        long_run = day.weekday() == 6
        distance = rng.uniform(14000, 22000) if long_run else rng.uniform(5000, 11000)
        speed = 1000 / rng.uniform(285, 345)  # 4:45 to 5:45 per km
        radius = rng.uniform(700, 1100)
        start = datetime.datetime.combine(day, datetime.time(7, rng.randrange(0, 50)), datetime.UTC)
        time_s, lat, lon, ele, hr = [], [], [], [], []
        covered, t = 0.0, 0.0
        while covered <= distance:
            angle = covered / radius
            wobble = 1 + 0.05 * math.sin(angle * 3)
            lat.append(CENTRE[0] + radius * wobble * math.sin(angle) / METRES_PER_DEGREE)
            lon.append(
                CENTRE[1] + radius * wobble * math.cos(angle) / (METRES_PER_DEGREE * math.cos(math.radians(CENTRE[0])))
            )
            ele.append(round(40 + 12 * math.sin(angle) + rng.uniform(-0.3, 0.3), 1))
            hr.append(int(138 + 14 * min(t / 900, 1) + rng.uniform(-3, 3)))
            time_s.append(t)
            step = speed * rng.uniform(0.93, 1.07) * 5
            covered += step
            t += 5
        return contracts.RunDraft(
            user_id=user_id,
            source=contracts.Source.FILE,
            source_id=f"demo:{day.isoformat()}",
            name="Long run" if long_run else rng.choice(["Morning run", "Easy run", "Tempo", "Recovery run"]),
            start=start,
            streams=contracts.Streams(time_s=time_s, latitude=lat, longitude=lon, elevation_m=ele, heart_rate=hr),
        )
