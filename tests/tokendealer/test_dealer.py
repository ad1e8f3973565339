"""The token dealer: RFC 6749 client credentials, RS256 JWTs with a kid, a JWKS, rotation without downtime."""

import base64
import io
import json
import time

import jwt
import pytest
from django.core.management import call_command

from apps.tokendealer import dealing, keys
from apps.tokendealer.models import SigningKey

pytestmark = pytest.mark.django_db
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def secret():
    return dealing.client_create(client_id="reports-worker", audiences=["runs", "accounts"], scopes=["read"])


def _basic(client_id, secret_):
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret_}".encode()).decode()}


def _ask(client, data, headers=None, content_type=FORM):
    from urllib.parse import urlencode

    return client.generic(
        "POST", "/oauth/token", data=urlencode(data), content_type=content_type, headers=headers or {}
    )


def _public_keys(client):
    return {
        k["kid"]: jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(k))
        for k in client.get("/.well-known/jwks.json").json()["keys"]
    }


def test_client_credentials_give_an_rs256_jwt_with_every_claim(client, secret, settings):
    started = int(time.time())
    response = _ask(
        client,
        {"grant_type": "client_credentials", "audience": "runs", "scope": "read"},
        _basic("reports-worker", secret),
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("Bearer", 300, "read")
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS256"
    key = _public_keys(client)[header["kid"]]
    claims = jwt.decode(
        body["access_token"], key, algorithms=["RS256"], audience="runs", issuer=settings.TOKENDEALER_ISSUER
    )
    assert (claims["sub"], claims["aud"], claims["scope"]) == ("reports-worker", "runs", "read")
    assert started <= claims["iat"] <= int(time.time())
    assert claims["exp"] - claims["iat"] == 300
    assert len(claims["jti"]) == 32


def test_credentials_in_the_form_body_work_too(client, secret):
    response = _ask(
        client,
        {
            "grant_type": "client_credentials",
            "audience": "accounts",
            "client_id": "reports-worker",
            "client_secret": secret,
        },
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("data", "auth", "status", "error"),
    [
        ({"grant_type": "client_credentials", "audience": "runs"}, ("reports-worker", "wrong"), 401, "invalid_client"),
        ({"grant_type": "client_credentials", "audience": "runs"}, ("nobody", "x"), 401, "invalid_client"),
        ({"grant_type": "client_credentials", "audience": "runs"}, None, 401, "invalid_client"),
        ({"grant_type": "password", "audience": "runs"}, ("reports-worker", None), 400, "unsupported_grant_type"),
        ({"audience": "runs"}, ("reports-worker", None), 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials", "audience": "strava"}, ("reports-worker", None), 400, "invalid_target"),
        ({"grant_type": "client_credentials"}, ("reports-worker", None), 400, "invalid_request"),
        (
            {"grant_type": "client_credentials", "audience": "runs", "scope": "admin"},
            ("reports-worker", None),
            400,
            "invalid_scope",
        ),
    ],
)
def test_bad_requests_get_the_error_responses_of_rfc_6749(client, secret, data, auth, status, error):
    headers = _basic(auth[0], auth[1] if auth[1] is not None else secret) if auth else {}
    response = _ask(client, data, headers)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]
    if status == 401 and auth:
        assert response["WWW-Authenticate"] == 'Basic realm="runnerly-token-dealer"'


def test_json_is_refused_because_the_standard_says_form_encoded(client, secret):
    response = client.post("/oauth/token", {"grant_type": "client_credentials"}, content_type="application/json")
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


def test_a_disabled_client_gets_no_token(client, secret):
    call_command("tokendealer_client", "disable", "reports-worker", stdout=io.StringIO())
    response = _ask(client, {"grant_type": "client_credentials", "audience": "runs"}, _basic("reports-worker", secret))
    assert response.status_code == 401


def test_rotation_publishes_the_next_key_first_and_keeps_the_old_one_until_its_tokens_expire(client, secret):
    first = _ask(client, {"grant_type": "client_credentials", "audience": "runs"}, _basic("reports-worker", secret))
    old_token = first.json()["access_token"]
    before = _public_keys(client)
    assert len(before) == 2  # current and next
    next_kid = SigningKey.objects.get(status="next").kid
    out = io.StringIO()
    call_command("tokendealer_keys", "rotate", stdout=out)
    assert out.getvalue().splitlines()[0] == f"Rotated: {next_kid} signs now."
    after = _public_keys(client)
    assert set(before) < set(after)
    assert len(after) == 3  # the retired key stays published for now
    new_token = _ask(
        client, {"grant_type": "client_credentials", "audience": "runs"}, _basic("reports-worker", secret)
    )
    assert jwt.get_unverified_header(new_token.json()["access_token"])["kid"] == next_kid
    for token in (old_token, new_token.json()["access_token"]):  # a verifier with the JWKS of before accepts both
        kid = jwt.get_unverified_header(token)["kid"]
        assert jwt.decode(token, before[kid], algorithms=["RS256"], audience="runs")["sub"] == "reports-worker"
    SigningKey.objects.filter(status="retired").update(retired_at="2000-01-01T00:00:00Z")
    assert len(_public_keys(client)) == 2


def test_the_client_command_prints_the_secret_once_and_stores_a_hash():
    out = io.StringIO()
    call_command(
        "tokendealer_client", "create", "strava-worker", "--audience", "runs", "--audience", "accounts", stdout=out
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "client_id: strava-worker"
    secret_ = lines[1].removeprefix("client_secret: ")
    client = dealing.authenticate("strava-worker", secret_)
    assert client.audiences == ["runs", "accounts"]
    assert secret_ not in client.secret_hash
    keys.ensure()
    assert SigningKey.objects.count() == 2
    private = bytes(SigningKey.objects.first().private_key)
    assert b"PRIVATE KEY" not in private  # sealed at rest
