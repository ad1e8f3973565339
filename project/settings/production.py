"""Production: every secret from the environment, HTTPS only. Must pass `manage.py check --deploy`."""

from .base import *  # noqa: F403
from .base import database_settings, env

DEBUG = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
DATABASES = {"default": database_settings(env("DATABASE_URL"))}  # required: no SQLite default
# Redis, shared by every web process and worker; an empty DJANGO_CACHE_URL means REDIS_URL, as an unset one does.
_CACHE_URL = env("DJANGO_CACHE_URL", default="") or env("REDIS_URL", default="redis://127.0.0.1:6379/1")
CACHES = {"default": env.cache_url_config(_CACHE_URL)}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = REDIS_CACHE_BACKEND  # noqa: F405
RPC_SIGNING_KEYS = env.list("RPC_SIGNING_KEYS")
SITE_URL = env("RUNNERLY_SITE_URL").rstrip("/")  # links in emails: required, no localhost default

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Answered over plain HTTP too: health checks, and what services call each other with on the private
# network (the RPC endpoint, the token dealer, its JWKS). deploy/nginx.conf keeps them from the outside.
SECURE_REDIRECT_EXEMPT = [
    r"^healthz$",
    r"^livez$",
    r"^internal/",
    r"^oauth/(token|introspect)$",
    r"^\.well-known/jwks\.json$",
]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Once Strava is configured, its tokens must be encrypted with keys of their own, not one derived from
# the secret key: starting without STRAVA_TOKEN_KEYS then fails loudly.
STRAVA_TOKEN_KEYS = env.list("STRAVA_TOKEN_KEYS") if env("STRAVA_CLIENT_ID", default="") else []
LOGGING["handlers"]["console"]["formatter"] = env("RUNNERLY_LOG_FORMAT", default="json")  # noqa: F405
