"""Mail backends for the tests: one that refuses (as a busy server would), one that writes slowly."""

import smtplib
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({m.to[0]: (450, b"try later") for m in email_messages})


class SlowFileBackend(BaseEmailBackend):
    """Each message to its own file in EMAIL_FILE_PATH, then a pause, like a server taking its time to say OK.

    The integration suite's worker uses it, so the test can count what went out and kill the worker mid-batch.
    """

    def send_messages(self, email_messages):
        for message in email_messages:
            path = Path(settings.EMAIL_FILE_PATH) / f"{uuid.uuid4().hex}.eml"
            path.with_suffix(".tmp").write_bytes(message.message().as_bytes())
            path.with_suffix(".tmp").rename(path)  # whole files only
            time.sleep(0.4)
        return len(email_messages)
