"""gunicorn -c extracted/imports/gunicorn.conf.py extracted.imports.wsgi"""

from project.gunicorn_conf import *  # noqa: F403  (the settings every process shares)

raw_env = ["DJANGO_SETTINGS_MODULE=extracted.imports.settings"]
