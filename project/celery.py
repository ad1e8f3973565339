"""The Celery application. Workers: `celery -A project worker`; beat: `celery -A project beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.production")

app = Celery("runnerly")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def task(name: str):
    """A registered task, by its name. A module that its app's tasks module imports (operations, the outbox)
    sends its tasks this way, so that no two files import each other; eager mode is honoured as with `.delay`."""
    if name not in app.tasks:  # a web process imports tasks modules only when asked: discover them now
        app.loader.import_default_modules()
    return app.tasks[name]
