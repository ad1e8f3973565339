"""Strava tokens at rest are encrypted with Fernet, keyed from STRAVA_TOKEN_KEYS (project/crypto.py)."""

from project import crypto


def seal(value: str) -> bytes:
    return crypto.seal(value, keys_setting="STRAVA_TOKEN_KEYS")


def unseal(value: bytes | memoryview) -> str:
    return crypto.unseal(value, keys_setting="STRAVA_TOKEN_KEYS")
