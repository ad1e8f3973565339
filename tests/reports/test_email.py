"""The monthly email: due at 08:00 local on the 1st, exactly once per user and month, and what it holds."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from PIL import Image

from apps.accounts.interface import testing as accounts_testing
from apps.reports import mailing, tasks
from apps.reports.models import ReportDelivery
from apps.runs.interface.testing import record_manual_run

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


@pytest.fixture
def runners(django_capture_on_commit_callbacks):
    """Three runners far apart, each with an October run, and one without any run."""
    zones = {"honolulu": "Pacific/Honolulu", "tonga": "Pacific/Tongatapu", "berlin": "Europe/Berlin"}
    made = {}
    with django_capture_on_commit_callbacks(execute=True):
        for name, zone in zones.items():
            made[name] = accounts_testing.create_user(email=f"{name}@example.com", timezone=zone)
            record_manual_run(user_id=made[name].id, start=datetime.datetime(2026, 10, 15, 12, tzinfo=UTC))
    made["idle"] = accounts_testing.create_user(email="idle@example.com", timezone="Europe/Berlin")
    return made


def _due_at(moment):
    return sorted((user_id, year, month) for user_id, year, month in mailing.due(moment))


def test_each_runner_is_due_from_8_in_the_morning_on_the_1st_in_their_own_time_zone(runners):
    ids = {name: profile.id for name, profile in runners.items()}
    october = lambda *names: sorted((ids[n], 2026, 10) for n in names)  # noqa: E731
    # Tonga (UTC+13) reaches 08:00 on 1 November at 19:00 UTC on 31 October.
    assert _due_at(datetime.datetime(2026, 10, 31, 18, 59, tzinfo=UTC)) == []
    assert _due_at(datetime.datetime(2026, 10, 31, 19, 0, tzinfo=UTC)) == october("tonga")
    # Berlin (UTC+1 in November) at 07:00 UTC; Honolulu (UTC-10) at 18:00 UTC.
    assert _due_at(datetime.datetime(2026, 11, 1, 6, 59, tzinfo=UTC)) == october("tonga")
    assert _due_at(datetime.datetime(2026, 11, 1, 7, 0, tzinfo=UTC)) == october("tonga", "berlin", "idle")
    assert _due_at(datetime.datetime(2026, 11, 1, 18, 0, tzinfo=UTC)) == october("honolulu", "tonga", "berlin", "idle")
    # A beat that was down catches up for a week, then the month is over.
    assert len(_due_at(datetime.datetime(2026, 11, 7, 12, 0, tzinfo=UTC))) == 4
    assert _due_at(datetime.datetime(2026, 11, 8, 17, 59, tzinfo=UTC)) == october("honolulu")
    assert _due_at(datetime.datetime(2026, 11, 8, 18, 0, tzinfo=UTC)) == []


def test_running_the_send_task_twice_sends_every_due_runner_exactly_one_email(runners):
    moment = "2026-11-01T18:00:00+00:00"
    assert tasks.send_due.delay(now=moment).get() == 4
    assert tasks.send_due.delay(now=moment).get() == 0  # the send log remembers everyone, the idle runner too
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == ["berlin@example.com", "honolulu@example.com", "tonga@example.com"]
    statuses = dict(ReportDelivery.objects.values_list("email", "status").exclude(status="skipped"))
    assert statuses == {"berlin@example.com": "sent", "honolulu@example.com": "sent", "tonga@example.com": "sent"}
    assert ReportDelivery.objects.get(user_id=runners["idle"].id).status == "skipped"  # no runs: no email


def test_the_email_has_text_html_and_both_charts_inline_and_a_one_click_unsubscribe(runners):
    assert mailing.send_report(user_id=runners["berlin"].id, year=2026, month=10) == "sent"
    (message,) = mail.outbox
    assert message.subject == "Your running in October 2026"
    assert "Runs:          1 (" in message.body
    assert "Distance:      5.00 km" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    weekly_alt = "Distance per week: week of 28 Sep 0.0 km, week of 5 Oct 0.0 km, week of 12 Oct 5.0 km,"
    assert f'<img src="cid:weekly" alt="{weekly_alt}' in html
    assert '<img src="cid:pace" alt="Average pace per month: Nov 2025 no runs,' in html
    assert "Oct 2026 5:00 /km." in html
    assert html.count('width="480" style="display: block; width: 480px; max-width: 100%; height: auto;"') == 2
    images = [part for part in message.attachments if part.get_content_type() == "image/png"]
    assert sorted(part["Content-ID"] for part in images) == ["<pace>", "<weekly>"]
    assert all(part.get_payload(decode=True).startswith(b"\x89PNG") for part in images)
    # The phone drawings of the page's charts, at twice the 480 px they are shown at.
    sizes = [Image.open(io.BytesIO(part.get_payload(decode=True))).size for part in images]
    assert sizes == [(960, 746), (960, 746)]
    link = message.extra_headers["List-Unsubscribe"]
    assert link.startswith("<http://127.0.0.1:8000/reports/unsubscribe/")
    assert mailing.user_of_unsubscribe_token(link.split("/")[-2]) == runners["berlin"].id
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["Message-ID"] == f"<report-{runners['berlin'].id}-202610@127.0.0.1>"
    raw = message.message().as_bytes()
    assert b"multipart/related" in raw


def test_a_runner_who_asks_for_it_gets_a_report_for_a_month_without_runs():
    profile = accounts_testing.create_user(email="keen@example.com", wants_empty_monthly_report=True)
    assert mailing.send_report(user_id=profile.id, year=2026, month=10) == "sent"
    assert "No runs this month." in mail.outbox[0].body


def test_the_report_of_a_month_before_october_links_to_its_page():
    profile = accounts_testing.create_user(email="march@example.com", wants_empty_monthly_report=True)
    assert mailing.send_report(user_id=profile.id, year=2026, month=3) == "sent"
    assert "http://127.0.0.1:8000/reports/2026-03/" in mail.outbox[0].body


def test_a_runner_who_opted_out_gets_nothing(runners):
    quiet = accounts_testing.create_user(email="quiet@example.com", wants_monthly_report=False)
    assert quiet.id not in {user_id for user_id, _, _ in mailing.due(datetime.datetime(2026, 11, 2, tzinfo=UTC))}
    assert mailing.send_report(user_id=quiet.id, year=2026, month=10) == "opted_out"
    assert mail.outbox == []


def test_a_send_the_mail_server_refused_is_tried_again_later(runners, settings):
    settings.EMAIL_BACKEND = "tests.reports.mail.RefusingBackend"
    assert mailing.send_report(user_id=runners["tonga"].id, year=2026, month=10) == "failed"
    delivery = ReportDelivery.objects.get(user_id=runners["tonga"].id)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.error == "SMTPRecipientsRefused: {'tonga@example.com': (450, b'try later')}"
    assert runners["tonga"].id in {u for u, _, _ in mailing.due(datetime.datetime(2026, 11, 2, tzinfo=UTC))}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert mailing.send_report(user_id=runners["tonga"].id, year=2026, month=10) == "sent"
    assert mailing.send_report(user_id=runners["tonga"].id, year=2026, month=10) == "already"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(mail.outbox)) == ("sent", 2, 1)


def test_a_claim_left_by_a_worker_that_died_while_sending_is_not_sent_again(runners):
    from apps.reports import operations

    assert operations.claim_delivery(user_id=runners["tonga"].id, year=2026, month=10, email="x", message_id="<x>")
    assert mailing.send_report(user_id=runners["tonga"].id, year=2026, month=10) == "already"
    assert mail.outbox == []


def test_the_command_sends_a_chosen_month_and_a_dry_run_sends_and_records_nothing(runners):
    out = io.StringIO()
    call_command("send_monthly_reports", "--month", "2026-10", "--dry-run", stdout=out)
    assert "Dry run: 4 sent" not in out.getvalue()
    assert out.getvalue().splitlines()[-1] == "Dry run: 3 sent, 1 skipped."
    assert (mail.outbox, ReportDelivery.objects.count()) == ([], 0)

    out = io.StringIO()
    call_command("send_monthly_reports", "--month", "2026-10", "--user", "TONGA@example.com", stdout=out)
    assert out.getvalue().splitlines() == [f"user {runners['tonga'].id}, 2026-10: sent", "1 sent."]
    call_command("send_monthly_reports", "--month", "2026-10", stdout=(out := io.StringIO()))
    assert out.getvalue().splitlines()[-1] == "1 already, 2 sent, 1 skipped."
    assert sorted(m.to[0] for m in mail.outbox) == ["berlin@example.com", "honolulu@example.com", "tonga@example.com"]


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["--month", "2026-13"], "--month must look like 2026-10, got '2026-13'"),
        (["--month", "October"], "--month must look like 2026-10, got 'October'"),
        (["--user", "nobody@example.com"], "no user with email 'nobody@example.com'"),
    ],
)
def test_the_command_explains_bad_arguments(arguments, error):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=error):
        call_command("send_monthly_reports", *arguments)
