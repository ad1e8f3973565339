"""Errors that cross a service boundary. No Django here: interface contracts import this module.

An app's anticipated errors subclass `ServiceError` with a stable `code`. The code travels over
the wire and the caller gets the same class back, so `except UserNotFound:` works in both modes.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ServiceError(Exception):
    code: ClassVar[str] = "service_error"
    http_status: ClassVar[int] = 400
    default_message: ClassVar[str] = "The service refused the request."

    _registry: ClassVar[dict[str, type[ServiceError]]] = {}

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None) -> None:
        self.message = message or self.default_message
        self.fields = fields or {}
        super().__init__(self.message)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        existing = ServiceError._registry.get(cls.code)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise TypeError(f"error code {cls.code!r} is used by {existing.__qualname__} and {cls.__qualname__}")
        ServiceError._registry[cls.code] = cls

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "fields": self.fields}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServiceError:
        """Rebuild the error a remote service raised; an unknown code becomes `RemoteServiceError`."""
        code = str(data.get("code", ""))
        error_class = cls._registry.get(code)
        message = str(data.get("message", ""))
        fields = data.get("fields") or {}
        if error_class is None or not issubclass(error_class, ServiceError):
            return RemoteServiceError(message or f"remote error {code!r}", fields=fields, remote_code=code)
        return error_class(message, fields=fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.to_dict() == self.to_dict()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.message))


class InvalidRequest(ServiceError):
    code = "invalid_request"
    default_message = "The call's parameters are not valid."


class RemoteServiceError(ServiceError):
    """The remote side failed in a way the interface does not anticipate."""

    code = "remote_error"
    http_status = 500
    default_message = "The service failed."

    def __init__(
        self, message: str | None = None, *, fields: dict[str, list[str]] | None = None, remote_code: str = ""
    ) -> None:
        super().__init__(message, fields=fields)
        self.remote_code = remote_code or self.code


class ServiceUnavailable(RemoteServiceError):
    """The service could not be reached (down, timed out, or its circuit is open)."""

    code = "service_unavailable"
    http_status = 503
    default_message = "The service is temporarily unavailable."


class NotAuthenticated(ServiceError):
    code = "not_authenticated"
    http_status = 401
    default_message = "The call is not signed by a known key."


class InsufficientScope(ServiceError):
    """The token is genuine but its scopes do not cover the method (RFC 6750 §3.1)."""

    code = "insufficient_scope"
    http_status = 403
    default_message = "The token's scopes do not allow this method."
