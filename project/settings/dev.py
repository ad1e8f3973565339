"""Local development: SQLite, eager tasks, email on the console. No services needed."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "dev-only-insecure-key-never-use-in-production")
os.environ.setdefault("RPC_SIGNING_KEYS", "dev-only-rpc-key")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("RUNNERLY_EAGER_IN_BACKGROUND", "true")  # a Strava import does not hold up the page

from .base import *  # noqa: F403

ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]  # noqa: F405
RPC_FORBID_CALLS_IN_TRANSACTION = True

# Serve static files straight from the app folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
