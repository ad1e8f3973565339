import datetime
import logging

from celery import shared_task
from django.utils import timezone

from apps.reports import mailing

logger = logging.getLogger(__name__)


@shared_task(name="reports.send_due")
def send_due(*, now: str | None = None) -> int:
    """Hourly (beat): hand each user whose report is due to `reports.send_report`. Returns how many.

    Safe to run twice or after a crash: `send_report` sends a user's month at most once.
    """
    moment = datetime.datetime.fromisoformat(now) if now else timezone.now()
    count = 0
    for user_id, year, month in mailing.due(moment):
        send_report.delay(user_id=user_id, year=year, month=month)
        count += 1
    logger.info("reports.due", extra={"users": count, "at": moment.isoformat()})
    return count


@shared_task(name="reports.send_report")
def send_report(*, user_id: int, year: int, month: int) -> str:
    return mailing.send_report(user_id=user_id, year=year, month=month)
