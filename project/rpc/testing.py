"""Transports that send remote calls through Django's test client: the whole HTTP path, no network."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.test import Client, override_settings

from project.rpc.remote import TransportResponse


class TestClientTransport:
    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self._client = Client()

    def post(self, url: str, *, body: bytes, headers: dict[str, str]) -> TransportResponse:
        content_type = headers.get("Content-Type", "application/json")
        extra = {key: value for key, value in headers.items() if key != "Content-Type"}
        response = self._client.generic(
            "POST", urlsplit(url).path, data=body, content_type=content_type, headers=extra
        )
        return TransportResponse(status=response.status_code, body=response.content)

    def get(self, url: str, *, headers: dict[str, str]) -> TransportResponse:
        response = self._client.get(urlsplit(url).path, headers=headers)
        return TransportResponse(status=response.status_code, body=response.content)


class ServiceSideTestClientTransport(TestClientTransport):
    """TestClientTransport for a test of an app's pages with the app extracted (settings.EXTRACTED_APPS).

    The page runs as in a monolith with the app lifted out: its tables are off limits there, and a page that still
    reads a model fails with ImproperlyConfigured. Each call is served as the app's own service would serve it,
    with EXTRACTED_APPS=[] (its tables its own) for the length of the call only."""

    __test__ = False

    def post(self, url: str, *, body: bytes, headers: dict[str, str]) -> TransportResponse:
        with override_settings(EXTRACTED_APPS=[]):
            return super().post(url, body=body, headers=headers)

    def get(self, url: str, *, headers: dict[str, str]) -> TransportResponse:
        with override_settings(EXTRACTED_APPS=[]):
            return super().get(url, headers=headers)


def serve_over_test_client(settings: Any, app: str, *, extracted: bool = True, transport: str = "") -> None:
    """Route `app`'s service over HTTP through the test client (`settings`: pytest-django's fixture). With
    `extracted`, `app` is lifted out of the web side too, each call served by ServiceSideTestClientTransport (or
    `transport`, a dotted path to a subclass of it)."""
    settings.SERVICE_ROUTING = {app: "http://testserver"}
    if extracted:
        settings.RPC_TRANSPORT = transport or f"{__name__}.ServiceSideTestClientTransport"
        settings.EXTRACTED_APPS = [app]
    else:
        settings.RPC_TRANSPORT = transport or f"{__name__}.TestClientTransport"
