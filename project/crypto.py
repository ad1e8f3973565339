"""Secrets at rest (Strava tokens, the token dealer's private keys), encrypted with Fernet (cryptography).

Each use has its own list of keys from the environment: the first encrypts, all decrypt, so a key
is rotated by putting a new one first. Without keys (development only) one is derived from the
secret key and the purpose, so `make run` needs no extra setting.
"""

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@functools.cache
def _fernet(setting: str) -> MultiFernet:
    keys = list(getattr(settings, setting))
    if not keys:
        seed = f"{setting}:{settings.SECRET_KEY}" if setting != "STRAVA_TOKEN_KEYS" else settings.SECRET_KEY
        keys = [base64.urlsafe_b64encode(hashlib.sha256(seed.encode()).digest()).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def seal(value: str, *, keys_setting: str) -> bytes:
    return _fernet(keys_setting).encrypt(value.encode())


def unseal(value: bytes | memoryview, *, keys_setting: str) -> str:
    return _fernet(keys_setting).decrypt(bytes(value)).decode()
