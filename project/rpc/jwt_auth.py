"""Service calls authenticated with the token dealer's JWTs (RS256), behind `settings.RPC_AUTH`.

Caller: asks `RPC_TOKEN_URL` for a token per audience (the service it calls) with its client
credentials, and keeps it until shortly before it expires.
Callee: verifies the Bearer token against the dealer's JWKS (`RPC_JWKS_URL`, cached, fetched
again when a token names a key it does not know), with RS256 only, the dealer as issuer, itself
as audience, and exp, iat, iss, aud, sub and jti required. Anything else is `NotAuthenticated`
(401), and the endpoint logs it.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import jwt
from django.conf import settings
from django.utils.module_loading import import_string

from project.rpc.errors import NotAuthenticated

logger = logging.getLogger(__name__)
ALGORITHMS = ["RS256"]  # fixed: never taken from the token's header
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"]
RENEW_BEFORE_SECONDS = 30
JWKS_CACHE_SECONDS = 600
JWKS_REFETCH_MIN_SECONDS = 10  # an unknown kid may refetch the JWKS, but not more often than this
LEEWAY_SECONDS = 10


def _transport():
    return import_string(settings.RPC_TRANSPORT)()


class _Tokens:
    """Tokens by audience, shared by the process's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, float]] = {}

    def get(self, audience: str, fetch) -> str:
        with self._lock:
            cached = self._tokens.get(audience)
            if cached and cached[1] - RENEW_BEFORE_SECONDS > time.time():
                return cached[0]
        token, expires_in = fetch(audience)
        with self._lock:
            self._tokens[audience] = (token, time.time() + expires_in)
        return token

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


class _Jwks:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0

    def key(self, kid: str) -> Any:
        with self._lock:
            fresh = time.time() - self._fetched_at < JWKS_CACHE_SECONDS
            if kid in self._keys and fresh:
                return self._keys[kid]
            if not fresh or time.time() - self._fetched_at >= JWKS_REFETCH_MIN_SECONDS:
                self._keys = self._fetch()
                self._fetched_at = time.time()
            if kid not in self._keys:
                raise NotAuthenticated("the token is signed with an unknown key")
            return self._keys[kid]

    @staticmethod
    def _fetch() -> dict[str, Any]:
        response = _transport().get(settings.RPC_JWKS_URL, headers={"Accept": "application/json"})
        if response.status != 200:
            raise NotAuthenticated(f"the token dealer's keys could not be fetched ({response.status})")
        return {
            jwk["kid"]: jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
            for jwk in json.loads(response.body)["keys"]
            if jwk.get("kty") == "RSA" and jwk.get("kid")
        }

    def clear(self) -> None:
        with self._lock:
            self._keys, self._fetched_at = {}, 0.0


tokens = _Tokens()
jwks = _Jwks()


def _fetch_token(audience: str) -> tuple[str, float]:
    body = urlencode({"grant_type": "client_credentials", "audience": audience}).encode()
    basic = base64.b64encode(f"{settings.RPC_CLIENT_ID}:{settings.RPC_CLIENT_SECRET}".encode()).decode()
    response = _transport().post(
        settings.RPC_TOKEN_URL,
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"},
    )
    if response.status != 200:
        raise NotAuthenticated(f"the token dealer refused a token for {audience!r} ({response.status})")
    answer = json.loads(response.body)
    return answer["access_token"], float(answer["expires_in"])


class JwtRequestAuth:
    def sign(self, *, service: str, method: str, body: bytes) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens.get(service, _fetch_token)}"}

    def verify(self, *, service: str, method: str, body: bytes, headers: Mapping[str, str]) -> None:
        header = headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise NotAuthenticated("the call carries no bearer token")
        token = header.removeprefix("Bearer ")
        try:
            kid = jwt.get_unverified_header(token).get("kid", "")
        except jwt.PyJWTError:
            raise NotAuthenticated("the token is malformed") from None
        key = jwks.key(kid)
        try:
            jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=service,
                issuer=settings.RPC_TOKEN_ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as error:
            raise NotAuthenticated(f"the token is not valid: {error}") from None
