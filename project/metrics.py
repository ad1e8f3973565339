"""Prometheus metrics of every process (prometheus_client): requests per view, service calls per
service and method with their errors, circuit state, Celery task outcomes, the outbox backlog.

Web processes answer `GET /metrics` (closed to the outside by deploy/nginx.conf); with several
gunicorn workers set PROMETHEUS_MULTIPROC_DIR so the figures are summed across them. A Celery
worker serves them on RUNNERLY_METRICS_PORT when it is set.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from celery import signals
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Histogram(
    "runnerly_http_request_seconds", "Time to answer a request, by view", ["view", "method", "status"]
)
RPC_CALLS = Counter(
    "runnerly_rpc_calls_total", "Service interface calls made over HTTP, by outcome", ["service", "method", "outcome"]
)
RPC_SECONDS = Histogram("runnerly_rpc_call_seconds", "Time of a remote interface call", ["service", "method"])
TASKS = Counter("runnerly_celery_tasks_total", "Celery tasks run by this worker, by outcome", ["task", "outcome"])


class _StateCollector(Collector):
    """Read at scrape time: the outbox backlog of this process's database. (The circuits of its service calls
    are `project.rpc.remote`'s own collector.)"""

    def describe(self) -> list:
        return []  # nothing to check at registration: the figures exist only when scraped

    def collect(self) -> Iterator[GaugeMetricFamily]:
        backlog = GaugeMetricFamily("runnerly_outbox_backlog", "Event deliveries not delivered yet")
        try:
            from project.events import outbox

            backlog.add_metric([], float(outbox.pending_count()))
        except DatabaseError:  # the database is down: leave the figure out rather than fail the scrape
            return
        yield backlog


REGISTRY.register(_StateCollector())


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None else "unmatched"
        REQUESTS.labels(view, request.method, str(response.status_code)).observe(time.perf_counter() - started)
        return response


def _internal(request: HttpRequest) -> bool:
    """Only from loopback or a private network (Prometheus beside us); nginx refuses /metrics from outside too."""
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return address.is_loopback or address.is_private


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _internal(request):
        return HttpResponse("Metrics are served to the private network only.", status=403, content_type="text/plain")
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(_StateCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


@signals.task_success.connect
def _task_succeeded(sender: Any = None, **kwargs: Any) -> None:
    TASKS.labels(getattr(sender, "name", "?"), "success").inc()


@signals.task_failure.connect
def _task_failed(sender: Any = None, **kwargs: Any) -> None:
    TASKS.labels(getattr(sender, "name", "?"), "failure").inc()


@signals.task_retry.connect
def _task_retried(sender: Any = None, **kwargs: Any) -> None:
    TASKS.labels(getattr(getattr(sender, "task", None), "name", "?"), "retry").inc()


@signals.worker_ready.connect
def _serve_worker_metrics(**kwargs: Any) -> None:
    port = os.environ.get("RUNNERLY_METRICS_PORT")
    if port:
        start_http_server(int(port))
