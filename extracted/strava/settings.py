"""The strava service: apps/strava on its own database; other services where SERVICE_ROUTING says.

Glue only: the code is the repository's apps/strava, unchanged. See README.md here and docs/extraction.md.
"""

from project.settings.production import *  # noqa: F403
from project.settings.production import CELERY_BEAT_SCHEDULE, LOGGING, database_settings, env  # noqa: F401

SERVICE_NAME = "strava"
# This database holds strava's tables and the event tables (its inbox and outbox), nothing else.
SERVICE_APPS = ["strava", "events", "contenttypes", "auth"]
EXTRACTED_APPS: list[str] = []
DATABASES = {"default": database_settings(env("DATABASE_URL"))}
if env("RUNNERLY_COPY_FROM_DATABASE_URL", default=""):  # the monolith's database, read by copy_app_data
    DATABASES["monolith"] = env.db("RUNNERLY_COPY_FROM_DATABASE_URL")

# The topology, the same two variables in every process: RUNNERLY_EXTRACTED_APPS lists the apps that run as
# their own services, SERVICE_ROUTING=name=url,... says where; every other service is in the monolith.
SERVICES = ["accounts", "imports", "plans", "races", "reports", "runs", "strava"]
MONOLITH_URL = env("RUNNERLY_MONOLITH_URL")
MONOLITH_QUEUE = env("RUNNERLY_MONOLITH_QUEUE", default="celery")
SERVICES_EXTRACTED = {*env.list("RUNNERLY_EXTRACTED_APPS", default=[]), "strava"}
SERVICE_ROUTING = {name: MONOLITH_URL for name in SERVICES if name != "strava"}
SERVICE_ROUTING |= {name: url for name, url in env.dict("SERVICE_ROUTING", default={}).items() if name != "strava"}

# Its workers consume its own queue: the monolith's relay sends strava's event deliveries there. The events it
# publishes go to each subscriber's own queue: an extracted app's, or the monolith's.
EVENTS_QUEUE = "strava"
CELERY_TASK_DEFAULT_QUEUE = "strava"
EVENTS_SUBSCRIBER_QUEUES = {name: name if name in SERVICES_EXTRACTED else MONOLITH_QUEUE for name in SERVICES}
CELERY_TASK_ROUTES = {f"{name}.*": {"queue": queue} for name, queue in EVENTS_SUBSCRIBER_QUEUES.items()}
OWN_TASKS = ("strava", "events")  # beat sends only these here; the monolith's beat sends the rest
CELERY_BEAT_SCHEDULE = {name: e for name, e in CELERY_BEAT_SCHEDULE.items() if e["task"].split(".")[0] in OWN_TASKS}
ROOT_URLCONF = "extracted.strava.urls"
# It serves the internal endpoint, health and metrics only: no sessions, logins, messages or static files.
MIDDLEWARE = [
    "project.requestid.RequestIdMiddleware",
    "project.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
SILENCED_SYSTEM_CHECKS = ["admin.E408", "admin.E409", "admin.E410"]  # the admin's middleware: no admin served here
