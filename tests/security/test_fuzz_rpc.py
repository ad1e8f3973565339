"""The internal RPC endpoint, called with a valid signature but a malformed body: a 4xx with the error shape.

Every method of every service gets the same table of bad bodies, then bodies hypothesis makes up from its
parameter names. Nothing a caller sends makes `POST /internal/rpc/<service>/<method>` answer 5xx.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from project.rpc import auth, interface

pytestmark = pytest.mark.django_db
HUGE = 10**30
METHODS = [
    (name, method, [param for param, *_ in interface.signature_of(getattr(service, method))[0]])
    for name, service in sorted(interface.registered_services().items())
    if service.__module__.startswith("apps.")
    for method in service.method_names()
]


def _call(client, service, method, body: bytes, headers=None):
    signed = auth.request_auth().sign(service=service, method=method, body=body)
    return client.generic(
        "POST",
        f"/internal/rpc/{service}/{method}",
        data=body,
        content_type="application/json",
        headers={**signed, **(headers or {})},
    )


def _refused(response) -> dict:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["message"]
    return error


def _malformed_bodies(params: list[str]) -> list[bytes]:
    """Bodies no method takes: not JSON or UTF-8, not an object, an unknown field, wrong types, ints past 64 bits."""
    bodies = [b"not json", b"\xff\xfe\xfa{}", b"[1, 2]", b'"a string"', b"null", b"1e999", b"{" * 5000]
    bodies.append(json.dumps({**dict.fromkeys(params, 1), "unexpected": 1}).encode())
    for value in [{"nested": [1]}, HUGE, -HUGE, 2**63, [HUGE], {"id": [2**64]}] if params else []:
        bodies.append(json.dumps({name: value for name in params}).encode())
    return bodies


def _odd_bodies(params: list[str]) -> list[bytes]:
    """Well-typed enough to reach the method, with values at the edges: any answer but a 5xx."""
    values = [2**63 - 1, -(2**63), 1e308, float("nan"), float("inf"), "\u00e9\u0000\ud7ff", "", []]
    return [json.dumps(dict.fromkeys(params, value)).encode() for value in values]


def test_every_app_service_is_in_the_table():
    services = {service for service, _, _ in METHODS}
    assert services == {"accounts", "imports", "plans", "races", "reports", "runs", "strava"}


@pytest.mark.parametrize(("service", "method", "params"), METHODS, ids=[f"{s}.{m}" for s, m, _ in METHODS])
def test_a_signed_call_with_a_malformed_body_is_refused_with_a_4xx(client, service, method, params):
    for body in _malformed_bodies(params):
        _refused(_call(client, service, method, body))


@pytest.mark.parametrize(("service", "method", "params"), METHODS, ids=[f"{s}.{m}" for s, m, _ in METHODS])
def test_a_signed_call_with_edge_values_never_gets_a_server_error(client, service, method, params):
    for body in _odd_bodies(params):
        response = _call(client, service, method, body)
        if response.status_code >= 400:
            _refused(response)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.sampled_from([HUGE, -HUGE, 2**63]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)


@pytest.mark.parametrize(("service", "method", "params"), METHODS, ids=[f"{s}.{m}" for s, m, _ in METHODS])
def test_a_signed_call_with_made_up_arguments_never_gets_a_server_error(client, service, method, params):
    arguments = st.fixed_dictionaries({}, optional=dict.fromkeys(params, json_values))
    bodies = st.binary(max_size=40) | arguments.map(lambda kwargs: json.dumps(kwargs).encode())

    @given(body=bodies)
    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(body):
        response = _call(client, service, method, body)
        if response.status_code >= 400:
            _refused(response)

    fuzz()


@pytest.mark.parametrize(
    "headers",
    [
        {auth.TIMESTAMP_HEADER: "\u00b2\u00b3"},  # digits to str.isdigit, not to int()
        {auth.TIMESTAMP_HEADER: "9" * 5000},  # more digits than int() converts
        {auth.TIMESTAMP_HEADER: "\u00e9t\u00e9"},
        {auth.SIGNATURE_HEADER: "sha256=\u00ff" * 8},
        {"Content-Type": "application/json; charset=\u00e9"},
    ],
)
def test_a_call_with_odd_or_non_ascii_headers_is_refused_with_a_4xx(client, headers):
    _refused(_call(client, "runs", "get_run", b'{"user_id": 1, "run_id": 1}', headers=headers))


def test_a_call_signed_a_moment_ago_with_a_wrong_body_names_the_bad_fields(client):
    error = _refused(_call(client, "runs", "get_run", b'{"user_id": "one", "run_id": 1, "extra": true}'))
    assert (error["code"], sorted(error["fields"])) == ("invalid_request", ["extra", "user_id"])
