"""gunicorn -c extracted/races/gunicorn.conf.py extracted.races.wsgi"""

import os

bind = os.environ.get("RUNNERLY_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("RUNNERLY_WEB_WORKERS", "2"))
threads = int(os.environ.get("RUNNERLY_WEB_THREADS", "4"))
keepalive = 30  # callers keep connections open across calls
timeout = 30
accesslog = "-"
raw_env = ["DJANGO_SETTINGS_MODULE=extracted.races.settings"]
