from django.core.management.base import BaseCommand

from apps.plans.interface.service import plans_service
from apps.races.interface.service import races_service
from project import commands


class Command(BaseCommand):
    help = "Put the runner on a plan for the first race they run that has a matching template. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", required=True)

    def handle(self, *args, **options):
        user = commands.find_runner(options["user"])
        planned = {plan.race_id for plan in plans_service.list_plans(user_id=user.id)}
        templates = {t.distance_m: t for t in plans_service.list_templates() if t.level == "intermediate"}
        for race in races_service.list_races_of_runner(user_id=user.id):
            if race.id in planned:
                self.stdout.write(f"{user.email} already has a plan for {race.name}.")
                return
            template = templates.get(race.distance_m)
            if template is not None:
                plan = plans_service.create_plan(
                    user_id=user.id, race_id=race.id, template=template.slug, training_days=[1, 3, 5, 6]
                )
                skipped = f", {plan.skipped_weeks} early weeks skipped" if plan.skipped_weeks else ""
                self.stdout.write(
                    self.style.SUCCESS(f"{template.name} for {race.name}: {len(plan.sessions)} sessions{skipped}.")
                )
                return
        self.stdout.write("No race with a matching plan; nothing to do.")
