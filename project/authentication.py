"""API token authentication with a short-lived cache of who a token belongs to.

DRF's TokenAuthentication reads the token and its user on every request; under load that query
is most of the cost of a cached page. The answer is cached for AUTH_TOKEN_CACHE_SECONDS (60 by
default): a deleted token or a deactivated user loses access within that time, and at once when
the token is deleted through `forget_token`.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from rest_framework import authentication


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


def forget_deleted_token(sender, instance, **kwargs) -> None:
    forget_token(instance.key)


def forget_tokens_of_inactive_user(sender, instance, **kwargs) -> None:
    if not instance.is_active:
        from rest_framework.authtoken.models import Token

        for key in Token.objects.filter(user_id=instance.pk).values_list("key", flat=True):
            forget_token(key)
