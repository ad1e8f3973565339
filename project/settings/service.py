"""What makes a process one extracted service: `extracted/<app>/settings.py` imports the production settings
and calls `as_service("<app>", globals())`. Glue only: the code is the repository's `apps/<app>`, unchanged.

The topology is the same two variables in every process: `RUNNERLY_EXTRACTED_APPS` lists the apps that run as
their own services, `SERVICE_ROUTING=name=url,...` says where; every other service is in the monolith
(`RUNNERLY_MONOLITH_URL`, its queue `RUNNERLY_MONOLITH_QUEUE`). See docs/extraction.md.
"""

from __future__ import annotations

from typing import Any

from project.settings.base import database_settings, env

# Every app with a service interface (tests/rpc/test_extract_command.py checks the list against the registry).
SERVICES = ["accounts", "imports", "plans", "races", "reports", "runs", "strava"]
# A service serves the internal endpoint, health and metrics only: no sessions, logins, messages or static files.
MIDDLEWARE = [
    "project.requestid.RequestIdMiddleware",
    "project.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]


def as_service(app: str, settings: dict[str, Any]) -> None:
    """Turn the production settings in `settings` (a settings module's globals) into the `app` service's."""
    monolith_url, monolith_queue = env("RUNNERLY_MONOLITH_URL"), env("RUNNERLY_MONOLITH_QUEUE", default="celery")
    extracted = {*env.list("RUNNERLY_EXTRACTED_APPS", default=[]), app}
    routing = {name: monolith_url for name in SERVICES if name != app}
    routing |= {name: url for name, url in env.dict("SERVICE_ROUTING", default={}).items() if name != app}
    # The events it publishes go to each subscriber's own queue (an extracted app's, or the monolith's), as do
    # the tasks it sends to another app; its own workers consume its own queue.
    queues = {name: name if name in extracted else monolith_queue for name in SERVICES}
    databases = {"default": database_settings(env("DATABASE_URL"))}
    if env("RUNNERLY_COPY_FROM_DATABASE_URL", default=""):  # the monolith's database, read by copy_app_data
        databases["monolith"] = env.db("RUNNERLY_COPY_FROM_DATABASE_URL")
    own_tasks = (app, "events")  # beat sends only these here; the monolith's beat sends the rest
    settings.update(
        SERVICE_NAME=app,
        SERVICE_APPS=[app, "events", "contenttypes", "auth"],  # its tables and the events' (inbox and outbox)
        EXTRACTED_APPS=[],
        DATABASES=databases,
        SERVICE_ROUTING=routing,
        EVENTS_QUEUE=app,
        CELERY_TASK_DEFAULT_QUEUE=app,
        EVENTS_SUBSCRIBER_QUEUES=queues,
        CELERY_TASK_ROUTES={f"{name}.*": {"queue": queue} for name, queue in queues.items()},
        CELERY_BEAT_SCHEDULE={
            name: entry
            for name, entry in settings["CELERY_BEAT_SCHEDULE"].items()
            if entry["task"].split(".")[0] in own_tasks
        },
        ROOT_URLCONF="project.service_urls",
        MIDDLEWARE=MIDDLEWARE,
        SILENCED_SYSTEM_CHECKS=["admin.E408", "admin.E409", "admin.E410"],  # the admin's middleware: no admin here
    )
