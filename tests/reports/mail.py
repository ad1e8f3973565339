"""Mail backends for the tests: one that refuses (as a busy server would), one that writes slowly."""

import smtplib
import time

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({m.to[0]: (450, b"try later") for m in email_messages})


class SlowFileBackend(FileBackend):
    """Writes each message to its own file, then takes a while, like an SMTP server acknowledging it."""

    def send_messages(self, email_messages):
        sent = 0
        for message in email_messages:
            self._fname = None  # one file per message
            sent += super().send_messages([message])
            self.close()
            time.sleep(0.4)
        return sent
