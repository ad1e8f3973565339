"""Service-to-service authentication, behind one pluggable class (`settings.RPC_AUTH`).

`HmacRequestAuth` signs the timestamp, the service, the method and the body with the first key of
`settings.RPC_SIGNING_KEYS` and accepts a signature made with any of them, so a key is rotated by
adding the new one first, deploying everywhere, then dropping the old one. `jwt_auth.JwtRequestAuth`
puts the token dealer's JWTs behind the same methods.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from project.rpc.errors import NotAuthenticated

TIMESTAMP_HEADER = "X-Runnerly-Timestamp"
SIGNATURE_HEADER = "X-Runnerly-Signature"
MAX_CLOCK_SKEW_SECONDS = 300


class RequestAuth(Protocol):
    def sign(self, *, service: str, method: str, body: bytes) -> dict[str, str]: ...

    def verify(self, *, service: str, method: str, body: bytes, headers: Mapping[str, str]) -> None: ...

    def forget(self, *, service: str) -> None:
        """Drop what `sign` keeps for `service` (a token it refused); the next call signs afresh."""


def _digest(key: str, timestamp: str, service: str, method: str, body: bytes) -> str:
    message = f"{timestamp}\n{service}\n{method}\n".encode() + body
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


class HmacRequestAuth:
    def __init__(self, keys: list[str] | None = None, clock=time.time) -> None:
        self._keys = list(keys if keys is not None else settings.RPC_SIGNING_KEYS)
        self._clock = clock
        if not self._keys:
            raise NotAuthenticated("RPC_SIGNING_KEYS is empty: set at least one shared key")

    def sign(self, *, service: str, method: str, body: bytes) -> dict[str, str]:
        timestamp = str(int(self._clock()))
        return {
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: "sha256=" + _digest(self._keys[0], timestamp, service, method, body),
        }

    def forget(self, *, service: str) -> None:
        pass  # a signature is made per call: nothing kept

    def verify(self, *, service: str, method: str, body: bytes, headers: Mapping[str, str]) -> None:
        timestamp = headers.get(TIMESTAMP_HEADER, "")
        signature = headers.get(SIGNATURE_HEADER, "").removeprefix("sha256=")
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 20) or not signature:
            raise NotAuthenticated("the call is not signed")
        if abs(self._clock() - int(timestamp)) > MAX_CLOCK_SKEW_SECONDS:
            raise NotAuthenticated("the signature has expired (check the clocks)")
        for key in self._keys:
            if hmac.compare_digest(_digest(key, timestamp, service, method, body).encode(), signature.encode()):
                return
        raise NotAuthenticated("the signature matches no known key")


def request_auth() -> RequestAuth:
    return import_string(settings.RPC_AUTH)()  # type: ignore[no-any-return]
