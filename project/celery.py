"""The Celery application. Workers: `celery -A project worker`; beat: `celery -A project beat`."""

import ctypes
import importlib
import logging
import os
import threading

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings.production")

app = Celery("runnerly")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
LARGE_BUFFER_BYTES = 128 * 1024


@signals.worker_init.connect
@signals.worker_process_init.connect
def keep_large_buffers_mapped(**_: object) -> bool:
    """Give each buffer of 128 KiB or more its own mapping, returned to the system when freed.

    glibc raises its mmap threshold (up to 32 MiB) once a large block is freed, so an import's later arrays
    (a 10-hour file: 36,001 points, 288 KiB a column) come from the heap and fragment it: a worker grew by
    46 MiB from its 25th to its 100th import. A fixed threshold stops that (docs/performance.md). Called in
    each worker process; elsewhere (no glibc) it does nothing and answers False.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, LARGE_BUFFER_BYTES))


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


logger = logging.getLogger(__name__)
background: list[threading.Thread] = []  # the eager runs `send_later` started (tests join them)


def send_later(name: str, **kwargs) -> None:
    """Send a task that may take long (a Strava history, a webhook event). To the broker as usual; in eager mode
    with `RUNNERLY_EAGER_IN_BACKGROUND` (the dev server's), run it in a thread of its own, so that the request
    that sent it answers at once instead of doing the work inline."""
    from django.conf import settings

    if not (app.conf.task_always_eager and settings.RUNNERLY_EAGER_IN_BACKGROUND):
        task(name).delay(**kwargs)
        return
    background[:] = [thread for thread in background if thread.is_alive()]
    thread = threading.Thread(target=_run_eagerly, args=(name, kwargs), name=f"eager {name}", daemon=True)
    background.append(thread)
    thread.start()


def _run_eagerly(name: str, kwargs: dict) -> None:
    from django.db import connections

    try:
        task(name).delay(**kwargs)
    except Exception:
        logger.exception("celery.background_task_failed", extra={"task": name})
    finally:
        connections.close_all()  # this thread's own
