"""OAuth 2.0 client credentials (RFC 6749 §4.4): a service authenticates and gets a short RS256 JWT."""

from __future__ import annotations

import datetime
import secrets
import uuid

import jwt
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.utils import timezone

from apps.tokendealer import keys
from apps.tokendealer.models import ServiceClient

# A hash to check against when the client is unknown, so the answer takes as long either way.
_DUMMY_HASH = make_password("not-a-real-secret")


class OAuthError(Exception):
    """An error response of RFC 6749 §5.2 (and RFC 8707 `invalid_target` for an unknown audience)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def client_create(*, client_id: str, audiences: list[str], scopes: list[str] | None = None, name: str = "") -> str:
    """Register a service client; returns its secret, which is stored only as a hash."""
    secret = secrets.token_urlsafe(32)
    ServiceClient.objects.create(
        client_id=client_id, name=name, secret_hash=make_password(secret), audiences=audiences, scopes=scopes or []
    )
    return secret


def authenticate(client_id: str, secret: str) -> ServiceClient:
    client = ServiceClient.objects.filter(client_id=client_id, active=True).first()
    valid = check_password(secret, client.secret_hash if client else _DUMMY_HASH)
    if client is None or not valid:
        raise OAuthError("invalid_client", "Client authentication failed.", status=401)
    return client


def issue(client: ServiceClient, *, audience: str, scope: str = "") -> dict:
    if not audience:
        raise OAuthError("invalid_request", "The audience parameter is required: the service to call.")
    if audience not in client.audiences:
        raise OAuthError("invalid_target", f"This client may not get tokens for {audience!r}.")
    asked = scope.split()
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
