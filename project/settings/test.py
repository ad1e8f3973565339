"""Settings for pytest. DATABASE_URL picks SQLite (default) or PostgreSQL."""

import os
from typing import Any

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-insecure-key")
os.environ.setdefault("RPC_SIGNING_KEYS", "test-rpc-key-new,test-rpc-key-old")

from .base import *  # noqa: F403
from .base import env

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
# locmem in this process; a real worker in the integration suite writes files the test can read.
EMAIL_BACKEND = env("RUNNERLY_TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env("RUNNERLY_TEST_EMAIL_DIR", default="")

RPC_FORBID_CALLS_IN_TRANSACTION = True
RPC_BACKOFF_SECONDS = 0.0
# Sections one after the other: the test client transport runs a callee in this process, and its database
# work must stay on the test's own connection (its transaction). Tests of the fan-out turn it on.
PAGE_SECTION_WORKERS = env.int("PAGE_SECTION_WORKERS", default=0)
# Uploads in memory; in a folder when a real worker must read what the test process stored.
_MEDIA: dict[str, Any] = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
if env("RUNNERLY_TEST_MEDIA_ROOT", default=""):
    _MEDIA = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env("RUNNERLY_TEST_MEDIA_ROOT")},
    }
STORAGES = {
    "default": _MEDIA,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if not env("DJANGO_CACHE_URL", default=""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Serve static files straight from the app folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The integration suite runs a real worker with CELERY_TASK_ALWAYS_EAGER=false on the test database.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# Test-only subscribers, loaded in the test process and in that worker alike.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.integration"]  # noqa: F405
