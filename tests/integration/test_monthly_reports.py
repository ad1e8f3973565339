"""Monthly reports with a real Celery worker on Redis and PostgreSQL: summaries kept from events in
another process, and one email per runner even when the worker is killed in the middle of a batch."""

import datetime
import email
import time
from pathlib import Path

import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.reports import operations, tasks
from apps.reports.interface.service import reports_service
from apps.reports.models import ReportDelivery
from apps.runs.interface.testing import record_manual_run

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
UTC = datetime.UTC
RUNNERS = 6


def _wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_run_recorded_here_reaches_the_report_through_the_worker(worker):
    runner = accounts_testing.create_user(email="ada@example.com", timezone="Pacific/Honolulu")
    # 23:30 on 31 October in Honolulu is 09:30 UTC on 1 November.
    record_manual_run(user_id=runner.id, start=datetime.datetime(2026, 11, 1, 9, 30, tzinfo=UTC), timezone=None)
    assert _wait_for(
        lambda: reports_service.get_month_report(user_id=runner.id, year=2026, month=10).summary.runs == 1
    )
    assert reports_service.get_month_report(user_id=runner.id, year=2026, month=11).summary.runs == 0


def _sent_to(folder: Path) -> list[str]:
    return sorted(email.message_from_bytes(path.read_bytes())["To"] for path in folder.glob("*.eml"))


def test_killing_the_worker_mid_batch_and_running_again_sends_each_runner_one_email(workers, tmp_path):
    workers.env = {
        "RUNNERLY_TEST_EMAIL_BACKEND": "tests.reports.mail.SlowFileBackend",
        "RUNNERLY_TEST_EMAIL_DIR": str(tmp_path),
    }
    emails = [f"runner{i}@example.com" for i in range(RUNNERS)]
    for address in emails:
        profile = accounts_testing.create_user(email=address, timezone="Europe/Berlin")
        record_manual_run(user_id=profile.id, start=datetime.datetime(2026, 10, 15, 7, tzinfo=UTC))
        operations.rebuild_summaries(user_id=profile.id)  # here, not waiting for the worker's events
    moment = "2026-11-01T07:30:00+00:00"  # 08:30 in Berlin on the 1st

    first = workers.start()
    tasks.send_due.delay(now=moment)
    assert _wait_for(lambda: len(_sent_to(tmp_path)) >= 2)
    workers.kill(first)  # mid-batch: between a message going out and its row being marked sent
    sent_before_kill = _sent_to(tmp_path)
    assert 2 <= len(sent_before_kill) < RUNNERS
    assert ReportDelivery.objects.filter(status="sending").count() == 1

    workers.start()
    tasks.send_due.delay(now=moment)  # the beat's next run, or an operator running it again
    tasks.send_due.delay(now=moment)  # twice, for good measure
    assert _wait_for(lambda: len(_sent_to(tmp_path)) >= RUNNERS)
    assert _wait_for(lambda: ReportDelivery.objects.filter(status="sent").count() == RUNNERS - 1)
    time.sleep(2.0)  # time for a duplicate, if one were coming
    assert _sent_to(tmp_path) == sorted(emails)
    statuses = sorted(ReportDelivery.objects.values_list("status", flat=True))
    assert statuses == ["sending"] + ["sent"] * (RUNNERS - 1)  # the killed one stays unconfirmed, for staff to see
