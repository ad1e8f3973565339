"""gunicorn -c extracted/plans/gunicorn.conf.py extracted.plans.wsgi"""

from project.gunicorn_conf import *  # noqa: F403  (the settings every process shares)

raw_env = ["DJANGO_SETTINGS_MODULE=extracted.plans.settings"]
