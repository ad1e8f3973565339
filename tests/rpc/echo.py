"""A small interface used only by the rpc tests: one of each kind of type, error and failure."""

from __future__ import annotations

import abc
import datetime
import decimal
import enum
import uuid

import pydantic

from project.rpc import interface as rpc
from project.rpc import routing
from project.rpc.errors import ServiceError


class Colour(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


class Parcel(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    id: uuid.UUID
    weight: decimal.Decimal
    sent_at: datetime.datetime
    day: datetime.date
    colour: Colour
    tags: list[str]
    extra: dict[str, int] | None = None


class ParcelLost(ServiceError):
    code = "echo.parcel_lost"
    http_status = 404
    default_message = "The parcel is lost."


class EchoService(rpc.Service):
    name = "echo"
    local_implementation = "tests.rpc.echo.LocalEchoService"
    renamed = {"repeat": "echo"}  # what `echo` was called before

    @rpc.read_only
    @abc.abstractmethod
    def echo(self, *, parcel: Parcel, times: int = 1) -> list[Parcel]: ...

    @abc.abstractmethod
    def lose(self, *, reason: str) -> None: ...

    @abc.abstractmethod
    def crash(self) -> int: ...

    @rpc.idempotent
    @abc.abstractmethod
    def count(self) -> int: ...


class LocalEchoService(EchoService):
    calls = 0

    def echo(self, *, parcel: Parcel, times: int = 1) -> list[Parcel]:
        return [parcel] * times

    def lose(self, *, reason: str) -> None:
        raise ParcelLost(f"lost because {reason}", fields={"reason": [reason]})

    def crash(self) -> int:
        raise ZeroDivisionError("division by zero")

    def count(self) -> int:
        LocalEchoService.calls += 1
        return LocalEchoService.calls


echo_service: EchoService = routing.delegator(EchoService)
