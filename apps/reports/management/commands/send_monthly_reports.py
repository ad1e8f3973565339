import collections
import re
import zoneinfo

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.accounts.interface.service import accounts_service
from apps.reports import mailing
from project import commands


def _month(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{4})-(\d{2})", value)
    if not match or not 1 <= int(match[2]) <= 12:
        raise CommandError(f"--month must look like 2026-10, got {value!r}")
    return int(match[1]), int(match[2])


class Command(BaseCommand):
    help = (
        "Send monthly report emails. Without --month: to everyone due now (what the hourly beat task does). "
        "With --month: that month's report to every recipient who has not had it. Never sends a month twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", metavar="YYYY-MM", type=_month, help="the month to report on")
        parser.add_argument("--user", metavar="EMAIL", help="only this runner")
        parser.add_argument("--dry-run", action="store_true", help="say who would get what; send and record nothing")

    def _targets(self, month: tuple[int, int] | None, email: str | None):
        if email:
            profile = commands.find_runner(email)
            if month is None:
                month = mailing.report_month_for(timezone.now().astimezone(zoneinfo.ZoneInfo(profile.timezone)))
                if month is None:
                    raise CommandError("this runner's report is not due now; give --month YYYY-MM")
            yield profile.id, *month
            return
        if month is None:
            yield from mailing.due(timezone.now())
            return
        after_id = 0
        while True:
            page = accounts_service.list_report_recipients(after_id=after_id, limit=500)
            for recipient in page.recipients:
                yield recipient.id, *month
            if page.next_after_id is None:
                return
            after_id = page.next_after_id

    def handle(self, *args, **options):
        outcomes: collections.Counter[str] = collections.Counter()
        dry_run = options["dry_run"]
        for user_id, year, month in self._targets(options["month"], options["user"]):
            outcome = mailing.send_report(user_id=user_id, year=year, month=month, dry_run=dry_run)
            outcomes[outcome] += 1
            verb = "would be " if dry_run and outcome in {"sent", "skipped"} else ""
            self.stdout.write(f"user {user_id}, {year}-{month:02d}: {verb}{outcome}")
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items())) or "nobody is due"
        self.stdout.write(self.style.SUCCESS(("Dry run: " if dry_run else "") + summary + "."))
