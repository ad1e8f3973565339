"""Settings shared by every environment. Everything that differs between machines comes from the environment."""

from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file is a convenience for developers; real deployments set the environment.
env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "project.rpc",
    "project.events",
    "project.web",
    "apps.accounts",
    "apps.runs",
    "apps.imports",
    "apps.strava",
    "apps.reports",
    "apps.races",
    "apps.plans",
    "apps.tokendealer",
    "apps.dashboard",
]

MIDDLEWARE = [
    "project.requestid.RequestIdMiddleware",
    "project.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "project" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_settings(url: str) -> dict:
    """One database: operations own their transactions; connections kept (and checked) across requests, which
    an internal call would otherwise pay for with a new PostgreSQL connection (docs/performance.md)."""
    config = {
        **environ.Env.db_url_config(url),
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": env.int("DJANGO_CONN_MAX_AGE", default=60),
        "CONN_HEALTH_CHECKS": True,
    }
    if config["ENGINE"].endswith("sqlite3"):
        # Several processes write at once (gunicorn's workers, `manage.py` commands): each transaction takes the
        # write lock when it begins (a deferred one that read first cannot get it and fails at once with
        # "database is locked"), waits up to 20 s for it, and readers do not block the writer (WAL).
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return config


DATABASES = {"default": database_settings(env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
# Without DJANGO_CACHE_URL, a file cache that every process on the machine shares (the web server, manage.py
# commands, workers): a run recorded by any of them forgets its owner's cached lists for all (decision 0009).
# A per-process cache (locmemcache://) would keep serving the old lists and is not supported.
CACHE_DIR = env("RUNNERLY_CACHE_DIR", default="") or str(BASE_DIR / ".cache" / "django")
CACHES = {
    "default": env.cache("DJANGO_CACHE_URL")
    if env("DJANGO_CACHE_URL", default="")
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": CACHE_DIR,
        "OPTIONS": {"MAX_ENTRIES": 10_000},  # past this, a third of the entries go at random (only misses follow)
    }
}
REDIS_CACHE_BACKEND = "project.cache.RedisCache"  # Django's, reusing its client (project/cache.py)
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = REDIS_CACHE_BACKEND
# Sessions are read from the cache and written through to the database: a signed-in page makes one query less,
# and a session the cache lost (culled, Redis down) is read from the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard:home"

# django-allauth: email is the identity; no login before the address is confirmed.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True  # a new address replaces the old one only once it is confirmed
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True  # in the browser that signed up; a link opened elsewhere only confirms
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Runnerly] "
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# The issue asks for a form error on a duplicate email at signup, which reveals that the address has an
# account; the signup rate limit bounds how fast anyone can probe (docs/decisions/0004).
ACCOUNT_PREVENT_ENUMERATION = False
# Per IP and per account (key): allauth's rate limiter, backed by the cache. The admin login counts against
# the same "login" and "login_failed" limits (project/urls.py); the token dealer's failed client
# authentications per address and per client id (apps/tokendealer/views.py), before any hash is computed.
ACCOUNT_RATE_LIMITS = {
    "login": env("RUNNERLY_RATE_LIMIT_LOGIN", default="30/m/ip"),
    "login_failed": env("RUNNERLY_RATE_LIMIT_LOGIN_FAILED", default="10/m/ip,5/5m/key"),
    "tokendealer_token": env("RUNNERLY_RATE_LIMIT_TOKEN_FAILED", default="10/m/ip,10/m/key"),
    "signup": env("RUNNERLY_RATE_LIMIT_SIGNUP", default="20/m/ip"),
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "project" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="Runnerly <noreply@runnerly.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Tokens first, so that an anonymous request is told to authenticate (401, WWW-Authenticate: Token):
        # runners' personal tokens (rnly_…), then the keys staff create in the admin.
        "project.authentication.PersonalTokenAuthentication",
        "project.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "project.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["project.authentication.PersonalTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": "1000/hour"},
}
# Runners' personal API tokens: the model that holds them, and how many requests each may make.
API_TOKEN_MODEL = "accounts.ApiToken"
API_TOKEN_RATE = env("RUNNERLY_API_TOKEN_RATE", default="600/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "Runnerly API",
    "DESCRIPTION": (
        "Runs, records, imports and data exports of the signed-in runner. Errors are {code, message, fields}.\n\n"
        "**Authentication.** Create a personal token on your profile (*Profile → API tokens*, `/profile/tokens/`): "
        "it is shown once. Send it with every request as `Authorization: Token <token>` (click *Authorize* to try "
        "it here). A *read* token answers 403 `token_read_only` to POST, PUT, PATCH and DELETE; an expired or "
        "revoked token gets 401. Each token is throttled (" + API_TOKEN_RATE + " requests); past that the answer "
        "is 429 with `Retry-After` (seconds). In the browser, your session works too.\n\n"
        "**Units.** The API is metric whatever the runner's units on the site: distances and elevations in metres "
        "(`*_m`), durations in seconds (`*_s`), paces in seconds per kilometre (`*_s_per_km`), speeds in km/h "
        "(`*_kmh`), radii in kilometres (`radius_km`). Miles and feet, for a runner who chose them, are for the "
        "site's pages only: convert for display (1 mile = 1609.344 m, 1 foot = 0.3048 m)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Personal tokens and staff-created keys travel in the same header: one security scheme, "tokenAuth".
    "AUTHENTICATION_WHITELIST": [
        "project.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}

# Celery (project/celery.py reads the CELERY_ namespace).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = False
# Eager mode only: long tasks sent with `project.celery.send_later` run in a thread of their own (the dev server's
# Strava import and webhook events) instead of inside the request that sent them.
RUNNERLY_EAGER_IN_BACKGROUND = env.bool("RUNNERLY_EAGER_IN_BACKGROUND", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # Django's LOGGING: request ids and JSON in workers too
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    # Without these a publish to a broker that vanished without closing the connection waits forever (kombu's
    # default); the read timeout stays above the 1 s BRPOP poll of the workers.
    "socket_connect_timeout": 1,
    "socket_timeout": 3,
    # With acks_late, a task whose worker died is handed out again after this long (Redis broker).
    "visibility_timeout": env.int("RUNNERLY_BROKER_VISIBILITY_TIMEOUT", default=3600),
    # How often workers look for such tasks (kombu's defaults: every 10 s, scanning one time in 10).
    "unacked_restore_interval": env.int("RUNNERLY_BROKER_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": 1 if env("RUNNERLY_BROKER_RESTORE_INTERVAL", default="") else 10,
}
CELERY_BEAT_SCHEDULE = {
    "events-sweep": {"task": "events.sweep", "schedule": env.float("RUNNERLY_EVENTS_SWEEP_SECONDS", default=60.0)},
    "imports-sweep": {"task": "imports.sweep", "schedule": env.float("RUNNERLY_IMPORTS_SWEEP_SECONDS", default=60.0)},
    "strava-sweep-events": {"task": "strava.sweep_events", "schedule": 60.0},
    "strava-safety-sync": {"task": "strava.safety_sync", "schedule": 3600.0},
    # On the hour, every hour: whoever's local clock has just passed 08:00 on the 1st is due.
    "reports-send-due": {"task": "reports.send_due", "schedule": crontab(minute=0)},
    "accounts-expire-exports": {"task": "accounts.expire_exports", "schedule": 3600.0},
    "accounts-sweep-exports": {"task": "accounts.sweep_exports", "schedule": 60.0},
}

# Monthly reports: sent on the 1st at this local hour; a beat that was down catches up for a few days.
REPORTS_SEND_HOUR = env.int("RUNNERLY_REPORTS_SEND_HOUR", default=8)
REPORTS_CATCH_UP_DAYS = env.int("RUNNERLY_REPORTS_CATCH_UP_DAYS", default=7)
# Where links in emails point (no request to take the host from).
SITE_URL = env("RUNNERLY_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Data exports (apps/accounts/archive.py): how long a runner's export zip is kept for download.
ACCOUNTS_EXPORT_DAYS = env.int("RUNNERLY_ACCOUNTS_EXPORT_DAYS", default=7)
# The exports sweep (apps/accounts/operations.py, sweep_exports): an export never handed to the broker is sent
# after the grace; one with no sign of life for the stale time is sent again, at most the attempts in all.
ACCOUNTS_EXPORT_QUEUED_GRACE_SECONDS = env.int("RUNNERLY_ACCOUNTS_EXPORT_QUEUED_GRACE_SECONDS", default=30)
ACCOUNTS_EXPORT_STALE_SECONDS = env.int("RUNNERLY_ACCOUNTS_EXPORT_STALE_SECONDS", default=300)
ACCOUNTS_EXPORT_MAX_ATTEMPTS = env.int("RUNNERLY_ACCOUNTS_EXPORT_MAX_ATTEMPTS", default=3)

# The run page's map: tiles from this server (a Leaflet URL template, such as
# https://tile.openstreetmap.org/{z}/{x}/{y}.png) under the attribution its terms require (HTML, shown on the map).
# Empty: no map, the route is drawn alone as an SVG line.
MAP_TILES_URL = env("RUNNERLY_MAP_TILES_URL", default="")
MAP_TILES_ATTRIBUTION = env(
    "RUNNERLY_MAP_TILES_ATTRIBUTION",
    default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
if MAP_TILES_URL and not MAP_TILES_ATTRIBUTION.strip():
    raise environ.ImproperlyConfigured("RUNNERLY_MAP_TILES_ATTRIBUTION is required with RUNNERLY_MAP_TILES_URL")

# Imports: limits on what a runner may upload at once.
IMPORTS_MAX_UPLOAD_BYTES = env.int("RUNNERLY_IMPORTS_MAX_UPLOAD_BYTES", default=25 * 1000 * 1000)
IMPORTS_MAX_ZIP_FILES = env.int("RUNNERLY_IMPORTS_MAX_ZIP_FILES", default=1000)
IMPORTS_MAX_ZIP_UNCOMPRESSED_BYTES = env.int("RUNNERLY_IMPORTS_MAX_ZIP_UNCOMPRESSED_BYTES", default=500 * 1000 * 1000)
# One file of a zip, unpacked: what bounds an import's memory before parsing. A GPX at the point limit
# (apps/imports/parsers.py MAX_POINTS_PER_FILE, 300,000) is 60 MB with heart rates, 100 MB with more.
IMPORTS_MAX_FILE_BYTES = env.int("RUNNERLY_IMPORTS_MAX_FILE_BYTES", default=120 * 1000 * 1000)
# The imports sweep (apps/imports/operations.py, sweep_jobs): a job never handed to the broker is sent
# after the grace time; one without a sign of life (a file done) for the stale time, which must exceed
# the longest one file takes, is sent again, and ended `failed` once it has been taken on that many times.
IMPORTS_QUEUED_GRACE_SECONDS = env.int("RUNNERLY_IMPORTS_QUEUED_GRACE_SECONDS", default=30)
IMPORTS_STALE_SECONDS = env.int("RUNNERLY_IMPORTS_STALE_SECONDS", default=300)  # the largest file: 70-130 s
IMPORTS_MAX_ATTEMPTS = env.int("RUNNERLY_IMPORTS_MAX_ATTEMPTS", default=3)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1000 * 1000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1000 * 1000

# Strava: off until the app's credentials are set. The URLs can point at a fake in tests and staging.
STRAVA_CLIENT_ID = env("STRAVA_CLIENT_ID", default="")
STRAVA_CLIENT_SECRET = env("STRAVA_CLIENT_SECRET", default="")
STRAVA_WEBHOOK_VERIFY_TOKEN = env("STRAVA_WEBHOOK_VERIFY_TOKEN", default="")
STRAVA_SUBSCRIPTION_ID = env.int("STRAVA_SUBSCRIPTION_ID", default=0)  # 0: not subscribed yet
# A secret last path segment of the webhook URL (…/strava/webhook/<secret>/): Strava does not sign its events.
STRAVA_WEBHOOK_PATH_SECRET = env("STRAVA_WEBHOOK_PATH_SECRET", default="")
STRAVA_API_URL = env("STRAVA_API_URL", default="https://www.strava.com/api/v3")
STRAVA_OAUTH_URL = env("STRAVA_OAUTH_URL", default="https://www.strava.com/oauth")
STRAVA_TOKEN_KEYS = env.list("STRAVA_TOKEN_KEYS", default=[])  # Fernet keys; the first encrypts
STRAVA_QUOTA_FRACTION = env.float("STRAVA_QUOTA_FRACTION", default=0.8)
STRAVA_QUOTA_WINDOW_S = env.int("STRAVA_QUOTA_WINDOW_S", default=15 * 60)
STRAVA_DEFAULT_LIMITS = (100, 1000)  # per 15 minutes and per day, until Strava's headers say otherwise

# Events (project/events): how long a handed-over delivery is left alone before the sweep sends it
# again, and the first delay after a handler fails (doubling with each attempt, at most an hour).
EVENTS_LEASE_SECONDS = env.int("RUNNERLY_EVENTS_LEASE_SECONDS", default=300)
EVENTS_RETRY_SECONDS = env.int("RUNNERLY_EVENTS_RETRY_SECONDS", default=30)
# How long a coalescing subscriber waits after the latest event of a key, folding in the others, and at most
# after its first (decision 0018): a single upload shows within seconds, a batch is handled once.
EVENTS_COALESCE_SECONDS = env.float("RUNNERLY_EVENTS_COALESCE_SECONDS", default=2.0)
EVENTS_COALESCE_MAX_SECONDS = env.float("RUNNERLY_EVENTS_COALESCE_MAX_SECONDS", default=30.0)
# Apps lifted out into their own services (docs/extraction.md): the monolith keeps off their tables
# (project/routers.py), sends their subscribers' deliveries to their own queue, and leaves their
# periodic tasks to their own beat.
EXTRACTED_APPS = env.list("RUNNERLY_EXTRACTED_APPS", default=[])
EVENTS_QUEUE = env("RUNNERLY_EVENTS_QUEUE", default="celery")  # the queue this process's workers consume
EVENTS_SUBSCRIBER_QUEUES = {app: app for app in EXTRACTED_APPS}
CELERY_TASK_ROUTES = {f"{app}.*": {"queue": app} for app in EXTRACTED_APPS}  # e.g. a webhook queues strava.*
DATABASE_ROUTERS = ["project.routers.ExtractedAppsRouter"]
# The periodic tasks of an extracted app run in its own beat.
CELERY_BEAT_SCHEDULE = {
    name: entry for name, entry in CELERY_BEAT_SCHEDULE.items() if entry["task"].split(".")[0] not in EXTRACTED_APPS
}

# Service interfaces (project/rpc). Each app is "local" unless routed to a base URL, e.g.
# SERVICE_ROUTING=reports=http://reports.internal:8000,strava=http://strava.internal:8000
SERVICE_ROUTING = env.dict("SERVICE_ROUTING", default={})
RPC_TRANSPORT = "project.rpc.remote.HttpTransport"
RPC_AUTH = env("RPC_AUTH", default="project.rpc.auth.HmacRequestAuth")
# The first key signs; every key verifies, so keys can be rotated without downtime.
RPC_SIGNING_KEYS = env.list("RPC_SIGNING_KEYS", default=[])
RPC_CONNECT_TIMEOUT = env.float("RPC_CONNECT_TIMEOUT", default=1.0)
RPC_READ_TIMEOUT = env.float("RPC_READ_TIMEOUT", default=5.0)
RPC_RETRIES = env.int("RPC_RETRIES", default=2)
RPC_BACKOFF_SECONDS = env.float("RPC_BACKOFF_SECONDS", default=0.1)
RPC_BREAKER_FAIL_MAX = env.int("RPC_BREAKER_FAIL_MAX", default=5)
RPC_BREAKER_RESET_SECONDS = env.int("RPC_BREAKER_RESET_SECONDS", default=30)
RPC_FORBID_CALLS_IN_TRANSACTION = False
# Callers keep the answers of kept reads in the shared cache under the versions services publish (decision 0019).
# Off, every call asks its service: for a deployment whose processes cannot share one cache.
RPC_KEEP_ANSWERS = env.bool("RPC_KEEP_ANSWERS", default=True)
# Pages made of services' answers (project/web/sections.py): remote sections load at once on this many
# threads per process (0: one after the other), and a page waits this long for them all.
PAGE_SECTION_WORKERS = env.int("PAGE_SECTION_WORKERS", default=8)
PAGE_SECTIONS_DEADLINE_SECONDS = env.float("PAGE_SECTIONS_DEADLINE_SECONDS", default=3.0)
# With RPC_AUTH=project.rpc.jwt_auth.JwtRequestAuth, calls carry the token dealer's JWTs instead:
RPC_TOKEN_URL = env("RPC_TOKEN_URL", default="http://127.0.0.1:8000/oauth/token")
RPC_JWKS_URL = env("RPC_JWKS_URL", default="http://127.0.0.1:8000/.well-known/jwks.json")
RPC_TOKEN_ISSUER = env("RPC_TOKEN_ISSUER", default="runnerly-token-dealer")
RPC_CLIENT_ID = env("RPC_CLIENT_ID", default="")
RPC_CLIENT_SECRET = env("RPC_CLIENT_SECRET", default="")

# The token dealer (apps/tokendealer): what it writes in `iss`, how long a token lives, and the
# Fernet keys its private keys are sealed with (derived from the secret key when empty).
TOKENDEALER_ISSUER = env("TOKENDEALER_ISSUER", default="runnerly-token-dealer")
TOKENDEALER_TOKEN_SECONDS = env.int("TOKENDEALER_TOKEN_SECONDS", default=300)
TOKENDEALER_KEY_ENCRYPTION_KEYS = env.list("TOKENDEALER_KEY_ENCRYPTION_KEYS", default=[])

# X-Request-ID from the client is trusted only behind a proxy that sets it (deploy/nginx).
REQUEST_ID_TRUSTED = env.bool("RUNNERLY_TRUST_REQUEST_ID", default=False)
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "project.requestid.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": ["asctime", "levelname", "name", "message", "request_id", "process"],
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("RUNNERLY_LOG_FORMAT", default="plain"),  # json in production (one object a line)
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
