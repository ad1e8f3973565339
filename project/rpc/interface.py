"""The base of every service interface, checked when it is declared.

    class AccountsService(rpc.interface.Service):
        name = "accounts"
        local_implementation = "apps.accounts.interface.local.LocalAccountsService"

        @rpc.interface.read_only
        @abc.abstractmethod
        def get_user(self, *, user_id: int) -> contracts.UserProfile: ...

    accounts_service: AccountsService = routing.delegator(AccountsService)

A method marked `read_only` changes nothing: it is retried like an `idempotent` one, and a service
token with the `read` scope may call it. Every other method is a write and needs the `write` scope
(checked by `project.rpc.jwt_auth`): unmarked means write, so a forgotten mark fails closed.
A read marked `kept_per_user` or `kept_per_service` is answered by its callers from the shared cache while
the version the service publishes is unchanged (`project.rpc.versions`, decision 0019).

An interface declares `name` in its own body; an implementation subclasses it without one and must
match every abstract signature exactly. Calls go through the delegator, which picks the local or the
remote implementation from `settings.SERVICE_ROUTING` at call time.
"""

from __future__ import annotations

import abc
import dataclasses
import datetime
import decimal
import enum
import inspect
import types
import typing
import uuid
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import pydantic

_SCALARS = (str, int, float, bool, decimal.Decimal, datetime.datetime, datetime.date, uuid.UUID, type(None))
_registry: dict[str, type[Service]] = {}

F = TypeVar("F", bound=Callable[..., Any])
READ_SCOPE, WRITE_SCOPE = "read", "write"  # the scopes a service token carries (apps/tokendealer deals them)
PING = "_ping"  # not a method: the internal endpoint answers it with the service's methods (a read)
KEPT_PER_USER, KEPT_PER_SERVICE = "user", "service"  # what a kept read's version covers (project/rpc/versions.py)


def idempotent(method: F) -> F:
    """Mark a write safe to retry (keyed so that repeating it changes nothing)."""
    method.__rpc_idempotent__ = True  # type: ignore[attr-defined]
    return method


def read_only(method: F) -> F:
    """Mark a read: it changes nothing, so it is safe to retry and a `read` token may call it."""
    method.__rpc_read_only__ = True  # type: ignore[attr-defined]
    return idempotent(method)


def kept_per_user(method: F) -> F:
    """Mark a read of one user's data (it takes `user_id`) whose answers callers keep until the service forgets
    that user's version (`versions.forget(service, user_id=...)` on every write of what it reads)."""
    method.__rpc_kept__ = KEPT_PER_USER  # type: ignore[attr-defined]
    return read_only(method)


def kept_per_service(method: F) -> F:
    """Mark a read whose answers callers keep until the service forgets its one version for all its data
    (`versions.forget(service)` on every write of what it reads); for data every user sees, such as races."""
    method.__rpc_kept__ = KEPT_PER_SERVICE  # type: ignore[attr-defined]
    return read_only(method)


class InterfaceError(TypeError):
    """An interface or implementation breaks the rules; raised at import time."""


def _check_serialisable(annotation: Any, where: str) -> None:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            _check_serialisable(arg, where)
        return
    if origin is typing.Literal:
        return
    if origin in (list, tuple, frozenset, set):
        for arg in typing.get_args(annotation):
            if arg is not Ellipsis:
                _check_serialisable(arg, where)
        return
    if origin is dict:
        key, value = typing.get_args(annotation)
        if key is not str:
            raise InterfaceError(f"{where}: dict keys must be str, not {key!r}")
        _check_serialisable(value, where)
        return
    if origin is not None:
        raise InterfaceError(f"{where}: {annotation!r} cannot cross the wire")
    if annotation in _SCALARS:
        return
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return
        if issubclass(annotation, pydantic.BaseModel):
            if not annotation.model_config.get("frozen"):
                raise InterfaceError(f"{where}: {annotation.__name__} must be frozen (model_config frozen=True)")
            return
        if dataclasses.is_dataclass(annotation):
            params = getattr(annotation, "__dataclass_params__", None)
            if not (params and params.frozen):
                raise InterfaceError(f"{where}: dataclass {annotation.__name__} must be frozen")
            return
    raise InterfaceError(f"{where}: {annotation!r} is not a serialisable type (str, int, DTO, list[...], ...)")


def _abstract_methods(interface: type) -> dict[str, Callable[..., Any]]:
    # ABCMeta sets __abstractmethods__ only after __init_subclass__ has run, so look for ourselves.
    names = {
        name
        for klass in interface.__mro__
        for name, value in vars(klass).items()
        if getattr(value, "__isabstractmethod__", False)
    }
    return {name: getattr(interface, name) for name in sorted(names)}


def signature_of(function: Callable[..., Any]) -> tuple[list[tuple[str, Any, Any, Any]], Any]:
    """(name, kind, default, resolved annotation) of each parameter after self, and the return annotation."""
    signature = inspect.signature(function)
    hints = typing.get_type_hints(function)
    params = [
        (param.name, param.kind, param.default, hints.get(param.name, inspect.Parameter.empty))
        for param in list(signature.parameters.values())[1:]
    ]
    return params, hints.get("return", inspect.Parameter.empty)  # type: ignore[return-value]


def _validate_interface(interface: type[Service]) -> None:
    methods = _abstract_methods(interface)
    if not methods:
        raise InterfaceError(f"{interface.__name__} declares no abstract methods")
    for method_name, method in methods.items():
        where = f"{interface.__name__}.{method_name}"
        if method_name.startswith("_"):
            raise InterfaceError(f"{where}: interface methods are public")
        params, returns = signature_of(method)
        for name, kind, _default, annotation in params:
            if kind is not inspect.Parameter.KEYWORD_ONLY:
                raise InterfaceError(f"{where}: parameter {name!r} must be keyword-only (put it after '*')")
            if annotation is inspect.Parameter.empty:
                raise InterfaceError(f"{where}: parameter {name!r} needs a type annotation")
            _check_serialisable(annotation, f"{where}({name})")
        if returns is inspect.Parameter.empty:
            raise InterfaceError(f"{where}: the return type needs an annotation")
        if getattr(method, "__rpc_kept__", None) == KEPT_PER_USER and ("user_id", int) not in {
            (name, annotation) for name, _kind, _default, annotation in params
        }:
            raise InterfaceError(f"{where}: a read kept per user takes `user_id: int`")
        _check_serialisable(returns, f"{where} -> return")


def _validate_implementation(implementation: type[Service], interface: type[Service]) -> None:
    for method_name, abstract in _abstract_methods(interface).items():
        concrete = getattr(implementation, method_name)
        if concrete is abstract:
            continue  # left abstract: Python refuses to instantiate the class anyway
        expected, got = signature_of(abstract), signature_of(concrete)
        if expected != got:
            raise InterfaceError(
                f"{implementation.__name__}.{method_name} does not match {interface.__name__}.{method_name}: "
                f"expected {inspect.signature(abstract)}, got {inspect.signature(concrete)}"
            )


class Service(abc.ABC):
    name: ClassVar[str]
    local_implementation: ClassVar[str]
    interface: ClassVar[type[Service]]
    rpc_methods: ClassVar[tuple[str, ...]]
    # Old wire name -> method, so that a caller deployed before a method was renamed still reaches it
    # (docs/architecture.md, "Names"). Served, never listed by the ping.
    renamed: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            if "local_implementation" not in cls.__dict__:
                raise InterfaceError(f"{cls.__name__} must name its local_implementation (a dotted path)")
            _validate_interface(cls)
            cls.interface = cls
            cls.rpc_methods = tuple(_abstract_methods(cls))
            for old, new in cls.renamed.items():
                if new not in cls.rpc_methods or old in cls.rpc_methods:
                    raise InterfaceError(f"{cls.__name__}.renamed: {old!r} -> {new!r} must lead to a method")
            _registry[cls.name] = cls
        else:
            _validate_implementation(cls, cls.interface)

    @classmethod
    def method_names(cls) -> list[str]:
        return list(cls.interface.rpc_methods)

    @classmethod
    def resolve(cls, wire_name: str) -> str | None:
        """The method a call to `wire_name` runs (its current name when it was renamed); None when none does."""
        method_name = cls.interface.renamed.get(wire_name, wire_name)
        return method_name if method_name in cls.interface.rpc_methods else None

    @classmethod
    def is_idempotent(cls, method_name: str) -> bool:
        return bool(getattr(getattr(cls, method_name), "__rpc_idempotent__", False))

    @classmethod
    def kept(cls, method_name: str) -> str | None:
        """KEPT_PER_USER or KEPT_PER_SERVICE for a read whose answers callers keep, else None."""
        return getattr(getattr(cls.interface, method_name), "__rpc_kept__", None)

    @classmethod
    def required_scope(cls, method_name: str) -> str:
        """`read` for a `read_only` method and the ping, `write` for everything else."""
        method_name = cls.interface.renamed.get(method_name, method_name)
        if method_name == PING or getattr(getattr(cls, method_name), "__rpc_read_only__", False):
            return READ_SCOPE
        return WRITE_SCOPE


def registered_services() -> dict[str, type[Service]]:
    return dict(sorted(_registry.items()))


def get_service(name: str) -> type[Service] | None:
    return _registry.get(name)
