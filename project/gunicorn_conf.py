"""gunicorn settings shared by the monolith (`gunicorn -c python:project.gunicorn_conf project.wsgi`) and every
extracted service (extracted/<app>/gunicorn.conf.py starts from these). Why these values: docs/performance.md."""

import os

bind = os.environ.get("RUNNERLY_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("RUNNERLY_WEB_WORKERS", "2"))
threads = int(os.environ.get("RUNNERLY_WEB_THREADS", "4"))
keepalive = 30  # callers keep connections open across calls
timeout = 30
accesslog = "-"
# The request id the app answers with, so one request can be followed through every process's log.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
