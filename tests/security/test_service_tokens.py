"""Token and key checks fail closed and cheaply (issue #12, Build 6): one test per finding.

The JWKS and the token dealer are reached over real HTTP: a scripted server on loopback for a failing
JWKS, and the dealer itself on Django's live server for the revocation check.
"""

import hashlib
import http.server
import io
import json
import logging
import os
import secrets
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher, make_password
from django.core.management import call_command

from apps.tokendealer import dealing, keys
from apps.tokendealer.models import ServiceClient
from project.rpc import interface, jwt_auth
from project.rpc.errors import InsufficientScope, ServiceUnavailable
from tests.rpc.echo import echo_service
from tests.rpc.test_remote import PARCEL

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
FORM = "application/x-www-form-urlencoded"
EXTRACTED_SERVICE_APPS = ["reports", "events", "contenttypes", "auth"]  # no dealer tables here: as extracted/reports
ECHO_BODY = json.dumps({"parcel": PARCEL.model_dump(mode="json")}).encode()


@pytest.fixture
def verifier(settings):
    """This process verifies service calls with JWTs as an extracted service does: without the dealer's tables,
    fetching keys and client checks over real HTTP (HttpTransport)."""
    settings.SERVICE_APPS = EXTRACTED_SERVICE_APPS
    settings.RPC_AUTH = "project.rpc.jwt_auth.JwtRequestAuth"
    settings.RPC_TRANSPORT = "project.rpc.remote.HttpTransport"
    return settings  # tokens, keys and checks start empty (tests/conftest.py)


def _token(settings, *, scope="read"):
    kid, private_pem = keys.current()
    now = int(time.time())
    claims = {
        "iss": settings.TOKENDEALER_ISSUER,
        "sub": "monolith",
        "aud": "echo",
        "scope": scope,
        "iat": now,
        "exp": now + 300,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, private_pem, algorithm="RS256", headers={"kid": kid})


def _call(client, token, method="echo"):
    return client.generic(
        "POST",
        f"/internal/rpc/echo/{method}",
        data=ECHO_BODY,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


class JwksServer:
    """A real HTTP server on loopback that answers every GET with (status, body) after a delay, and counts them."""

    def __init__(self, status, body, delay=0.0):
        self.answer, self.hits = (status, body, delay), 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                status, body, delay = outer.answer
                time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.handle_error = lambda *args: None  # the client that timed out has hung up: nothing to report
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _another_keys_jwks():
    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public)) | {"kid": "someone-else", "alg": "RS256"}
    return json.dumps({"keys": [jwk]}).encode()


JWKS_FAILURES = {
    "404": ((404, b"<h1>Not Found</h1>", 0.0), 503, "service_unavailable"),
    "500": ((500, b"", 0.0), 503, "service_unavailable"),
    "not JSON": ((200, b"<html>keys</html>", 0.0), 503, "service_unavailable"),
    "not an object": ((200, b"[1, 2]", 0.0), 503, "service_unavailable"),
    "no keys": ((200, b'{"keys": []}', 0.0), 503, "service_unavailable"),
    "timeout": ((200, b'{"keys": []}', 1.0), 503, "service_unavailable"),
    "another dealer's keys": (None, 401, "not_authenticated"),
}


@pytest.mark.parametrize("kind", list(JWKS_FAILURES))
def test_a_failing_jwks_is_fetched_once_for_20_calls_and_each_gets_401_or_503_not_500(client, verifier, caplog, kind):
    answer, status, code = JWKS_FAILURES[kind]
    verifier.RPC_READ_TIMEOUT = 0.2
    token = _token(verifier)
    with JwksServer(*(answer or (200, _another_keys_jwks(), 0.0))) as jwks_server:
        verifier.RPC_JWKS_URL = jwks_server.url
        with caplog.at_level(logging.WARNING):
            answers = [_call(client, token) for _ in range(20)]
    assert [(answer.status_code, answer.json()["error"]["code"]) for answer in answers] == [(status, code)] * 20
    assert jwks_server.hits == 1
    failed_fetches = [r for r in caplog.records if r.message == "rpc.jwks_unavailable"]
    assert len(failed_fetches) == (1 if status == 503 else 0)


def test_a_jwks_that_refuses_connections_gives_503_not_500_and_is_tried_once(client, verifier, caplog, refused_url):
    verifier.RPC_JWKS_URL = refused_url + "/.well-known/jwks.json"
    token = _token(verifier)
    with caplog.at_level(logging.WARNING):
        answers = [_call(client, token) for _ in range(20)]
    assert {(answer.status_code, answer.json()["error"]["code"]) for answer in answers} == {
        (503, "service_unavailable")
    }
    assert (
        answers[0]
        .json()["error"]["message"]
        .startswith("cannot check the token now: the token dealer's keys could not be fetched (ConnectionError")
    )
    assert len([r for r in caplog.records if r.message == "rpc.jwks_unavailable"]) == 1
    assert len([r for r in caplog.records if r.message == "rpc.cannot_verify"]) == 20


def test_a_token_dealer_that_cannot_say_whether_the_client_is_active_gives_503(client, verifier, refused_url):
    verifier.RPC_TOKEN_URL = refused_url + "/oauth/token"  # its introspection endpoint is next to it
    dealing.client_create(client_id="monolith", audiences=["echo"])
    jwks = json.dumps({"keys": keys.published()}).encode()
    with JwksServer(200, jwks) as jwks_server:
        verifier.RPC_JWKS_URL = jwks_server.url
        answer = _call(client, _token(verifier))
    assert (answer.status_code, answer.json()["error"]) == (
        503,
        {
            "code": "service_unavailable",
            "message": "cannot check the calling client now: the token dealer did not answer",
            "fields": {},
        },
    )


def _still_accepted():
    try:
        return echo_service.echo(parcel=PARCEL) == [PARCEL]
    except ServiceUnavailable:
        return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("verifying_process", ["the monolith", "an extracted service"])
def test_a_disabled_clients_token_is_refused_within_the_check_interval(verifier, live_server, verifying_process):
    """Everything over real HTTP; the monolith asks its dealer in-process, an extracted service over HTTP."""
    if verifying_process == "the monolith":
        del verifier.SERVICE_APPS
    assert (dealing.introspect_here("a-token") is None) == (verifying_process == "an extracted service")
    verifier.SERVICE_ROUTING = {"echo": live_server.url}
    verifier.RPC_TOKEN_URL = live_server.url + "/oauth/token"
    verifier.RPC_JWKS_URL = live_server.url + "/.well-known/jwks.json"
    verifier.RPC_CLIENT_ID = "monolith"
    verifier.RPC_CLIENT_SECRET = dealing.client_create(client_id="monolith", audiences=["echo"])
    assert echo_service.echo(parcel=PARCEL) == [PARCEL]
    call_command("tokendealer_client", "disable", "monolith", stdout=io.StringIO())
    disabled_at = time.monotonic()
    while _still_accepted():  # the caller keeps sending the token it was dealt before
        assert time.monotonic() - disabled_at < jwt_auth.CLIENT_CHECK_SECONDS + 1, "still accepted"
        time.sleep(0.2)
    assert time.monotonic() - disabled_at <= jwt_auth.CLIENT_CHECK_SECONDS + 1
    # refused with its old token, the caller asked for a new one, which the dealer does not give a disabled client
    with pytest.raises(ServiceUnavailable, match=r"^the token dealer refused a token for 'echo' \(invalid_client\)$"):
        echo_service.echo(parcel=PARCEL)
    assert jwt_auth.CLIENT_CHECK_SECONDS == 5


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting the secrets it checks."""

    checked = 0

    def verify(self, password, encoded):
        CountingHasher.checked += 1
        return super().verify(password, encoded)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.security.test_service_tokens.CountingHasher"]
    CountingHasher.checked = 0
    return CountingHasher


def _ask_token(client, client_id, secret, address="10.0.0.1"):
    data = {"grant_type": "client_credentials", "audience": "echo", "client_id": client_id, "client_secret": secret}
    return client.generic("POST", "/oauth/token", data=urlencode(data), content_type=FORM, REMOTE_ADDR=address)


def _client_with_a_password_hashed_secret(client_id):
    """A client registered before secrets were stored as digests: its secret is checked with the password hasher,
    which lets the tests count the checks."""
    secret = secrets.token_urlsafe(32)
    ServiceClient.objects.create(client_id=client_id, secret_hash=make_password(secret), audiences=["echo"])
    return secret


def test_a_new_clients_secret_is_a_digest_checked_without_a_password_hash(client, counting_hasher):
    secret = dealing.client_create(client_id="monolith", audiences=["echo"])
    stored = ServiceClient.objects.get(client_id="monolith").secret_hash
    assert stored == "sha256$" + hashlib.sha256(secret.encode()).hexdigest()
    answers = [_ask_token(client, "monolith", secret).status_code, _ask_token(client, "monolith", "wrong").status_code]
    assert (answers, counting_hasher.checked) == ([200, 401], 0)


def test_the_token_endpoint_throttles_an_address_before_checking_any_secret(client, counting_hasher):
    secret = _client_with_a_password_hashed_secret("monolith")
    assert {_ask_token(client, "monolith", secret).status_code for _ in range(15)} == {200}  # successes are free
    assert counting_hasher.checked == 15
    wrong = [_ask_token(client, f"guess-{n}" if n % 2 else "monolith", "wrong").status_code for n in range(10)]
    assert (wrong, counting_hasher.checked) == ([401] * 10, 20)  # an unknown client costs a digest, not a hash
    throttled = [
        _ask_token(client, "monolith", "wrong"),
        _ask_token(client, "nobody", "wrong"),
        _ask_token(client, "monolith", secret),  # even the right secret waits: not checked at all
    ]
    assert [(r.status_code, r.json()["error"], r["Retry-After"]) for r in throttled] == [(429, "slow_down", "60")] * 3
    assert counting_hasher.checked == 20
    assert _ask_token(client, "monolith", secret, address="10.0.0.2").status_code == 200  # another address


def test_the_token_endpoint_throttles_a_client_id_from_any_address(client, counting_hasher):
    secret = _client_with_a_password_hashed_secret("monolith")
    wrong = [_ask_token(client, "monolith", "wrong", address=f"10.0.1.{n}").status_code for n in range(10)]
    assert (wrong, counting_hasher.checked) == ([401] * 10, 10)
    answer = _ask_token(client, "monolith", secret, address="10.0.2.1")
    assert (answer.status_code, answer["Retry-After"], counting_hasher.checked) == (429, "60", 10)
    assert _ask_token(client, "reports-service", "wrong", address="10.0.2.1").status_code == 401  # other clients


def test_the_admin_login_refuses_the_right_password_after_30_wrong_ones(client):
    get_user_model().objects.create_superuser(email="root@example.com", password="the-Right-passw0rd")
    messages = []
    for _ in range(30):
        page = client.post("/admin/login/", {"username": "root@example.com", "password": "wrong"}).content.decode()
        messages.append("Too many failed login attempts" in page)
    assert messages == [False] * 5 + [True] * 25  # the site login's 5 failures per 5 minutes per account
    response = client.post("/admin/login/", {"username": "root@example.com", "password": "the-Right-passw0rd"})
    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_admin_login_still_works_with_the_right_password(client):
    get_user_model().objects.create_superuser(email="root@example.com", password="the-Right-passw0rd")
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "root@example.com", "password": "the-Right-passw0rd"}
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/")


def test_a_read_token_may_call_read_methods_and_not_write_methods(client, settings):
    settings.RPC_AUTH = "project.rpc.jwt_auth.JwtRequestAuth"
    settings.RPC_TRANSPORT = "project.rpc.testing.TestClientTransport"
    settings.SERVICE_ROUTING = {"echo": "http://testserver"}
    settings.RPC_TOKEN_URL = "http://testserver/oauth/token"
    settings.RPC_JWKS_URL = "http://testserver/.well-known/jwks.json"
    settings.RPC_CLIENT_ID = "reader"
    settings.RPC_CLIENT_SECRET = dealing.client_create(client_id="reader", audiences=["echo"], scopes=["read"])
    assert echo_service.echo(parcel=PARCEL) == [PARCEL]  # read_only
    with pytest.raises(InsufficientScope) as refused:
        echo_service.lose(reason="x")  # a write
    assert refused.value.message == "echo.lose needs a token with the 'write' scope"
    answer = _call(client, _token(settings, scope="read"), method="count")  # idempotent, but still a write
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "insufficient_scope")
    assert [interface.get_service("runs").required_scope(m) for m in ("delete_run", "record_run")] == ["write"] * 2


def _production_settings(*names):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "project.settings.production",
        "DJANGO_SECRET_KEY": "p7Zq-this-is-only-a-test-but-long-and-varied-9xK2#mW4&vL8@rT1^bN6",
        "DJANGO_ALLOWED_HOSTS": "runnerly.example",
        "DATABASE_URL": "postgres://runnerly@127.0.0.1:5432/runnerly",
        "RPC_SIGNING_KEYS": "a-shared-secret-for-service-calls",
        "RUNNERLY_SITE_URL": "https://runnerly.example",
    }
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {list(names)!r}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(result.stdout)


def test_production_answers_the_internal_paths_over_plain_http_and_redirects_the_rest(client, settings):
    production = _production_settings("SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT")
    assert production["SECURE_SSL_REDIRECT"] is True
    settings.SECURE_SSL_REDIRECT, settings.SECURE_REDIRECT_EXEMPT = True, production["SECURE_REDIRECT_EXEMPT"]
    form = urlencode({"grant_type": "client_credentials", "audience": "echo"})
    answers = {
        "token": client.generic("POST", "/oauth/token", data=form, content_type=FORM).status_code,
        "introspect": client.generic("POST", "/oauth/introspect", data="token=x", content_type=FORM).status_code,
        "jwks": client.get("/.well-known/jwks.json").status_code,
        "rpc": client.post("/internal/rpc/echo/echo", data=b"{}", content_type="application/json").status_code,
        "livez": client.get("/livez").status_code,
    }
    assert answers == {"token": 401, "introspect": 200, "jwks": 200, "rpc": 401, "livez": 200}
    page = client.get("/accounts/login/")
    assert (page.status_code, page["Location"]) == (301, "https://testserver/accounts/login/")
