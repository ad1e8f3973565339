"""Tokens at rest are encrypted with Fernet (cryptography), keyed from STRAVA_TOKEN_KEY."""

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@functools.cache
def _fernet() -> MultiFernet:
    keys = list(settings.STRAVA_TOKEN_KEYS)
    if not keys:
        # Development only: derived from the secret key, so `make run` needs no extra setting.
        keys = [base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest()).decode()]
    return MultiFernet([Fernet(key) for key in keys])  # the first encrypts; all decrypt (rotation)


def seal(value: str) -> bytes:
    return _fernet().encrypt(value.encode())


def unseal(value: bytes) -> str:
    return _fernet().decrypt(bytes(value)).decode()
