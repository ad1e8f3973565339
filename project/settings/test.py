"""Settings for pytest. DATABASE_URL picks SQLite (default) or PostgreSQL."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-insecure-key")
os.environ.setdefault("RPC_SIGNING_KEYS", "test-rpc-key-new,test-rpc-key-old")

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

RPC_FORBID_CALLS_IN_TRANSACTION = True
RPC_BACKOFF_SECONDS = 0.0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if not env("DJANGO_CACHE_URL", default=""):  # noqa: F405 - a real worker in the integration tests shares Redis
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Serve static files straight from the app folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The integration suite runs a real worker with CELERY_TASK_ALWAYS_EAGER=false on the test database.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)  # noqa: F405
# Test-only subscribers, loaded in the test process and in that worker alike.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.integration"]  # noqa: F405
