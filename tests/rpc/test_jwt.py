"""Service calls with the token dealer's JWTs: a real token passes; a forged or stale one gets 401 and a log line."""

import base64
import concurrent.futures
import datetime
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from apps.tokendealer import dealing, keys
from apps.tokendealer.models import ServiceClient
from project.rpc import interface, jwt_auth
from project.rpc.errors import NotAuthenticated, ServiceUnavailable
from tests.rpc.echo import echo_service
from tests.rpc.test_remote import PARCEL

pytestmark = pytest.mark.django_db


@pytest.fixture
def jwt_mode(settings):
    """Every service routed over HTTP (the test client), calls signed with tokens from the dealer here."""
    settings.RPC_AUTH = "project.rpc.jwt_auth.JwtRequestAuth"
    settings.RPC_TRANSPORT = "project.rpc.testing.TestClientTransport"
    settings.SERVICE_ROUTING = {name: "http://testserver" for name in interface.registered_services()}
    settings.RPC_TOKEN_URL = "http://testserver/oauth/token"
    settings.RPC_JWKS_URL = "http://testserver/.well-known/jwks.json"
    settings.RPC_CLIENT_ID = "monolith"
    settings.RPC_CLIENT_SECRET = dealing.client_create(client_id="monolith", audiences=["echo", "accounts"])
    jwt_auth.tokens.clear()
    jwt_auth.jwks.clear()
    jwt_auth.client_checks.clear()
    yield settings
    jwt_auth.tokens.clear()
    jwt_auth.jwks.clear()
    jwt_auth.client_checks.clear()


def test_a_remote_call_with_a_dealt_token_works_and_the_token_is_reused(jwt_mode, django_assert_max_num_queries):
    assert echo_service.echo(parcel=PARCEL) == [PARCEL]
    with django_assert_max_num_queries(0):  # no second token, no second JWKS fetch
        assert echo_service.echo(parcel=PARCEL, times=2) == [PARCEL, PARCEL]


def _claims(settings, **changes):
    now = int(time.time())
    claims = {
        "iss": settings.TOKENDEALER_ISSUER,
        "sub": "monolith",
        "aud": "echo",
        "scope": "read",
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(kind, settings):
    kid, private_pem = keys.current()
    if kind == "expired":
        return jwt.encode(
            _claims(settings, iat=int(time.time()) - 900, exp=int(time.time()) - 600),
            private_pem,
            algorithm="RS256",
            headers={"kid": kid},
        )
    if kind == "wrong audience":
        return jwt.encode(_claims(settings, aud="accounts"), private_pem, algorithm="RS256", headers={"kid": kid})
    if kind == "wrong issuer":
        return jwt.encode(
            _claims(settings, iss="https://evil.example"), private_pem, algorithm="RS256", headers={"kid": kid}
        )
    if kind == "no jti":
        return jwt.encode(_claims(settings, jti=None), private_pem, algorithm="RS256", headers={"kid": kid})
    if kind == "wrong key":
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return jwt.encode(_claims(settings), other, algorithm="RS256", headers={"kid": kid})
    if kind == "unknown kid":
        return jwt.encode(_claims(settings), private_pem, algorithm="RS256", headers={"kid": "made-up"})
    if kind == "alg none":
        header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
        return f"{header}.{_b64(json.dumps(_claims(settings)).encode())}."
    if kind == "HS256 with the public key":
        public_pem = (
            serialization.load_pem_private_key(private_pem.encode(), None)
            .public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
        signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT', 'kid': kid}).encode())}." + _b64(
            json.dumps(_claims(settings)).encode()
        )
        signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(signature)}"
    raise AssertionError(kind)


KINDS = [
    "expired",
    "wrong audience",
    "wrong issuer",
    "no jti",
    "wrong key",
    "unknown kid",
    "alg none",
    "HS256 with the public key",
]


@pytest.mark.parametrize("kind", KINDS)
def test_a_forged_or_stale_token_gets_401_and_is_logged(client, jwt_mode, caplog, kind):
    body = json.dumps({"parcel": PARCEL.model_dump(mode="json")}).encode()
    token = _forge(kind, jwt_mode)
    with caplog.at_level(logging.WARNING, logger="project.rpc.views"):
        response = client.generic(
            "POST",
            "/internal/rpc/echo/echo",
            data=body,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 401, kind
    assert response.json()["error"]["code"] == "not_authenticated"
    assert [r.message for r in caplog.records if r.name == "project.rpc.views"] == ["rpc.unauthenticated"]


def test_the_genuine_token_of_the_same_shape_passes(client, jwt_mode):
    """The control for the forgeries above: the same claims, signed properly, are accepted."""
    kid, private_pem = keys.current()
    token = jwt.encode(_claims(jwt_mode), private_pem, algorithm="RS256", headers={"kid": kid})
    body = json.dumps({"parcel": PARCEL.model_dump(mode="json")}).encode()
    response = client.generic(
        "POST",
        "/internal/rpc/echo/echo",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200


def test_a_key_rotated_in_after_the_jwks_was_cached_is_fetched_on_first_sight(client, jwt_mode):
    assert echo_service.count() >= 1  # caches the JWKS
    keys.rotate()
    keys.rotate()  # a key the cached JWKS has never seen now signs
    jwt_auth.tokens.clear()
    jwt_auth.jwks._tried_at -= jwt_auth.JWKS_REFETCH_MIN_SECONDS  # past the refetch floor
    assert echo_service.count() >= 2


def test_tokens_are_renewed_shortly_before_they_expire(jwt_mode):
    jwt_auth.tokens.get("echo", lambda audience: ("first", 31.0))
    assert jwt_auth.tokens.get("echo", lambda audience: ("second", 300.0)) == "first"
    jwt_auth.tokens.clear()
    jwt_auth.tokens.get("echo", lambda audience: ("soon-stale", 29.0))
    assert jwt_auth.tokens.get("echo", lambda audience: ("renewed", 300.0)) == "renewed"
    assert datetime.timedelta(seconds=jwt_auth.RENEW_BEFORE_SECONDS) == datetime.timedelta(seconds=30)


def test_in_the_monolith_tokens_and_keys_come_from_the_dealer_in_process(jwt_mode):
    # Neither URL answers: a call that needed either over HTTP would fail. The dealer's tables are here.
    jwt_mode.RPC_TOKEN_URL = "http://testserver/nowhere/token"
    jwt_mode.RPC_JWKS_URL = "http://testserver/nowhere/jwks.json"
    assert echo_service.echo(parcel=PARCEL) == [PARCEL]


def test_threads_asking_for_the_first_token_at_once_cause_one_fetch_and_share_it():
    fetches, started = [], threading.Barrier(8)

    def slow_fetch(audience):
        fetches.append(audience)
        time.sleep(0.2)
        return f"token-{len(fetches)}", 300.0

    def ask():
        started.wait()
        return jwt_auth.tokens.get("echo", slow_fetch)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda _: ask(), range(8)))
    assert (fetches, got) == (["echo"], ["token-1"] * 8)


def test_a_failed_fetch_is_the_answer_of_the_threads_waiting_for_it_and_retried_after_a_pause():
    fetches = []

    def failing_fetch(audience):
        fetches.append(audience)
        time.sleep(0.1)
        raise ServiceUnavailable("the token dealer could not be reached (ConnectionError)")

    def ask(_):
        try:
            return jwt_auth.tokens.get("echo", failing_fetch)
        except ServiceUnavailable as error:
            return error.message

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        got = list(pool.map(ask, range(8)))
    assert (fetches, got) == (["echo"], ["the token dealer could not be reached (ConnectionError)"] * 8)
    jwt_auth.tokens._failures["echo"] = (time.monotonic() - jwt_auth.TOKEN_RETRY_SECONDS, "long ago")
    assert jwt_auth.tokens.get("echo", lambda audience: ("fresh", 300.0)) == "fresh"
    assert jwt_auth.TOKEN_RETRY_SECONDS == 2


def test_a_token_the_callee_refuses_is_dropped_and_the_call_made_again_with_a_new_one(jwt_mode, caplog):
    jwt_auth.tokens.get("echo", lambda audience: ("a-token-from-before-a-reset", 300.0))
    with caplog.at_level(logging.WARNING):
        assert echo_service.echo(parcel=PARCEL) == [PARCEL]
    assert jwt_auth.tokens.get("echo", lambda audience: ("not-asked", 300.0)).count(".") == 2  # a real JWT now
    assert [r.message for r in caplog.records if r.name.startswith("project.rpc")] == ["rpc.unauthenticated"]


def test_a_caller_the_dealer_no_longer_gives_a_token_finds_the_service_unavailable_not_a_500(jwt_mode, caplog):
    ServiceClient.objects.filter(client_id="monolith").update(audiences=["accounts"])  # no longer allowed echo
    jwt_auth.tokens.get("echo", lambda audience: ("a-token-from-before", 300.0))
    with pytest.raises(ServiceUnavailable, match=r"^the token dealer refused a token for 'echo' \(invalid_target\)$"):
        echo_service.echo(parcel=PARCEL)


def test_a_verified_token_is_remembered_for_its_audience_only_and_until_it_expires(jwt_mode):
    auth = jwt_auth.JwtRequestAuth()
    headers = auth.sign(service="echo", method="echo", body=b"")
    token = headers["Authorization"].removeprefix("Bearer ")
    auth.verify(service="echo", method="echo", body=b"", headers=headers)
    remembered = jwt_auth.verified.get(token, "echo")
    assert (remembered["aud"], remembered["sub"]) == ("echo", "monolith")
    with pytest.raises(NotAuthenticated, match=r"^the token is not valid: Audience doesn't match$"):
        auth.verify(service="accounts", method="get_user", body=b"", headers=headers)
    jwt_auth.verified.put(token, "echo", {**remembered, "exp": time.time() - jwt_auth.LEEWAY_SECONDS - 1})
    assert jwt_auth.verified.get(token, "echo") is None


def test_while_one_thread_asks_the_dealer_the_others_go_on_with_the_last_answer(monkeypatch):
    asked, answering, release = [], threading.Event(), threading.Event()

    def introspect(token):
        asked.append(token)
        if len(asked) == 2:  # the second question: the dealer is slow, and then says the client is disabled
            answering.set()
            release.wait(10)
            return {"active": False}
        return {"active": True}

    monkeypatch.setattr(jwt_auth, "local_dealer", jwt_auth.LocalDealer(token=None, jwks=None, introspect=introspect))
    monkeypatch.setattr(jwt_auth, "CLIENT_CHECK_SECONDS", 0.05)
    claims = {"sub": "monolith", "scope": "read"}
    jwt_auth.client_checks.check("t1", claims)  # the first answer: active
    time.sleep(0.1)  # now due again
    outcome = []

    def ask_slowly():
        try:
            jwt_auth.client_checks.check("t2", claims)
        except NotAuthenticated as refused:
            outcome.append(refused.message)

    slow = threading.Thread(target=ask_slowly)
    slow.start()
    assert answering.wait(5)
    other = threading.Thread(target=jwt_auth.client_checks.check, args=("t3", claims))
    other.start()
    other.join(5)
    assert (other.is_alive(), asked) == (False, ["t1", "t2"])  # it did not wait, nor ask again
    release.set()
    slow.join(5)
    assert outcome == ["the client 'monolith' is disabled or no longer allowed these scopes"]
    with pytest.raises(NotAuthenticated, match=r"^the client 'monolith' is disabled or no longer allowed"):
        jwt_auth.client_checks.check("t4", claims)  # the new answer stands for everyone
