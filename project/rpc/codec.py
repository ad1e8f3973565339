"""Turning a method's keyword arguments and its result into JSON and back, from the interface's annotations."""

from __future__ import annotations

import functools
import inspect
from typing import Any

import pydantic

from project.rpc import interface as rpc_interface
from project.rpc.errors import InvalidRequest

INT64 = (-(2**63), 2**63 - 1)  # what a database integer holds; a larger id or count is refused here, not by SQL


def _check_storable(value: Any, where: str = "") -> None:
    """What a database column can hold: integers within 64 bits, text without NUL (PostgreSQL refuses it)."""
    if isinstance(value, int) and not isinstance(value, bool) and not INT64[0] <= value <= INT64[1]:
        raise ValueError(f"{where or 'a value'}: integers must fit in 64 bits")
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(f"{where or 'a value'}: text must not contain NUL characters")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_storable(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_storable(item, f"{where}.{index}")


class _Params(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    @pydantic.model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        _check_storable(data)
        return data


@functools.cache
def _params_model(service: type[rpc_interface.Service], method_name: str) -> type[pydantic.BaseModel]:
    params, _ = rpc_interface.signature_of(getattr(service, method_name))
    fields: dict[str, Any] = {
        name: (annotation, ... if default is inspect.Parameter.empty else default)
        for name, _kind, default, annotation in params
    }
    return pydantic.create_model(  # type: ignore[call-overload,no-any-return]
        f"{service.__name__}.{method_name}.params", __base__=_Params, **fields
    )


@functools.cache
def _result_adapter(service: type[rpc_interface.Service], method_name: str) -> pydantic.TypeAdapter[Any]:
    _, returns = rpc_interface.signature_of(getattr(service, method_name))
    return pydantic.TypeAdapter(returns)


def _fields_of(error: pydantic.ValidationError) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "__all__"
        fields.setdefault(location, []).append(item["msg"])
    return fields


def encode_params(service: type[rpc_interface.Service], method_name: str, kwargs: dict[str, Any]) -> bytes:
    try:
        return _params_model(service, method_name)(**kwargs).model_dump_json().encode()
    except pydantic.ValidationError as error:
        raise InvalidRequest(f"invalid arguments for {service.name}.{method_name}", fields=_fields_of(error)) from None


def decode_params(service: type[rpc_interface.Service], method_name: str, body: bytes) -> dict[str, Any]:
    try:
        model = _params_model(service, method_name).model_validate_json(body or b"{}")
    except pydantic.ValidationError as error:
        raise InvalidRequest(f"invalid arguments for {service.name}.{method_name}", fields=_fields_of(error)) from None
    return {name: getattr(model, name) for name in type(model).model_fields}


def encode_result(service: type[rpc_interface.Service], method_name: str, result: Any) -> bytes:
    return b'{"result":' + _result_adapter(service, method_name).dump_json(result) + b"}"


def decode_result(service: type[rpc_interface.Service], method_name: str, payload: Any) -> Any:
    return _result_adapter(service, method_name).validate_python(payload)


def dump_result(service: type[rpc_interface.Service], method_name: str, result: Any) -> bytes:
    """The result alone as JSON, as `decode_result_json` reads it back (a kept answer: project/rpc/versions.py)."""
    return _result_adapter(service, method_name).dump_json(result)


def decode_result_json(service: type[rpc_interface.Service], method_name: str, data: bytes) -> Any:
    return _result_adapter(service, method_name).validate_json(data)


def result_schema(service: type[rpc_interface.Service], method_name: str) -> dict[str, Any]:
    return _result_adapter(service, method_name).json_schema()
