"""gunicorn -c extracted/races/gunicorn.conf.py extracted.races.wsgi"""

from project.gunicorn_conf import *  # noqa: F403  (the settings every process shares)

raw_env = ["DJANGO_SETTINGS_MODULE=extracted.races.settings"]
