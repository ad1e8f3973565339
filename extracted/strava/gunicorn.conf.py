"""gunicorn -c extracted/strava/gunicorn.conf.py extracted.strava.wsgi"""

from project.gunicorn_conf import *  # noqa: F403  (the settings every process shares)

raw_env = ["DJANGO_SETTINGS_MODULE=extracted.strava.settings"]
