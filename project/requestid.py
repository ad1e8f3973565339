"""One request id per request, carried into service calls and Celery tasks, and onto every log line.

The id is taken from `X-Request-ID` when it comes from a party we trust — a proxy in front of us
(`RUNNERLY_TRUST_REQUEST_ID`, set where nginx makes the header) or another service's signed call —
and made up otherwise. It travels as `X-Request-ID` on RPC calls and as a header of every task
published while it is set, so one upload leaves the same id in the web process, the worker and
the services they call.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from celery import signals
from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def _trusted(request: HttpRequest) -> bool:
    return settings.REQUEST_ID_TRUSTED or request.path.startswith("/internal/rpc/")  # signed service calls


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        value = given if given and _VALID.match(given) and _trusted(request) else uuid.uuid4().hex
        token = current.set(value)
        try:
            response = self.get_response(request)
        finally:
            current.reset(token)
        response[HEADER] = value
        return response


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record (empty outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current.get()
        return True


def outgoing_headers() -> dict[str, str]:
    value = current.get()
    return {HEADER: value} if value else {}


@signals.before_task_publish.connect
def _stamp_task(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    value = current.get()
    if value and headers is not None:
        headers.setdefault("request_id", value)


_task_tokens: dict[str, contextvars.Token[str]] = {}


@signals.task_prerun.connect
def _enter_task(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    value = getattr(task.request, "request_id", None) if task is not None else None
    if value and task_id:
        _task_tokens[task_id] = current.set(str(value))


@signals.task_postrun.connect
def _leave_task(task_id: str | None = None, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        current.reset(token)
