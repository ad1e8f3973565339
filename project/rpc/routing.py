"""Which implementation answers a call: `settings.SERVICE_ROUTING[name]` is "local" (default) or a base URL.

A read the interface marks kept goes through `versions.call`, which answers from the shared cache while the
service's version is unchanged, the same way for both (decision 0019)."""

from __future__ import annotations

import functools
import threading
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from project.rpc import versions
from project.rpc.interface import Service

LOCAL = "local"


def routing_for(name: str) -> str:
    return str(settings.SERVICE_ROUTING.get(name, LOCAL)) or LOCAL


def local_implementation(interface: type[Service]) -> Service:
    """The in-process implementation, imported on first use so that importing an interface stays cheap."""
    return _implementations.get(interface, LOCAL)


class _Implementations:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[tuple[type[Service], str, str], Service] = {}

    def get(self, interface: type[Service], route: str) -> Service:
        transport = "" if route == LOCAL else settings.RPC_TRANSPORT
        key = (interface, route, transport)
        implementation = self._cache.get(key)
        if implementation is None:
            with self._lock:
                implementation = self._cache.get(key) or self._build(interface, route)
                self._cache[key] = implementation
        return implementation

    @staticmethod
    def _build(interface: type[Service], route: str) -> Service:
        if route == LOCAL:
            implementation_class = import_string(interface.local_implementation)
            if not issubclass(implementation_class, interface):
                raise TypeError(f"{interface.local_implementation} does not implement {interface.__name__}")
            return implementation_class()
        from project.rpc import remote

        return remote.remote_implementation(interface, base_url=route)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


_implementations = _Implementations()


def implementation(interface: type[Service]) -> Any:
    """The implementation routed now, called without keeping answers (benches measure the call itself)."""
    return _implementations.get(interface, routing_for(interface.name))


def delegator(interface: type[Service]) -> Any:
    """The module-level object call sites use (`runs_service`), typed as the interface for readers and mypy;
    Django settings are read only when a call is made."""
    return ServiceDelegator(interface)


class ServiceDelegator:
    """Stands in for a service at module level; each call goes to the implementation routed now."""

    def __init__(self, interface: type[Service]) -> None:
        self._interface = interface

    def __getattr__(self, method_name: str) -> Any:
        if method_name not in self._interface.rpc_methods:
            raise AttributeError(f"{self._interface.__name__} has no method {method_name!r}")
        implementation = _implementations.get(self._interface, routing_for(self._interface.name))
        if self._interface.kept(method_name):
            return functools.partial(versions.call, self._interface, method_name, getattr(implementation, method_name))
        versions.refuse_unless_kept(self._interface, method_name)
        return getattr(implementation, method_name)

    def __repr__(self) -> str:
        return f"<{self._interface.__name__} delegator ({routing_for(self._interface.name)})>"
