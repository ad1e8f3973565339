"""The Celery application. Workers: `celery -A project worker`; beat: `celery -A project beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.production")

app = Celery("runnerly")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
