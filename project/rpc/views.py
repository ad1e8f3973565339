"""The one internal endpoint: `POST /internal/rpc/<service>/<method>` runs the local implementation."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from project.rpc import auth, codec, interface, routing
from project.rpc.errors import InsufficientScope, NotAuthenticated, ServiceError, ServiceUnavailable

logger = logging.getLogger(__name__)
PING = interface.PING  # answers with the service's methods; `manage.py services` uses it
# A refused call: 401 the caller's credentials are wrong, 403 its token's scopes do not cover the method,
# 503 this side cannot check them now (the token dealer's keys or client status could not be fetched).
_REFUSALS = {
    NotAuthenticated: "rpc.unauthenticated",
    InsufficientScope: "rpc.insufficient_scope",
    ServiceUnavailable: "rpc.cannot_verify",
}


def _error(error: ServiceError, status: int | None = None) -> JsonResponse:
    return JsonResponse({"error": error.to_dict()}, status=status or error.http_status)


@csrf_exempt
@require_POST
def call(request: HttpRequest, service_name: str, method_name: str) -> HttpResponse:
    service = interface.get_service(service_name)
    method = None if service is None else PING if method_name == PING else service.resolve(method_name)
    if service is None or method is None:
        return JsonResponse(
            {"error": {"code": "not_found", "message": f"no method {service_name}.{method_name}", "fields": {}}},
            status=404,
        )
    body = request.body
    try:
        auth.request_auth().verify(service=service_name, method=method_name, body=body, headers=request.headers)
    except (NotAuthenticated, InsufficientScope, ServiceUnavailable) as error:
        logger.warning(_REFUSALS[type(error)], extra={"service": service_name, "method": method_name})
        return _error(error)
    if method_name == PING:
        return JsonResponse({"result": {"service": service_name, "methods": service.method_names()}})
    try:
        kwargs = codec.decode_params(service, method, body)
        result = getattr(routing.local_implementation(service), method)(**kwargs)
        logger.info("rpc.served", extra={"service": service_name, "method": method})
        return HttpResponse(codec.encode_result(service, method, result), content_type="application/json")
    except ServiceError as error:
        return _error(error)
    except Exception:
        logger.exception("rpc.internal_error", extra={"service": service_name, "method": method_name})
        return JsonResponse(
            {"error": {"code": "internal_error", "message": "the service failed; see its logs", "fields": {}}},
            status=500,
        )
