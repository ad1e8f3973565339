"""gunicorn -c extracted/runs/gunicorn.conf.py extracted.runs.wsgi"""

from project.gunicorn_conf import *  # noqa: F403  (the settings every process shares)

raw_env = ["DJANGO_SETTINGS_MODULE=extracted.runs.settings"]
