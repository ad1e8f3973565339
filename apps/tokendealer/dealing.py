"""OAuth 2.0 client credentials (RFC 6749 §4.4): a service authenticates and gets a short RS256 JWT."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
import uuid

import jwt
from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import DEFAULT_DB_ALIAS, router
from django.utils import timezone

from apps.tokendealer import keys
from apps.tokendealer.models import ServiceClient, default_scopes
from project.rpc.jwt_auth import ALGORITHMS, LEEWAY_SECONDS, REQUIRED_CLAIMS

DIGEST_PREFIX = "sha256$"


def secret_digest(secret: str) -> str:
    """How a client's secret is stored: its SHA-256. A secret is 256 random bits (`secrets.token_urlsafe(32)`),
    so a slow password hash adds nothing against guessing and cost the dealer ~0.5 s per token asked for."""
    return DIGEST_PREFIX + hashlib.sha256(secret.encode()).hexdigest()


def _secret_matches(secret: str, stored: str) -> bool:
    if stored.startswith(DIGEST_PREFIX):
        return hmac.compare_digest(stored, secret_digest(secret))
    return check_password(secret, stored)  # a secret stored before digests, with Django's password hasher


class OAuthError(Exception):
    """An error response of RFC 6749 §5.2 (and RFC 8707 `invalid_target` for an unknown audience)."""

    def __init__(self, error: str, description: str, status: int = 400, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error, self.description, self.status, self.retry_after = error, description, status, retry_after


def client_create(*, client_id: str, audiences: list[str], scopes: list[str] | None = None, name: str = "") -> str:
    """Register a service client (scopes: `read` and `write` unless given); returns its secret, stored only hashed."""
    secret = secrets.token_urlsafe(32)
    ServiceClient.objects.create(
        client_id=client_id,
        name=name,
        secret_hash=secret_digest(secret),
        audiences=audiences,
        scopes=default_scopes() if scopes is None else scopes,
    )
    return secret


def authenticate(client_id: str, secret: str) -> ServiceClient:
    """The active client with this secret (throttled before, in views.token). An unknown client costs a digest
    too, so the answer takes as long either way."""
    client = ServiceClient.objects.filter(client_id=client_id, active=True).first()
    valid = _secret_matches(secret, client.secret_hash if client else secret_digest("not-a-real-secret"))
    if client is None or not valid:
        raise OAuthError("invalid_client", "Client authentication failed.", status=401)
    return client


def issue(client: ServiceClient, *, audience: str, scope: str = "") -> dict:
    if not audience:
        raise OAuthError("invalid_request", "The audience parameter is required: the service to call.")
    if audience not in client.audiences:
        raise OAuthError("invalid_target", f"This client may not get tokens for {audience!r}.")
    asked = scope.split() or list(client.scopes)  # none asked: all the client's scopes (RFC 6749 §3.3)
    if any(s not in client.scopes for s in asked):
        raise OAuthError("invalid_scope", "The requested scope is not allowed for this client.")
    now = timezone.now().replace(microsecond=0)
    lifetime = settings.TOKENDEALER_TOKEN_SECONDS
    kid, private_pem = keys.current()
    claims = {
        "iss": settings.TOKENDEALER_ISSUER,
        "sub": client.client_id,
        "aud": audience,
        "scope": " ".join(asked),
        "iat": int(now.timestamp()),
        "exp": int((now + datetime.timedelta(seconds=lifetime)).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode(claims, private_pem, algorithm="RS256", headers={"kid": kid})
    ServiceClient.objects.filter(pk=client.pk).update(last_token_at=now)
    return {"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "scope": claims["scope"]}


def introspect(token: str) -> dict:
    """RFC 7662: whether the dealer still stands behind a token it signed: its signature, issuer and expiry,
    and a client that is still active and still allowed the token's audience and scopes. Anything else is
    `{"active": false}`. Verifiers ask it (cached a few seconds) so that disabling a client takes effect
    within seconds; a request needs no other credential than the token itself, which proves possession."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        key = jwt.PyJWKSet.from_dict({"keys": keys.published()})[str(kid)]
        claims = jwt.decode(
            token,
            key.key,
            algorithms=ALGORITHMS,
            issuer=settings.TOKENDEALER_ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS, "verify_aud": False},
        )
    except (jwt.PyJWTError, KeyError):
        return {"active": False}
    client = ServiceClient.objects.filter(client_id=claims["sub"], active=True).first()
    scopes = str(claims.get("scope", "")).split()
    if client is None or claims["aud"] not in client.audiences or any(s not in client.scopes for s in scopes):
        return {"active": False}
    return {"active": True, "client_id": client.client_id, "token_type": "Bearer"} | {
        name: claims[name] for name in ("scope", "sub", "aud", "iss", "exp", "iat", "jti") if name in claims
    }


def _here() -> bool:
    """Whether this process holds the dealer's tables (the monolith), not an extracted service."""
    return router.allow_migrate(DEFAULT_DB_ALIAS, ServiceClient._meta.app_label)


def token_here(client_id: str, audience: str) -> dict | None:
    """A token for this process's own client, dealt in-process: the token endpoint's answer (or its error),
    None where the dealer is not here. No secret is checked: a process holding the dealer's tables and
    keys could sign any token itself; the client must still be active and allowed the audience."""
    if not _here():
        return None
    client = ServiceClient.objects.filter(client_id=client_id, active=True).first()
    try:
        if client is None:
            raise OAuthError("invalid_client", f"No active client {client_id!r}.", status=401)
        return issue(client, audience=audience)
    except OAuthError as error:
        return {"error": error.error, "error_description": error.description}


def jwks_here() -> dict | None:
    """The JWKS document, where the dealer is in this process."""
    return {"keys": keys.published()} if _here() else None


def introspect_here(token: str) -> dict | None:
    """`introspect` where this process holds the dealer's tables (the monolith), so that verifying a call does
    not wait on a request to itself; None in an extracted service, which asks the dealer over HTTP."""
    return introspect(token) if _here() else None
