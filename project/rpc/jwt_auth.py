"""Service calls authenticated with the token dealer's JWTs (RS256), behind `settings.RPC_AUTH`.

Caller: asks `RPC_TOKEN_URL` for a token per audience (the service it calls) with its client
credentials, and keeps it until shortly before it expires. The token carries the scopes the dealer
grants the client (`read`, `write`). One fetch per audience at a time: the process's other threads wait
for it and take its token, and a failed fetch is the answer for TOKEN_RETRY_SECONDS. A callee that
refuses the token (401) makes the caller drop it and ask again once (see `remote.RemoteClient`).
Where the dealer's tables are in this process (the monolith), the dealer registers itself as
`local_dealer`: tokens, keys and its word on a client are then had in-process, so no request waits on
another request to its own server, which may be busy serving the very requests that wait.
Callee, for each call:
1. verifies the Bearer token against the dealer's JWKS (`RPC_JWKS_URL`), with RS256 only, the dealer
   as issuer, itself as audience, and exp, iat, iss, aud, sub and jti required (a token it has verified
   is remembered until it expires: the same caller sends the same token for minutes);
2. checks the token's scopes against the method (`Service.required_scope`: `read` or `write`);
3. asks the dealer whether it still stands behind the client (RFC 7662 introspection, over HTTP next
   to the token endpoint or in-process), remembering each answer CLIENT_CHECK_SECONDS: a disabled
   or deleted client is refused within that time, not at its tokens' expiry.
A wrong token is `NotAuthenticated` (401), a missing scope `InsufficientScope` (403), and a dealer
that cannot be asked (down, refused, timed out, not JSON, 4xx or 5xx) `ServiceUnavailable` (503): the
verifier's own trouble, never a 500. Every fetch, failed or not, waits its interval before the next.
On the caller's side, a token the dealer will not give is `ServiceUnavailable` too: a page shows the
section unavailable, as when the service is down.
"""

from __future__ import annotations

import base64
import collections
import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
from django.conf import settings
from django.utils.module_loading import import_string

from project.rpc import interface
from project.rpc.errors import InsufficientScope, NotAuthenticated, ServiceError, ServiceUnavailable
from project.rpc.remote import TransportError

logger = logging.getLogger(__name__)
ALGORITHMS = ["RS256"]  # fixed: never taken from the token's header
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"]
RENEW_BEFORE_SECONDS = 30
JWKS_CACHE_SECONDS = 600
JWKS_REFETCH_MIN_SECONDS = 10  # between two fetches of the JWKS, whether the last one worked or not
CLIENT_CHECK_SECONDS = 5  # how long a disabled client's tokens may still pass, at worst
TOKEN_RETRY_SECONDS = 2  # after a failed token fetch, callers get the failure at once for this long
VERIFIED_MAX = 1024  # verified tokens remembered per process
LEEWAY_SECONDS = 10
FORM = "application/x-www-form-urlencoded"


def _transport():
    return import_string(settings.RPC_TRANSPORT)()


@dataclass(frozen=True)
class LocalDealer:
    """The token dealer's own answers, registered by `apps.tokendealer` in a process that holds its tables.
    Each returns None where the tables are not (an extracted service), which then asks over HTTP."""

    token: Callable[[str, str], dict[str, Any] | None]  # (client id, audience) -> the token endpoint's answer
    jwks: Callable[[], dict[str, Any] | None]  # -> the JWKS document
    introspect: Callable[[str], dict[str, Any] | None]  # token -> the introspection answer


local_dealer: LocalDealer | None = None


class _Tokens:
    """Tokens by audience, shared by the process's threads; one fetch per audience at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, float]] = {}
        self._fetching: dict[str, threading.Lock] = {}
        self._failures: dict[str, tuple[float, str]] = {}

    def _fresh(self, audience: str) -> str | None:
        with self._lock:
            cached = self._tokens.get(audience)
        return cached[0] if cached and cached[1] - RENEW_BEFORE_SECONDS > time.time() else None

    def get(self, audience: str, fetch: Callable[[str], tuple[str, float]]) -> str:
        token = self._fresh(audience)
        if token:
            return token
        with self._lock:
            gate = self._fetching.setdefault(audience, threading.Lock())
        with gate:  # the first thread fetches; the others wait here and take what it got
            token = self._fresh(audience)
            if token:
                return token
            failed = self._failures.get(audience)
            if failed and time.monotonic() - failed[0] < TOKEN_RETRY_SECONDS:
                raise ServiceUnavailable(failed[1])
            try:
                token, expires_in = fetch(audience)
            except ServiceUnavailable as error:
                self._failures[audience] = (time.monotonic(), error.message)
                raise
            with self._lock:
                self._tokens[audience] = (token, time.time() + expires_in)
                self._failures.pop(audience, None)
            return token

    def forget(self, audience: str) -> None:
        """The callee refused the token (the dealer's keys were reset, say): the next call asks for a new one."""
        with self._lock:
            self._tokens.pop(audience, None)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()
            self._failures.clear()


class _Jwks:
    """The dealer's public keys by kid, fetched when a token names one not seen yet or they are older than
    JWKS_CACHE_SECONDS. A failed fetch counts like a good one: at most one per JWKS_REFETCH_MIN_SECONDS, and
    meanwhile calls get the failure at once (503) or, for a key already known, go on verifying with it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}
        self._fetched_at = self._tried_at = -math.inf
        self._failure = ""

    def key(self, kid: str) -> Any:
        with self._lock:
            now = time.monotonic()
            wanted = kid not in self._keys or now - self._fetched_at >= JWKS_CACHE_SECONDS
            if wanted and now - self._tried_at >= JWKS_REFETCH_MIN_SECONDS:
                self._tried_at = now
                try:
                    self._keys, self._fetched_at, self._failure = self._fetch(), now, ""
                except ServiceUnavailable as error:
                    self._failure = error.message
                    logger.error("rpc.jwks_unavailable", extra={"url": settings.RPC_JWKS_URL, "reason": error.message})
            if kid in self._keys:
                return self._keys[kid]
            if self._failure:
                raise ServiceUnavailable(f"cannot check the token now: {self._failure}")
            raise NotAuthenticated("the token is signed with an unknown key")

    @staticmethod
    def _fetch() -> dict[str, Any]:
        document = local_dealer.jwks() if local_dealer else None
        if document is None:
            document = _fetch_jwks()
        try:
            key_set = jwt.PyJWKSet.from_dict(document if isinstance(document, dict) else {})
        except jwt.PyJWTError:
            raise ServiceUnavailable("the token dealer's keys are not a JWKS") from None
        return {jwk.key_id: jwk.key for jwk in key_set.keys if jwk.key_id}

    def clear(self) -> None:
        with self._lock:
            self._keys, self._fetched_at, self._tried_at, self._failure = {}, -math.inf, -math.inf, ""


def _fetch_jwks() -> Any:
    try:
        response = _transport().get(settings.RPC_JWKS_URL, headers={"Accept": "application/json"})
    except TransportError as error:
        raise ServiceUnavailable(f"the token dealer's keys could not be fetched ({error})") from None
    if response.status != 200:
        raise ServiceUnavailable(f"the token dealer's keys could not be fetched ({response.status})")
    try:
        return json.loads(response.body)
    except ValueError:
        raise ServiceUnavailable("the token dealer's keys are not a JWKS") from None


class _ClientChecks:
    """The dealer's word on each client (and scope) whose tokens this process accepts, kept
    CLIENT_CHECK_SECONDS whatever it was, so a client costs the dealer one question per interval.
    One thread asks when it is due; meanwhile the process's other threads go on with the last answer
    rather than wait (a busy dealer would stall every call of this service), and only when there is
    none yet do they wait for it. So a disabled client is refused CLIENT_CHECK_SECONDS and one
    question's time after the fact, at worst."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, str], tuple[float, type[ServiceError] | None, str]] = {}
        self._asking: dict[tuple[str, str], threading.Lock] = {}

    def check(self, token: str, claims: Mapping[str, Any]) -> None:
        key = (str(claims["sub"]), str(claims.get("scope", "")))
        with self._lock:
            answer = self._answers.get(key)
            gate = self._asking.setdefault(key, threading.Lock())
        due = answer is None or time.monotonic() - answer[0] >= CLIENT_CHECK_SECONDS
        if due and (answer is None or gate.acquire(blocking=False)):
            if answer is None:
                gate.acquire()  # the first answer: every thread waits for the one that asks
            try:
                with self._lock:
                    answer = self._answers.get(key)
                if answer is None or time.monotonic() - answer[0] >= CLIENT_CHECK_SECONDS:
                    answer = (time.monotonic(), *self._ask(token, client_id=key[0]))
                    with self._lock:
                        self._answers[key] = answer
            finally:
                gate.release()
        assert answer is not None
        _checked_at, refusal, message = answer
        if refusal is not None:
            raise refusal(message)

    def _ask(self, token: str, *, client_id: str) -> tuple[type[ServiceError] | None, str]:
        answer = local_dealer.introspect(token) if local_dealer else None
        if answer is None:
            try:
                response = _transport().post(
                    introspection_url(), body=urlencode({"token": token}).encode(), headers={"Content-Type": FORM}
                )
                answer = json.loads(response.body) if response.status == 200 else None
            except (TransportError, ValueError):
                answer = None
        if not isinstance(answer, dict):
            logger.error("rpc.client_check_failed", extra={"url": introspection_url(), "client_id": client_id})
            return ServiceUnavailable, "cannot check the calling client now: the token dealer did not answer"
        if answer.get("active") is not True:
            return NotAuthenticated, f"the client {client_id!r} is disabled or no longer allowed these scopes"
        return None, ""

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


class _Verified:
    """Tokens whose signature and claims this process has checked, until they expire (the last VERIFIED_MAX):
    a caller sends the same token for minutes, and an RS256 check costs more than the rest of a call's checks.
    Scopes and the dealer's word on the client are still checked on every call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._claims: collections.OrderedDict[tuple[str, str], dict[str, Any]] = collections.OrderedDict()

    def get(self, token: str, audience: str) -> dict[str, Any] | None:
        with self._lock:
            claims = self._claims.get((token, audience))
            if claims is None:
                return None
            if claims["exp"] + LEEWAY_SECONDS <= time.time():
                del self._claims[(token, audience)]
                return None
            self._claims.move_to_end((token, audience))
            return claims

    def put(self, token: str, audience: str, claims: dict[str, Any]) -> None:
        with self._lock:
            self._claims[(token, audience)] = claims
            while len(self._claims) > VERIFIED_MAX:
                self._claims.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._claims.clear()


tokens = _Tokens()
jwks = _Jwks()
client_checks = _ClientChecks()
verified = _Verified()


def introspection_url() -> str:
    """The dealer's RFC 7662 endpoint, next to its token endpoint."""
    return settings.RPC_TOKEN_URL.rsplit("/", 1)[0] + "/introspect"


def _fetch_token(audience: str) -> tuple[str, float]:
    answer = local_dealer.token(settings.RPC_CLIENT_ID, audience) if local_dealer else None
    if answer is None:
        answer = _ask_token_endpoint(audience)
    if "error" in answer:  # our credentials or request are wrong (RFC 6749 §5.2): a page shows the section down
        logger.error("rpc.token_refused", extra={"audience": audience, "error": answer["error"]})
        raise ServiceUnavailable(f"the token dealer refused a token for {audience!r} ({answer['error']})")
    try:
        return str(answer["access_token"]), float(answer["expires_in"])
    except (ValueError, KeyError, TypeError):
        raise ServiceUnavailable(f"the token dealer gave no token for {audience!r}") from None


def _ask_token_endpoint(audience: str) -> dict[str, Any]:
    body = urlencode({"grant_type": "client_credentials", "audience": audience}).encode()
    basic = base64.b64encode(f"{settings.RPC_CLIENT_ID}:{settings.RPC_CLIENT_SECRET}".encode()).decode()
    try:
        response = _transport().post(
            settings.RPC_TOKEN_URL, body=body, headers={"Content-Type": FORM, "Authorization": f"Basic {basic}"}
        )
    except TransportError as error:
        raise ServiceUnavailable(f"the token dealer could not be reached ({error})") from None
    try:
        answer = json.loads(response.body) if response.status in (200, 400, 401) else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or (response.status != 200 and "error" not in answer):
        # 429, 5xx, a redirect, or not the answer of RFC 6749
        raise ServiceUnavailable(f"the token dealer gave no token for {audience!r} ({response.status})")
    return answer


def _scopes_allow(claims: Mapping[str, Any], scope: str) -> bool:
    granted = claims.get("scope", "")
    return isinstance(granted, str) and scope in granted.split()


def _decode(token: str, *, audience: str) -> dict[str, Any]:
    try:
        kid = jwt.get_unverified_header(token).get("kid", "")
    except jwt.PyJWTError:
        raise NotAuthenticated("the token is malformed") from None
    if not isinstance(kid, str):
        raise NotAuthenticated("the token is malformed")
    key = jwks.key(kid)
    try:
        return jwt.decode(
            token,
            key,
            algorithms=ALGORITHMS,
            audience=audience,
            issuer=settings.RPC_TOKEN_ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as error:
        raise NotAuthenticated(f"the token is not valid: {error}") from None


class JwtRequestAuth:
    def sign(self, *, service: str, method: str, body: bytes) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens.get(service, _fetch_token)}"}

    def forget(self, *, service: str) -> None:
        tokens.forget(service)

    def verify(self, *, service: str, method: str, body: bytes, headers: Mapping[str, str]) -> None:
        header = headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise NotAuthenticated("the call carries no bearer token")
        token = header.removeprefix("Bearer ")
        claims = verified.get(token, service) or _decode(token, audience=service)
        verified.put(token, service, claims)
        service_class = interface.get_service(service)
        needed = service_class.required_scope(method) if service_class else interface.WRITE_SCOPE
        if not _scopes_allow(claims, needed):
            raise InsufficientScope(f"{service}.{method} needs a token with the {needed!r} scope")
        client_checks.check(token, claims)
