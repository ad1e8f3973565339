"""The monthly email: who is due, what it says, and sending it at most once per user and month.

The send log row is claimed (committed) before the message goes to the mail server and marked sent
after. A second run finds the row and sends nothing; a worker that dies between the two leaves the
row `sending`, which is never sent again automatically (better one missing email than two; staff
see it in the admin). The message is rendered before the claim, so that window is the SMTP
exchange alone.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from collections.abc import Iterator
from email.mime.image import MIMEImage

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from apps.accounts.interface import contracts as accounts_contracts
from apps.accounts.interface import errors as accounts_errors
from apps.accounts.interface.service import accounts_service
from apps.reports import charts, operations, summaries
from apps.reports.interface import contracts
from apps.reports.interface.local import LocalReportsService
from apps.reports.models import RETRYABLE, ReportDelivery
from apps.runs.interface import contracts as runs_contracts
from project.web.site import site_domain
from project.web.templatetags import dates

logger = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "reports.unsubscribe"
SITE_URLCONF = "project.urls"  # the public site's pages, which emails link to


def unsubscribe_token(user_id: int) -> str:
    return signing.dumps({"user": user_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def user_of_unsubscribe_token(token: str) -> int:
    """The user id a link was made for. Raises `signing.BadSignature` for a tampered or made-up token."""
    return int(signing.loads(token, salt=UNSUBSCRIBE_SALT)["user"])


def report_month_for(local_now: datetime.datetime) -> tuple[int, int] | None:
    """The month whose report is due at this local time, or None outside the sending window.

    Due from 08:00 (REPORTS_SEND_HOUR) on the 1st, for the month before, for REPORTS_CATCH_UP_DAYS days.
    """
    opens = local_now.replace(day=1, hour=settings.REPORTS_SEND_HOUR, minute=0, second=0, microsecond=0)
    if not opens <= local_now < opens + datetime.timedelta(days=settings.REPORTS_CATCH_UP_DAYS):
        return None
    return summaries.previous_month(local_now.year, local_now.month)


def due(now: datetime.datetime) -> Iterator[tuple[int, int, int]]:
    """(user id, year, month) of every recipient whose report is due at `now` and not yet sent."""
    after_id = 0
    while True:
        page = accounts_service.list_report_recipients(after_id=after_id, limit=500)
        candidates: dict[int, tuple[int, int]] = {}
        for recipient in page.recipients:
            due_month = report_month_for(now.astimezone(zoneinfo.ZoneInfo(recipient.timezone)))
            if due_month is not None:
                candidates[recipient.id] = due_month
        done = set(
            ReportDelivery.objects.filter(user_id__in=candidates)
            .exclude(RETRYABLE)
            .values_list("user_id", "year", "month")
        )
        for user_id, (year, month) in candidates.items():
            if (user_id, year, month) not in done:
                yield user_id, year, month
        if page.next_after_id is None:
            return
        after_id = page.next_after_id


def _link(name: str, *args: object) -> str:
    """A page of the public site, for an email: named in the site's URLconf, not the sending process's
    (an extracted reports service serves only its internal endpoints)."""
    return settings.SITE_URL + reverse(name, args=args, urlconf=SITE_URLCONF)


def message_id(user_id: int, year: int, month: int) -> str:
    """The same for every attempt at one user's month, so mail clients can tell a repeat."""
    return f"<report-{user_id}-{year}{month:02d}@{site_domain()}>"


def build_message(profile: accounts_contracts.UserProfile, report: contracts.MonthReport) -> EmailMultiAlternatives:
    summary = report.summary
    units = profile.units.value
    month_name = dates.month(datetime.date(summary.year, summary.month, 1))
    unsubscribe_url = _link("reports:unsubscribe", unsubscribe_token(profile.id))
    context = {
        "profile": profile,
        "report": report,
        "summary": summary,
        "units": units,
        "counted": runs_contracts.COUNTED_LABEL,
        "month_name": month_name,
        "report_url": _link("reports:month", summary.year, f"{summary.month:02d}"),
        "profile_url": _link("accounts:profile"),
        "unsubscribe_url": unsubscribe_url,
        "chart_width": charts.EMAIL_WIDTH,
        "weekly_alt": charts.weekly_description(summary.weekly, units=units),
        "pace_alt": charts.pace_description(report.pace_trend, units=units),
    }
    message = EmailMultiAlternatives(
        subject=f"Your running in {month_name}",
        body=render_to_string("reports/email.txt", context),
        to=[profile.email],
        headers={
            "Message-ID": message_id(profile.id, summary.year, summary.month),
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string("reports/email.html", context), "text/html")
    message.mixed_subtype = "related"  # type: ignore[attr-defined]  # the charts are parts of the HTML, referenced by Content-ID
    for name, figure in (  # the drawings of the page's phone layout: most mail is read on a phone
        ("weekly", charts.weekly_distance(summary.weekly, units=units, layout=charts.EMAIL_LAYOUT)),
        ("pace", charts.pace_trend(report.pace_trend, units=units, layout=charts.EMAIL_LAYOUT)),
    ):
        image = MIMEImage(charts.png(figure), "png")
        image.add_header("Content-ID", f"<{name}>")
        image.add_header("Content-Disposition", "inline", filename=f"{name}.png")
        message.attach(image)
    return message


def send_report(*, user_id: int, year: int, month: int, dry_run: bool = False) -> str:
    """Send one user's report for one month, at most once. Returns what happened, in a word:

    sent, already (sent or being sent before), skipped (no runs), opted_out, no_user, failed.
    """
    if ReportDelivery.objects.filter(user_id=user_id, year=year, month=month).exclude(RETRYABLE).exists():
        return "already"
    try:
        profile = accounts_service.get_user(user_id=user_id)
    except accounts_errors.UserNotFound:
        return "no_user"
    if not (profile.is_active and profile.wants_monthly_report):
        return "opted_out"
    report = LocalReportsService().get_month_report(user_id=user_id, year=year, month=month)
    if report.summary.runs == 0 and not profile.wants_empty_monthly_report:
        if not dry_run:
            operations.skip_delivery(user_id=user_id, year=year, month=month)
        return "skipped"
    if dry_run:
        return "sent"
    message = build_message(profile, report)
    if not operations.claim_delivery(
        user_id=user_id, year=year, month=month, email=profile.email, message_id=message.extra_headers["Message-ID"]
    ):
        return "already"
    try:
        message.send()
    except Exception as error:  # the mail server refused it: nothing went out, a later run may try again
        operations.finish_delivery(user_id=user_id, year=year, month=month, error=error)
        logger.warning(
            "reports.send_failed", extra={"user_id": user_id, "month": f"{year}-{month:02d}"}, exc_info=True
        )
        return "failed"
    operations.finish_delivery(user_id=user_id, year=year, month=month)
    logger.info("reports.sent", extra={"user_id": user_id, "month": f"{year}-{month:02d}"})
    return "sent"
