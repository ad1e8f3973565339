"""The strava service: apps/strava on its own database; the other services are in the monolith.

Glue only: the code is the repository's apps/strava, unchanged. See README.md here and docs/extraction.md.
"""

from project.settings.production import *  # noqa: F403
from project.settings.production import CELERY_BEAT_SCHEDULE, LOGGING, env  # noqa: F401

SERVICE_NAME = "strava"
# This database holds strava's tables and the event tables (its inbox and outbox), nothing else.
SERVICE_APPS = ["strava", "events", "contenttypes", "auth"]
EXTRACTED_APPS: list[str] = []
DATABASES = {"default": env.db("DATABASE_URL")}
if env("RUNNERLY_COPY_FROM_DATABASE_URL", default=""):  # the monolith's database, read by copy_app_data
    DATABASES["monolith"] = env.db("RUNNERLY_COPY_FROM_DATABASE_URL")

MONOLITH_URL = env("RUNNERLY_MONOLITH_URL")
SERVICE_ROUTING = {name: MONOLITH_URL for name in ["accounts", "imports", "plans", "races", "reports", "runs"]}

# Its workers consume its own queue: the monolith's relay sends strava's event deliveries there.
EVENTS_QUEUE = "strava"
CELERY_TASK_DEFAULT_QUEUE = "strava"
CELERY_BEAT_SCHEDULE = {
    name: entry for name, entry in CELERY_BEAT_SCHEDULE.items() if entry["task"].split(".")[0] in ("strava", "events")
}
ROOT_URLCONF = "extracted.strava.urls"
