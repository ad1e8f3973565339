"""Interfaces are checked when they are declared, so a bad one fails at import time."""

import abc
import dataclasses
import datetime

import pydantic
import pytest

from project.rpc import interface as rpc


def _declare(**methods):
    return type("BadService", (rpc.Service,), {"name": "bad", "local_implementation": "x.y", **methods})


def test_a_positional_parameter_is_refused():
    def method(self, user_id: int) -> int: ...

    with pytest.raises(rpc.InterfaceError, match=r"BadService.method: parameter 'user_id' must be keyword-only"):
        _declare(method=abc.abstractmethod(method))


def test_a_parameter_without_annotation_is_refused():
    def method(self, *, user_id) -> int: ...

    with pytest.raises(rpc.InterfaceError, match="parameter 'user_id' needs a type annotation"):
        _declare(method=abc.abstractmethod(method))


def test_a_missing_return_annotation_is_refused():
    def method(self, *, user_id: int): ...

    with pytest.raises(rpc.InterfaceError, match="the return type needs an annotation"):
        _declare(method=abc.abstractmethod(method))


def test_a_type_that_cannot_cross_the_wire_is_refused():
    def method(self, *, when: datetime.timedelta) -> int: ...

    with pytest.raises(rpc.InterfaceError, match=r"BadService.method\(when\): .*timedelta.* is not a serialisable"):
        _declare(method=abc.abstractmethod(method))


def test_a_mutable_dto_is_refused():
    class Mutable(pydantic.BaseModel):
        x: int

    def method(self, *, thing: Mutable) -> int: ...

    with pytest.raises(rpc.InterfaceError, match="Mutable must be frozen"):
        _declare(method=abc.abstractmethod(method))


def test_a_mutable_dataclass_is_refused():
    @dataclasses.dataclass
    class Loose:
        x: int

    def method(self) -> list[Loose]: ...

    with pytest.raises(rpc.InterfaceError, match="dataclass Loose must be frozen"):
        _declare(method=abc.abstractmethod(method))


def test_dict_keys_must_be_strings():
    def method(self) -> dict[int, str]: ...

    with pytest.raises(rpc.InterfaceError, match="dict keys must be str"):
        _declare(method=abc.abstractmethod(method))


def test_an_interface_must_name_its_local_implementation():
    def method(self) -> int: ...

    with pytest.raises(rpc.InterfaceError, match="must name its local_implementation"):
        type("NoImpl", (rpc.Service,), {"name": "noimpl", "method": abc.abstractmethod(method)})


def test_an_old_name_must_lead_to_a_method_of_the_interface():
    def method(self) -> int: ...

    with pytest.raises(rpc.InterfaceError, match=r"BadService.renamed: 'old' -> 'gone' must lead to a method"):
        _declare(method=abc.abstractmethod(method), renamed={"old": "gone"})


def test_an_implementation_whose_signature_differs_is_refused():
    from tests.rpc.echo import EchoService, Parcel

    def echo(self, *, parcel: Parcel, times: int = 2) -> list[Parcel]: ...

    with pytest.raises(rpc.InterfaceError, match=r"WrongEcho.echo does not match EchoService.echo"):
        type("WrongEcho", (EchoService,), {"echo": echo})


def test_an_implementation_with_a_positional_parameter_is_refused():
    from tests.rpc.echo import EchoService

    def lose(self, reason: str) -> None: ...

    with pytest.raises(rpc.InterfaceError, match=r"WrongEcho.lose does not match"):
        type("WrongEcho", (EchoService,), {"lose": lose})


def test_the_accounts_interface_is_registered_with_its_methods():
    service = rpc.get_service("accounts")
    assert service.method_names() == [
        "export_user_data",
        "find_user_by_email",
        "get_user",
        "get_users",
        "list_report_recipients",
        "list_user_ids",
        "search_user_ids",
        "set_monthly_report_opt_in",
    ]
    assert service.is_idempotent("get_user") is True
