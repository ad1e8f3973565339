"""The Strava webhook (public, no CSRF) fed malformed events: a 400 with a short message, never a 5xx."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db
URL = "/strava/webhook/"
EVENT = {
    "object_type": "activity",
    "aspect_type": "create",
    "object_id": 1234,
    "owner_id": 901,
    "subscription_id": 0,
    "event_time": 1,
    "updates": {},
}


def _post(client, body: bytes, **headers):
    return client.post(URL, data=body, content_type="application/json", headers=headers)


def _with(**changes) -> bytes:
    return json.dumps({**EVENT, **changes}).encode()


def _without(name: str) -> bytes:
    return json.dumps({key: value for key, value in EVENT.items() if key != name}).encode()


MALFORMED = {
    "not JSON": b"{not json",
    "not UTF-8": b'{"object_type": "\xff\xfe"}',
    "empty": b"",
    "a list": b"[1, 2]",
    "a string": b'"event"',
    "null": b"null",
    "nested too deep": b"[" * 100_000,
    **{f"no {name}": _without(name) for name in ("object_type", "aspect_type", "object_id", "owner_id")},
    "object_id a word": _with(object_id="twelve"),
    "object_id an object": _with(object_id={"id": 1}),
    "object_id a list": _with(object_id=[1]),
    "object_id null": _with(object_id=None),
    "object_id a fraction": _with(object_id=12.5),
    "object_id Infinity": _with(object_id=float("inf")),
    "object_id NaN": _with(object_id=float("nan")),
    "object_id 1e999": json.dumps(EVENT).replace('"object_id": 1234', '"object_id": 1e999').encode(),
    "owner_id past 64 bits": _with(owner_id=2**64),
    "owner_id negative": _with(owner_id=-1),
    "subscription_id 10**30": _with(subscription_id=10**30),
    "owner_id 5000 digits": json.dumps(EVENT).replace('"owner_id": 901', '"owner_id": ' + "9" * 5000).encode(),
    "updates a string": _with(updates="authorized"),
    "updates a list": _with(updates=["authorized", "false"]),
    "object_type a list": _with(object_type=["athlete"]),
    "aspect_type a number": _with(aspect_type=3),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_event_is_a_400_with_a_short_message(client, body):
    response = _post(client, body)
    assert response.status_code == 400
    assert response.content.startswith(b"malformed event: ")
    assert len(response.content) < 200


@pytest.mark.parametrize(
    "headers",
    [{"Content-Type": "application/json; charset=\u00e9\u00e9"}, {"User-Agent": "\u00ff" * 300}, {"X-Odd": "\u00e9"}],
)
def test_odd_or_non_ascii_headers_do_not_break_a_well_formed_event(client, headers):
    response = client.post(URL, data=_with(), content_type="application/json", headers=headers)
    assert (response.status_code, response.json()) == (200, {"status": "received"})


@pytest.mark.parametrize(
    "query",
    [{}, {"hub.challenge": "\u00e9"}, {"hub.verify_token": ["a", "b"], "hub.challenge": "x"}, {"hub.mode": "\u00ff"}],
)
def test_a_malformed_subscription_handshake_is_a_400(client, settings, query):
    settings.STRAVA_WEBHOOK_VERIFY_TOKEN = "verify-me"
    response = client.get(URL, query)
    assert (response.status_code, response.content) == (400, b"bad verify token")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)


@given(
    body=st.binary(max_size=60)
    | st.fixed_dictionaries({}, optional=dict.fromkeys([*EVENT, "extra"], json_values)).map(
        lambda event: json.dumps(event).encode()
    )
)
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_whatever_the_body_the_webhook_answers_200_or_400(client, body):
    response = _post(client, body)
    assert response.status_code in (200, 400), (response.status_code, body)


def test_without_a_verify_token_set_no_handshake_succeeds(client, settings):
    settings.STRAVA_WEBHOOK_VERIFY_TOKEN = ""
    response = client.get("/strava/webhook/", {"hub.verify_token": "", "hub.challenge": "x", "hub.mode": "subscribe"})
    assert (response.status_code, response.content) == (400, b"bad verify token")
