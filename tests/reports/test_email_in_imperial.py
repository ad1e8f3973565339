"""The monthly email of a runner in imperial units: miles, min/mi and feet, never km."""

import datetime
import re

import pytest
from django.core import mail

from apps.accounts.interface import contracts as accounts_contracts
from apps.accounts.interface import testing as accounts_testing
from apps.reports import mailing
from apps.runs.interface.testing import record_manual_run

pytestmark = pytest.mark.django_db


def test_the_email_of_an_imperial_runner_is_in_miles(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        profile = accounts_testing.create_user(email="us@example.com", units=accounts_contracts.Units.IMPERIAL)
        start = datetime.datetime(2026, 10, 15, 12, tzinfo=datetime.UTC)
        record_manual_run(user_id=profile.id, start=start, distance_m=5000.0, elapsed_s=1500.0)
    assert mailing.send_report(user_id=profile.id, year=2026, month=10) == "sent"
    (message,) = mail.outbox
    assert "Distance:      3.11 mi" in message.body  # 5000 m / 1609.344
    assert "Average pace:  8:03 /mi" in message.body  # 300 s/km x 1.609344 = 482.8 s
    html, _ = message.alternatives[0]
    assert "3.11 mi" in html
    assert 'alt="Distance per week: week of 28 Sep 0.0 mi, week of 5 Oct 0.0 mi, week of 12 Oct 3.1 mi,' in html
    assert "Oct 2026 8:03 /mi." in html  # the pace chart's words
    for text in (message.body, html):
        assert not re.search(r"\bkm\b|/km|km/h", text)
