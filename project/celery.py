"""The Celery application. Workers: `celery -A project worker`; beat: `celery -A project beat`."""

import importlib
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.production")

app = Celery("runnerly")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def task(name: str):
    """A registered task, by its name. A module that its app's tasks module imports (operations, the outbox)
    sends its tasks this way, so that no two files import each other; eager mode is honoured as with `.delay`."""
    if name not in app.tasks:  # a web process imports a tasks module only when one of its tasks is sent
        label = name.partition(".")[0]
        for module in (f"apps.{label}.tasks", f"project.{label}.tasks"):
            try:
                importlib.import_module(module)
                break
            except ModuleNotFoundError as missing:
                if missing.name not in (module, module.rpartition(".")[0]):
                    raise  # the tasks module exists but something it imports does not
    return app.tasks[name]
