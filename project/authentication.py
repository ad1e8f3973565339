"""API token authentication with a short-lived cache of who a token belongs to.

DRF's TokenAuthentication reads the token and its user on every request; under load that query
is most of the cost of a cached page. The answer is cached for AUTH_TOKEN_CACHE_SECONDS (60 by
default): a deleted token or a deactivated user loses access within that time, and at once when
the token is deleted through `forget_token`.

Two kinds of token arrive as `Authorization: Token <token>`: the keys staff create in the admin
(DRF's Token, 40 hex digits) and runners' personal tokens (`rnly_…`, the model named by
settings.API_TOKEN_MODEL). A personal token is random, so only its sha256 digest is stored; it
carries a scope (read, or read and write), may expire, and is throttled on its own (API_TOKEN_RATE).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import secrets
import types
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.utils import timezone
from rest_framework import authentication, exceptions, permissions, throttling

PERSONAL_TOKEN_START = "rnly_"
PREFIX_LENGTH = len(PERSONAL_TOKEN_START) + 6  # shown in lists to tell tokens apart; not enough to guess the rest
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class TokenScope(models.TextChoices):
    READ = "read", "Read"
    READ_WRITE = "read_write", "Read and write"


def _cache_key(key: str) -> str:
    return "auth:token:" + hashlib.sha256(key.encode()).hexdigest()


def forget_token(key: str) -> None:
    cache.delete(_cache_key(key))


class CachedTokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str):
        cache_key = _cache_key(key)
        user = cache.get(cache_key)
        if user is None:
            user, token = super().authenticate_credentials(key)
            cache.set(cache_key, user, getattr(settings, "AUTH_TOKEN_CACHE_SECONDS", 60))
            return user, token
        return user, key


def personal_token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def personal_token_generate() -> tuple[str, str, str]:
    """A new personal token: (the token, shown once; its prefix; its digest, the only part stored)."""
    token = PERSONAL_TOKEN_START + secrets.token_urlsafe(32)
    return token, token[:PREFIX_LENGTH], personal_token_digest(token)


@dataclasses.dataclass(frozen=True)
class PersonalToken:
    """`request.auth` of a request made with a personal token."""

    id: int
    scope: str
    expires_at: datetime.datetime | None


def _personal_cache_key(digest: str) -> str:
    return "auth:personal-token:" + digest


def forget_personal_token(digest: str) -> None:
    cache.delete(_personal_cache_key(digest))


class PersonalTokenAuthentication(authentication.TokenAuthentication):
    """Runners' own tokens; any other key is left to the next authentication class."""

    def authenticate(self, request):
        result = super().authenticate(request)
        read_only = result is not None and result[1].scope == TokenScope.READ
        if read_only and request.method not in permissions.SAFE_METHODS:
            # Here rather than in a permission class, so that no view's own permission_classes can skip it.
            raise exceptions.PermissionDenied(
                "This token can only read. Create a token with read and write access to change data.",
                code="token_read_only",
            )
        return result

    def authenticate_credentials(self, key: str):
        if not key.startswith(PERSONAL_TOKEN_START):
            return None
        digest = personal_token_digest(key)
        cached = cache.get(_personal_cache_key(digest))
        user, token = cached if cached is not None else self._load(digest)
        if token.expires_at is not None and token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("This token has expired.", code="token_expired")
        return user, token

    def _load(self, digest: str) -> tuple[Any, PersonalToken]:
        model = apps.get_model(settings.API_TOKEN_MODEL)  # like get_user_model(): named by a setting
        row = model.objects.select_related("user").filter(digest=digest).first()
        if row is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if not row.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        now = timezone.now()
        if row.last_used_at is None or row.last_used_at <= now - LAST_USED_PRECISION:
            model.objects.filter(pk=row.pk).update(last_used_at=now)  # on a cache miss only: once a minute at most
        token = PersonalToken(id=row.pk, scope=row.scope, expires_at=row.expires_at)
        cache.set(_personal_cache_key(digest), (row.user, token), getattr(settings, "AUTH_TOKEN_CACHE_SECONDS", 60))
        return row.user, token


@dataclasses.dataclass(frozen=True)
class CachedCredentials:
    """Where the cache keeps the owner of the token a request carries (`credentials_of`)."""

    cache_key: str
    digest: str  # the token's sha256, the same for both kinds of token
    personal: bool


def credentials_of(request: Any) -> CachedCredentials | None:
    """The cache entry of the request's `Authorization: Token <key>`, read exactly as DRF's TokenAuthentication
    reads the header; None for anything else, which only the authentication classes answer for."""
    parts = authentication.get_authorization_header(request).split()
    if len(parts) != 2 or parts[0].lower() != b"token":
        return None
    try:
        key = parts[1].decode()
    except UnicodeError:
        return None
    if key.startswith(PERSONAL_TOKEN_START):
        digest = personal_token_digest(key)
        return CachedCredentials(cache_key=_personal_cache_key(digest), digest=digest, personal=True)
    return CachedCredentials(
        cache_key=_cache_key(key), digest=hashlib.sha256(key.encode()).hexdigest(), personal=False
    )


def cached_owner(credentials: CachedCredentials, entry: Any) -> tuple[Any, Any] | None:
    """(user, auth) as the authentication classes answer for a token whose owner is cached (`entry`, read from
    `credentials.cache_key`); None when they must decide: nothing cached (unknown, revoked, or a user
    deactivated since) or a personal token that has expired."""
    if entry is None:
        return None
    if not credentials.personal:
        return entry, None
    user, token = entry
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return None
    return user, token


class PersonalTokenRateThrottle(throttling.SimpleRateThrottle):
    """Each personal token gets settings.API_TOKEN_RATE requests; 429 with Retry-After past it."""

    scope = "personal_token"

    def get_rate(self) -> str:
        return settings.API_TOKEN_RATE  # DRF makes a throttle per request: a change of settings applies at once

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, PersonalToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.id}


def personal_token_throttle_allows(token: PersonalToken) -> bool:
    """PersonalTokenRateThrottle's answer to one more request with `token`, which it counts when it allows it."""
    return PersonalTokenRateThrottle().allow_request(types.SimpleNamespace(auth=token), None)


def forget_deleted_personal_token(sender, instance, **kwargs) -> None:
    # After commit: a request between the delete and the commit would otherwise cache the token again.
    transaction.on_commit(lambda: forget_personal_token(instance.digest))


def forget_deleted_token(sender, instance, **kwargs) -> None:
    forget_token(instance.key)


def forget_tokens_of_inactive_user(sender, instance, **kwargs) -> None:
    if not instance.is_active:
        from rest_framework.authtoken.models import Token

        for key in Token.objects.filter(user_id=instance.pk).values_list("key", flat=True):
            forget_token(key)
        personal = apps.get_model(settings.API_TOKEN_MODEL)
        for digest in personal.objects.filter(user_id=instance.pk).values_list("digest", flat=True):
            forget_personal_token(digest)
