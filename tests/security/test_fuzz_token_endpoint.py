"""`POST /oauth/token` fed malformed requests: an RFC 6749 error (4xx, `error` and a description), never a 5xx."""

import base64

import pytest

from apps.tokendealer import dealing

pytestmark = pytest.mark.django_db
FORM = "application/x-www-form-urlencoded"
CLIENT = "reports-worker"


@pytest.fixture
def secret():
    return dealing.client_create(client_id=CLIENT, audiences=["runs"], scopes=["read"])


def _basic(raw: bytes) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def _shapes(secret: str) -> dict[str, tuple[bytes, str, dict]]:
    """name: (body, content type, headers)."""
    good = f"grant_type=client_credentials&client_id={CLIENT}&client_secret={secret}&audience=runs"
    return {
        "JSON": (b'{"grant_type": "client_credentials"}', "application/json", {}),
        "multipart": (b"--x\r\n\r\n--x--", "multipart/form-data; boundary=x", {}),
        "no content type": (good.encode(), "", {}),
        "empty form": (b"", FORM, {}),
        "no grant_type": (f"client_id={CLIENT}&client_secret={secret}".encode(), FORM, {}),
        "another grant_type": (good.replace("client_credentials", "password").encode(), FORM, {}),
        "no secret": (f"grant_type=client_credentials&client_id={CLIENT}".encode(), FORM, {}),
        "non-UTF-8 body": (b"grant_type=client_credentials&client_id=\xff\xfe&client_secret=\xc3", FORM, {}),
        "non-UTF-8 escapes": (b"grant_type=client_credentials&client_id=%ff%fe&client_secret=%c3", FORM, {}),
        "wrong secret": (good.replace(secret, "x" * 40).encode(), FORM, {}),
        "huge secret": (good.replace(secret, "x" * 1_000_000).encode(), FORM, {}),
        "non-ASCII audience": (good.replace("audience=runs", "audience=r\u00fcns").encode(), FORM, {}),
        "repeated audience": ((good + "&audience=accounts").encode(), FORM, {}),
        "odd scope": ((good + "&scope=%00%ff%20write").encode(), FORM, {}),
        "Basic not base64": (b"grant_type=client_credentials", FORM, {"Authorization": "Basic ***"}),
        "Basic not UTF-8": (b"grant_type=client_credentials", FORM, _basic(b"\xff\xfe:\xc3")),
        "Basic without a colon": (b"grant_type=client_credentials", FORM, _basic(CLIENT.encode())),
        "Basic non-ASCII": (b"grant_type=client_credentials", FORM, {"Authorization": "Basic \u00e9\u00e9=="}),
        "Bearer instead": (b"grant_type=client_credentials", FORM, {"Authorization": "Bearer \u00ff"}),
    }


@pytest.mark.parametrize("name", list(_shapes("s")))
def test_a_malformed_token_request_gets_an_oauth_error_not_a_500(client, secret, name):
    body, content_type, headers = _shapes(secret)[name]
    response = client.generic("POST", "/oauth/token", data=body, content_type=content_type, headers=headers)
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    answer = response.json()
    assert set(answer) == {"error", "error_description"}
    assert answer["error_description"]
    assert "access_token" not in answer


@pytest.mark.parametrize("content_type", [FORM, FORM + "; charset=no-such-codec", FORM + "; charset=\u00e9"])
def test_the_good_request_the_table_starts_from_gets_a_token_whatever_the_charset(client, secret, content_type):
    # The shapes above are malformed for what they change, not because the base request is wrong.
    good = f"grant_type=client_credentials&client_id={CLIENT}&client_secret={secret}&audience=runs"
    response = client.generic("POST", "/oauth/token", data=good, content_type=content_type)
    assert (response.status_code, response.json()["token_type"]) == (200, "Bearer")


def _segment(value) -> str:
    import json

    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


INTROSPECTED = {  # name: (body, content type): tokens that are not ours, in every shape a form can carry
    "empty": (b"", FORM),
    "non-UTF-8 body": (b"token=\xff\xfe\xc3", FORM),
    "non-UTF-8 escapes": (b"token=%ff%fe", FORM),
    "NUL": (b"token=%00", FORM),
    "JSON body": (b'{"token": 5}', "application/json"),
    "broken multipart": (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
    "multipart without a boundary": (b"abc", "multipart/form-data"),
    "unknown charset": (b"token=a", FORM + "; charset=nope"),
    "header is a list": (f"token={_segment([1, 2])}.{_segment({})}.c2ln".encode(), FORM),
    "kid is a list": (f"token={_segment({'alg': 'RS256', 'kid': [1]})}.{_segment({'sub': {}})}.c2ln".encode(), FORM),
    "kid is an object": (f"token={_segment({'alg': 'RS256', 'kid': {'a': 1}})}.{_segment({})}.c2ln".encode(), FORM),
    "alg none": (f"token={_segment({'alg': 'none'})}.{_segment({'sub': 'x'})}.".encode(), FORM),
    "huge": (b"token=" + b"a." * 200_000, FORM),
}


@pytest.mark.parametrize("name", list(INTROSPECTED))
def test_introspecting_a_malformed_token_answers_inactive_or_a_4xx_never_a_500(client, name):
    body, content_type = INTROSPECTED[name]
    response = client.generic("POST", "/oauth/introspect", data=body, content_type=content_type)
    assert response.status_code < 500, (response.status_code, response.content[:300])
    if response.status_code == 200:
        assert response.json() == {"active": False}
