"""The remote implementation of an interface, generated from its abstract class.

Each method encodes its keyword arguments, signs the request, and POSTs it to
`<base_url>/internal/rpc/<service>/<method>` through a pooled transport with connect and read
timeouts (urllib3). Idempotent methods are retried with backoff on network errors and 502/503/504; every
service has a circuit breaker (pybreaker) that opens after repeated failures, so a dead service
costs callers nothing but a `ServiceUnavailable`.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pybreaker
import urllib3
from django.conf import settings
from django.db import connections
from django.utils.module_loading import import_string
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from project import metrics, requestid
from project.rpc import auth, codec
from project.rpc.errors import NotAuthenticated, RemoteServiceError, ServiceError, ServiceUnavailable
from project.rpc.interface import Service

logger = logging.getLogger(__name__)
RETRYABLE_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class TransportResponse:
    status: int
    body: bytes


class TransportError(Exception):
    """The request did not get an HTTP answer (refused, reset, timed out)."""


_pools: dict[int, urllib3.PoolManager] = {}  # by process id: a forked worker makes its own connections


def _pool() -> urllib3.PoolManager:
    pid = os.getpid()
    if pid not in _pools:
        _pools[pid] = urllib3.PoolManager(num_pools=16, maxsize=32, retries=False)
    return _pools[pid]


def _failure_kind(error: urllib3.exceptions.HTTPError) -> str:
    if isinstance(error, urllib3.exceptions.NewConnectionError):  # refused, unreachable (before the timeouts)
        return "ConnectionError"
    if isinstance(error, urllib3.exceptions.ConnectTimeoutError):
        return "ConnectTimeout"
    if isinstance(error, urllib3.exceptions.ReadTimeoutError):
        return "ReadTimeout"
    return "ConnectionError"


class HttpTransport:
    """urllib3, with one pool of kept-alive connections per process shared by every caller. (requests, which
    sits on urllib3, cost 0.3 to 0.7 ms more per call on loopback: docs/performance.md.) No retries or redirects
    here: `RemoteClient` retries what may be retried."""

    def _send(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> TransportResponse:
        timeout = urllib3.Timeout(connect=settings.RPC_CONNECT_TIMEOUT, read=settings.RPC_READ_TIMEOUT)
        try:
            response = _pool().request(
                method, url, body=body, headers=headers, timeout=timeout, retries=False, redirect=False
            )
        except urllib3.exceptions.HTTPError as exc:
            raise TransportError(f"{_failure_kind(exc)}: {exc}") from exc
        return TransportResponse(status=response.status, body=response.data)

    def post(self, url: str, *, body: bytes, headers: dict[str, str]) -> TransportResponse:
        return self._send("POST", url, body, headers)

    def get(self, url: str, *, headers: dict[str, str]) -> TransportResponse:
        return self._send("GET", url, None, headers)


class _ServerFailure(Exception):
    """A 5xx answer; raised inside the breaker so that it counts as a failure."""

    def __init__(self, response: TransportResponse) -> None:
        super().__init__(response.status)
        self.response = response


_breakers: dict[str, pybreaker.CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(service_name: str) -> pybreaker.CircuitBreaker:
    with _breakers_lock:
        if service_name not in _breakers:
            _breakers[service_name] = pybreaker.CircuitBreaker(
                fail_max=settings.RPC_BREAKER_FAIL_MAX,
                reset_timeout=settings.RPC_BREAKER_RESET_SECONDS,
                name=service_name,
            )
        return _breakers[service_name]


class _CircuitCollector(Collector):
    """Read at scrape time: 1 for each service whose circuit is open in this process, else 0."""

    def describe(self) -> list:
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        circuits = GaugeMetricFamily(
            "runnerly_rpc_circuit_open", "1 while a service's circuit is open", labels=["service"]
        )
        with _breakers_lock:
            states = sorted((name, breaker.current_state) for name, breaker in _breakers.items())
        for name, state in states:
            circuits.add_metric([name], 1.0 if state == "open" else 0.0)
        yield circuits


metrics.REGISTRY.register(_CircuitCollector())


def reset_breakers() -> None:
    with _breakers_lock:
        _breakers.clear()


def assert_no_transaction(service_name: str, method_name: str) -> None:
    """A remote call inside a transaction would hold locks across the network and cannot be rolled back."""
    if not settings.RPC_FORBID_CALLS_IN_TRANSACTION:
        return
    for connection in connections.all(initialized_only=True):
        if any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks):
            raise RuntimeError(
                f"remote call {service_name}.{method_name} inside an open transaction on {connection.alias!r}; "
                "call services after the transaction commits (transaction.on_commit)"
            )


class RemoteClient:
    def __init__(self, service: type[Service], base_url: str) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.transport = import_string(settings.RPC_TRANSPORT)()
        self.auth = auth.request_auth()

    def call(self, method_name: str, kwargs: dict[str, Any]) -> Any:
        started, outcome = time.perf_counter(), "error"
        try:
            result = self._call_authenticated(method_name, kwargs)
            outcome = "ok"
            return result
        except ServiceUnavailable:
            outcome = "unavailable"
            raise
        except RemoteServiceError:
            outcome = "error"
            raise
        except ServiceError:
            outcome = "service_error"  # an anticipated error of the interface (not found, invalid...)
            raise
        finally:
            metrics.RPC_CALLS.labels(self.service.name, method_name, outcome).inc()
            metrics.RPC_SECONDS.labels(self.service.name, method_name).observe(time.perf_counter() - started)

    def _call_authenticated(self, method_name: str, kwargs: dict[str, Any]) -> Any:
        """A refused credential (401) is dropped and the call made once more with a new one: the callee runs
        nothing before it has checked the caller, so this holds for any method. Refused again, the service is
        unavailable to this caller, and a page shows its section so, as when the service is down."""
        try:
            return self._call(method_name, kwargs)
        except NotAuthenticated:
            self.auth.forget(service=self.service.name)
        try:
            return self._call(method_name, kwargs)
        except NotAuthenticated as error:
            name = self.service.name
            logger.error("rpc.call_refused", extra={"service": name, "method": method_name, "reason": error.message})
            message = f"the {name} service refused this service's credentials ({error.message})"
            raise ServiceUnavailable(message) from None

    def _call(self, method_name: str, kwargs: dict[str, Any]) -> Any:
        name = self.service.name
        assert_no_transaction(name, method_name)
        body = codec.encode_params(self.service, method_name, kwargs)
        url = f"{self.base_url}/internal/rpc/{name}/{method_name}"
        attempts = 1 + (settings.RPC_RETRIES if self.service.is_idempotent(method_name) else 0)
        breaker = breaker_for(name)
        for attempt in range(1, attempts + 1):
            headers = {
                "Content-Type": "application/json",
                **requestid.outgoing_headers(),
                **self.auth.sign(service=name, method=method_name, body=body),
            }
            try:
                response = breaker.call(self._post, url, body, headers)
                break
            except pybreaker.CircuitBreakerError:
                raise ServiceUnavailable(f"the {name} service is unavailable (circuit open)") from None
            except (TransportError, _ServerFailure) as exc:
                retryable = isinstance(exc, TransportError) or exc.response.status in RETRYABLE_STATUSES
                logger.warning("rpc.call_failed", extra={"service": name, "method": method_name, "attempt": attempt})
                if attempt < attempts and retryable:
                    time.sleep(settings.RPC_BACKOFF_SECONDS * 2 ** (attempt - 1))
                    continue
                if isinstance(exc, TransportError):
                    raise ServiceUnavailable(f"the {name} service is unavailable ({exc})") from None
                response = exc.response
                break
        return self._result(method_name, response)

    def ping(self) -> list[str]:
        """The methods the remote side serves; raises `ServiceUnavailable` when it does not answer."""
        name = self.service.name
        headers = {"Content-Type": "application/json", **self.auth.sign(service=name, method="_ping", body=b"")}
        try:
            response = self.transport.post(f"{self.base_url}/internal/rpc/{name}/_ping", body=b"", headers=headers)
        except TransportError as exc:
            raise ServiceUnavailable(f"the {name} service is unavailable ({exc})") from None
        return list(self._payload(response)["methods"])

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> TransportResponse:
        response = self.transport.post(url, body=body, headers=headers)
        if response.status >= 500:
            raise _ServerFailure(response)
        return response

    def _result(self, method_name: str, response: TransportResponse) -> Any:
        return codec.decode_result(self.service, method_name, self._payload(response))

    def _payload(self, response: TransportResponse) -> Any:
        """The `result` of a 200 answer; anything else raised as the error it carries."""
        try:
            payload = json.loads(response.body)
        except ValueError:
            payload = None
        if response.status == 200 and isinstance(payload, dict) and "result" in payload:
            return payload["result"]
        if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
            raise ServiceError.from_dict(payload["error"])
        if response.status in RETRYABLE_STATUSES:
            raise ServiceUnavailable(f"the {self.service.name} service answered {response.status}")
        raise RemoteServiceError(f"the {self.service.name} service answered {response.status} without a result")


def _remote_method(method_name: str, abstract: Any) -> Any:
    @functools.wraps(abstract)
    def method(self: Any, **kwargs: Any) -> Any:
        return self._client.call(method_name, kwargs)

    method.__isabstractmethod__ = False  # type: ignore[attr-defined]
    return method


@functools.cache
def _remote_class(service: type[Service]) -> type:
    namespace: dict[str, Any] = {
        method_name: _remote_method(method_name, getattr(service, method_name))
        for method_name in service.method_names()
    }
    # Built with type() rather than as a Service subclass: its methods take **kwargs, and the
    # declaration check is about hand-written implementations.
    return type(f"Remote{service.__name__}", (), namespace)


def remote_implementation(service: type[Service], *, base_url: str) -> Any:
    instance = _remote_class(service)()
    instance._client = RemoteClient(service, base_url)
    return instance
