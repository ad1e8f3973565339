"""What every API endpoint shares: one error shape, {"code", "message", "fields"}."""

from __future__ import annotations

from typing import Any

import pydantic
from django.http import HttpResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from project.rpc.errors import ServiceError


def _fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "__all__" if key == "non_field_errors" else f"{prefix}{key}"
            out.update(_fields(value, f"{name}.") if isinstance(value, dict) else {name: [str(v) for v in value]})
        return out
    return {"__all__": [str(v) for v in detail]} if isinstance(detail, list) else {"__all__": [str(detail)]}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ServiceError):
        return Response(exc.to_dict(), status=exc.http_status)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "code": "invalid",
            "message": "Some fields are not valid; see fields.",
            "fields": _fields(exc.detail),
        }
    else:
        detail = getattr(exc, "detail", str(exc))
        code = detail.code if isinstance(detail, exceptions.ErrorDetail) else "error"
        response.data = {"code": code, "message": str(detail), "fields": {}}
    return response


def dto(value: pydantic.BaseModel, *, status_code: int = status.HTTP_200_OK) -> HttpResponse:
    """A contract as the response body, serialised by pydantic-core (no second pass through DRF's renderer)."""
    return HttpResponse(value.model_dump_json(), status=status_code, content_type="application/json")


class ErrorResponse(pydantic.BaseModel):
    """The body of every 4xx answer."""

    model_config = pydantic.ConfigDict(frozen=True)

    code: str
    message: str
    fields: dict[str, list[str]]


def not_found(request, exception=None):
    """404 for a URL nothing matches: the API's error shape under /api/, Django's page elsewhere."""
    from django.http import JsonResponse
    from django.views import defaults

    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": "No such resource.", "fields": {}}, status=404)
    return defaults.page_not_found(request, exception)
