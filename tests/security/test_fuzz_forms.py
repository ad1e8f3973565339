"""The HTML forms fed malformed input: the form again with its errors (or a 4xx), nothing stored, never a 5xx.

A table of shapes per form (signup, login, profile, manual run, race add and search, plan choose, upload), then
hypothesis fills every field of each form with made-up text.
"""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.accounts.interface import testing as accounts_testing
from apps.imports.interface.service import imports_service
from apps.plans.interface.service import plans_service
from apps.races.interface import testing as races_testing
from apps.races.interface.service import races_service
from apps.runs.interface.service import runs_service

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
HUGE = "9" * 5000  # more digits than int() converts
GPX = b'<?xml version="1.0"?><gpx version="1.1" creator="t"><trk><trkseg></trkseg></trk></gpx>'


@pytest.fixture
def runner(client):
    profile = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    client.login(email="ada@example.com", password=PASSWORD)
    return profile


@pytest.fixture
def race(runner):
    return races_testing.add_race(added_by_id=runner.id, race_date=datetime.date.today() + datetime.timedelta(days=90))


def _stored(user_id: int) -> tuple:
    return (
        len(runs_service.list_runs(user_id=user_id, include_hidden=True, limit=100).runs),
        races_service.find_races(include_past=True, limit=100).total,
        len(plans_service.list_plans(user_id=user_id)),
        len(imports_service.list_jobs(user_id=user_id, limit=100)),
    )


def _refused(response) -> None:
    """A form error page (200 with an error list) or a 4xx: never a redirect to a saved thing, never a 5xx."""
    assert response.status_code == 200 or 400 <= response.status_code < 500, response.status_code
    if response.status_code == 200:
        assert b'class="errorlist' in response.content or b"errorlist" in response.content


RUN = {
    "name": "Run",
    "sport": "run",
    "date": "2026-01-10",
    "start_time": "07:00",
    "distance": "10",
    "duration": "50:00",
}
RACE = {
    "name": "City 10K",
    "date": "2027-05-01",
    "start_time": "09:00",
    "timezone": "Europe/Paris",
    "distance": "10000.0",
    "city": "Paris",
    "country": "France",
}
FORMS = {
    "/runs/new/": [
        {**RUN, "duration": "nan"},
        {**RUN, "duration": "inf"},
        {**RUN, "duration": "1e308:1e308"},
        {**RUN, "duration": "::"},
        {**RUN, "duration": HUGE},
        {**RUN, "distance": "1e999"},
        {**RUN, "distance": "nan"},
        {**RUN, "date": "0001-01-01"},
        {**RUN, "date": "9999-12-31", "start_time": "23:59"},
        {**RUN, "date": "1900-01-01"},
        {**RUN, "start_time": "25:00"},
        {**RUN, "notes": "x\x00y"},
    ],
    "/races/new/": [
        {**RACE, "date": "0001-01-01", "timezone": "Pacific/Kiritimati"},
        {**RACE, "date": "9999-12-31", "start_time": "23:59", "timezone": "Etc/GMT+12"},
        {**RACE, "timezone": "Not/AZone"},
        {**RACE, "timezone": "", "latitude": "nan", "longitude": "2"},
        {**RACE, "latitude": "91", "longitude": "2"},
        {**RACE, "distance": "other", "other_distance_km": "inf"},
        {**RACE, "distance": HUGE},
        {**RACE, "website": "javascript:alert(1)"},
        {**RACE, "name": "x" * 300},
        {**RACE, "city": "\x00"},
    ],
    "/profile/": [
        {"timezone": "Not/AZone", "units": "metric"},
        {"timezone": "UTC", "units": "metric", "birth_year": HUGE},
        {"timezone": "UTC", "units": "metric", "weight_kg": "1e999"},
        {"timezone": "UTC", "units": "metric", "weight_kg": "nan"},
        {"timezone": "UTC", "units": "metric", "resting_heart_rate": "-1"},
        {"timezone": "UTC", "units": "metric", "max_heart_rate": str(2**70)},
        {"timezone": "UTC", "units": "furlongs"},
        {"timezone": "UTC", "units": "metric", "display_name": "x" * 101},
    ],
    "/plans/new/": [
        {"race": HUGE, "template": "marathon-beginner", "training_days": ["1"]},
        {"race": "\u00b2", "template": "marathon-beginner", "training_days": ["1"]},
        {"race": "-1", "template": "no-such-plan", "training_days": ["7", "-1", "x"]},
        {"race": "", "template": "", "training_days": []},
        {"race": "race", "template": ["a", "b"], "training_days": HUGE},
    ],
}


@pytest.mark.parametrize(
    ("url", "data"),
    [(url, data) for url, shapes in FORMS.items() for data in shapes],
    ids=[f"{url}{i}" for url, shapes in FORMS.items() for i in range(len(shapes))],
)
def test_a_form_posted_with_malformed_fields_shows_its_errors_and_stores_nothing(client, runner, race, url, data):
    before = _stored(runner.id)
    _refused(client.post(url, data))
    assert _stored(runner.id) == before


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "0001-01-01", "end_date": "9999-12-31"},
        {"start_date": "10000-01-01"},
        {"latitude": "nan", "longitude": "inf", "radius_km": "1e999"},
        {"latitude": HUGE, "longitude": "0", "radius_km": "5"},
        {"distance": HUGE, "include_past": "\u00ff"},
        {"text": "\x00%_\\'\""},
        {"offset": "\u00b2"},
        {"offset": "-" + HUGE},
    ],
)
def test_a_race_search_with_malformed_fields_answers_the_page(client, runner, query):
    assert client.get("/races/", query).status_code == 200


@pytest.mark.parametrize(
    ("url", "query"),
    [
        ("/runs/", {"from": "0001-01-01", "to": "9999-12-31"}),
        ("/runs/", {"from": "\u00b2", "cursor": "\u00ff" * 500}),
        ("/runs/", {"cursor": HUGE, "sport": ["run", "ride"]}),
        ("/plans/new/", {"race": "\u00b2"}),
        ("/plans/new/", {"race": HUGE}),
        ("/reports/", {"year": "0"}),
        ("/reports/", {"year": HUGE}),
        ("/reports/", {"year": "\u00b2"}),
        ("/reports/0000-00/", {}),
        ("/reports/9999-12/", {}),
    ],
)
def test_a_page_asked_with_malformed_parameters_answers_the_page_or_a_4xx(client, runner, url, query):
    response = client.get(url, query)
    assert response.status_code in (200, 302, 400, 404), response.status_code


def _multipart(name: bytes, content: bytes, field: bytes = b"files") -> bytes:
    return (
        b'--B\r\nContent-Disposition: form-data; name="' + field + b'"; filename="' + name + b'"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n" + content + b"\r\n--B--\r\n"
    )


@pytest.mark.parametrize(
    "name",
    [
        b"..",
        b"../../etc/passwd.gpx",
        b"C:\\Users\\ada\\run.gpx",
        b"a\x00b.gpx",
        b"x" * 1000 + b".gpx",
        "\u00e9t\u00e9 \u2603.gpx".encode(),
        b"\xff\xfe.gpx",
        b"no-extension",
        b".gpx",
        b"",
    ],
)
@pytest.mark.parametrize("url", ["/imports/", "/api/v1/uploads/"])
def test_an_upload_with_an_odd_file_name_is_taken_or_refused_never_a_500(client, runner, url, name):
    body = _multipart(name, GPX, field=b"file" if url.startswith("/api/") else b"files")
    response = client.generic("POST", url, data=body, content_type="multipart/form-data; boundary=B")
    assert response.status_code in (200, 202, 302, 400), response.status_code


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "new@example.com"},
        {"email": "\x00@example.com", "password1": PASSWORD, "password2": PASSWORD},
        {"email": "x" * 5000 + "@example.com", "password1": PASSWORD, "password2": PASSWORD},
        {"email": ["a@example.com", "b@example.com"], "password1": PASSWORD, "password2": "other"},
        {"email": "new@example.com", "password1": "\x00" * 10, "password2": "\x00" * 10},
    ],
)
def test_a_malformed_signup_shows_its_errors_and_creates_no_account(client, data):
    from django.contrib.auth import get_user_model

    _refused(client.post("/accounts/signup/", data))
    assert get_user_model().objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"login": "ada@example.com"},
        {"login": "\x00", "password": "\x00"},
        {"login": "ada@example.com", "password": "x" * 100_000},
        {"login": ["ada@example.com", "b"], "password": [PASSWORD, PASSWORD]},
        {"login": "\u00e9" * 300, "password": PASSWORD},
    ],
)
def test_a_malformed_login_shows_its_errors_and_signs_no_one_in(client, data):
    accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    _refused(client.post("/accounts/login/", data))
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url", ["/runs/new/", "/races/new/", "/profile/", "/plans/new/", "/accounts/login/"])
def test_a_body_that_is_not_utf_8_shows_the_form_errors(client, runner, race, url):
    if url == "/accounts/login/":
        client.logout()
    body = b"name=\xff\xfe&date=\xc3&login=\xff&race=\xfe"
    _refused(client.generic("POST", url, data=body, content_type="application/x-www-form-urlencoded"))


@pytest.mark.parametrize("url", list(FORMS))
def test_an_empty_post_shows_the_form_again_and_stores_nothing(client, runner, race, url):
    before = _stored(runner.id)
    assert client.post(url, {}).status_code == 200
    assert _stored(runner.id) == before


text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=30) | st.sampled_from([HUGE, "nan", "-1e999"])
FIELDS = {
    "/runs/new/": [*RUN, "notes"],
    "/races/new/": [*RACE, "other_distance_km", "latitude", "longitude", "website"],
    "/profile/": ["timezone", "units", "birth_year", "weight_kg", "resting_heart_rate", "max_heart_rate"],
    "/plans/new/": ["race", "template", "training_days"],
}


@pytest.mark.parametrize("url", FIELDS)
def test_a_form_filled_with_made_up_text_never_gets_a_server_error(client, runner, race, url):
    @given(data=st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS[url], text)))
    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(data):
        response = client.post(url, data)
        assert response.status_code in (200, 302), response.status_code

    fuzz()
