"""A transport that sends remote calls through Django's test client: the whole HTTP path, no network."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.test import Client

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
