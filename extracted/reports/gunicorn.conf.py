"""gunicorn -c extracted/reports/gunicorn.conf.py extracted.reports.wsgi"""

from project.gunicorn_conf import *  # noqa: F403  (the settings every process shares)

raw_env = ["DJANGO_SETTINGS_MODULE=extracted.reports.settings"]
