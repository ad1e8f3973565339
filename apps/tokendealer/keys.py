"""The dealer's RSA keys: one signs (current), one waits (next), and a retired one stays published
until every token it signed has expired. `rotate` moves them along without downtime: verifiers
already hold the next key from the JWKS before it signs anything."""

from __future__ import annotations

import datetime
import json
import secrets

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.tokendealer.models import SigningKey
from project import crypto

KEYS_SETTING = "TOKENDEALER_KEY_ENCRYPTION_KEYS"


def _new_key(status: str) -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = secrets.token_urlsafe(12)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return SigningKey.objects.create(
        kid=kid, private_key=crypto.seal(pem, keys_setting=KEYS_SETTING), public_jwk=jwk, status=status
    )


def ensure() -> None:
    """A current and a next key exist (the first token ever asked for makes them).

    Two processes may try at once: the database's constraint lets one key per status in, the other
    process's insert fails and it uses the winner's.
    """
    statuses = set(SigningKey.objects.exclude(status=SigningKey.Status.RETIRED).values_list("status", flat=True))
    for status in (SigningKey.Status.CURRENT, SigningKey.Status.NEXT):
        if status not in statuses:
            try:
                with transaction.atomic():
                    _new_key(status)
            except IntegrityError:
                pass


def rotate() -> SigningKey:
    """next becomes current, current retires, a new next is made. Returns the new current key."""
    ensure()
    with transaction.atomic():
        keys = {k.status: k for k in SigningKey.objects.select_for_update().exclude(status=SigningKey.Status.RETIRED)}
        keys[SigningKey.Status.CURRENT].status = SigningKey.Status.RETIRED
        keys[SigningKey.Status.CURRENT].retired_at = timezone.now()
        keys[SigningKey.Status.CURRENT].save(update_fields=["status", "retired_at"])
        keys[SigningKey.Status.NEXT].status = SigningKey.Status.CURRENT
        keys[SigningKey.Status.NEXT].save(update_fields=["status"])
        _new_key(SigningKey.Status.NEXT)
    return keys[SigningKey.Status.NEXT]


def current() -> tuple[str, str]:
    """(kid, private PEM) of the signing key."""
    ensure()
    key = SigningKey.objects.get(status=SigningKey.Status.CURRENT)
    return key.kid, crypto.unseal(key.private_key, keys_setting=KEYS_SETTING)


def published() -> list[dict]:
    """The JWKS keys: current, next, and the retired ones whose tokens may still be valid."""
    ensure()
    grace = timezone.now() - datetime.timedelta(seconds=settings.TOKENDEALER_TOKEN_SECONDS + 60)
    keys = SigningKey.objects.exclude(status=SigningKey.Status.RETIRED) | SigningKey.objects.filter(
        status=SigningKey.Status.RETIRED, retired_at__gt=grace
    )
    return [key.public_jwk for key in keys.order_by("created_at")]
