"""The races pages and API reach races' data only through `races_service`, so that races can be lifted out.

- Over HTTP: the pages and the API work with races routed to a remote service (the test client's internal
  endpoint) and races extracted from the web process: any read of races' tables outside the service raises.
- Statically (tests/architecture/test_web_side.py): no web-side module of the app imports its internals.
- Down: with races extracted and its service refusing connections, every page answers without a 500 and
  stores nothing.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.test import override_settings
from django.urls import get_resolver, reverse

from apps.accounts.interface import testing as accounts_testing
from apps.races.interface.service import races_service
from apps.races.interface.testing import add_race
from apps.races.models import Race, Registration
from apps.runs.interface.testing import record_manual_run
from project.events.models import OutboxEvent
from project.rpc.testing import ServiceSideTestClientTransport, serve_over_test_client
from tests.races.dates import BERLIN, TODAY, shown

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"


JSON = {"content_type": "application/json"}
CALLS: list[str] = []  # the races methods called over HTTP, in order


class RecordingTransport(ServiceSideTestClientTransport):
    """The races service behind the test client, served with races' tables while the page runs with races
    extracted; it records the method of each call in CALLS."""

    def post(self, url, *, body, headers):
        CALLS.append(url.rsplit("/internal/rpc/races/", 1)[-1])
        return super().post(url, body=body, headers=headers)


@pytest.fixture
def over_http(settings):
    """Races routed to a remote service over the test client; races' tables off limits to the pages."""
    CALLS.clear()

    def extract():
        serve_over_test_client(settings, "races", transport=f"{__name__}.RecordingTransport")

    return extract


def _in_the_service():
    """What the races service itself may do (here: check its tables)."""
    return override_settings(EXTRACTED_APPS=[])


@pytest.fixture
def ada(client):
    profile = accounts_testing.create_user(email="ada@example.com", password=PASSWORD, timezone="Europe/Paris")
    client.login(email="ada@example.com", password=PASSWORD)
    client.post("/profile/", {"display_name": "Ada L.", "timezone": "Europe/Paris", "units": "metric"})
    return profile


@pytest.fixture
def bob():
    return accounts_testing.create_user(email="bob@example.com", password=PASSWORD)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- a. the pages and the API over HTTP ----------------------------------------------------------------------


def test_the_finder_lists_counts_and_pages_through_the_service(client, ada, bob, over_http):
    berlin = add_race(
        added_by_id=bob.id,
        name="Berlin Marathon",
        race_date=TODAY + datetime.timedelta(days=30),
        distance_m=42195.0,
        city="Berlin",
        country="Germany",
        timezone="Europe/Berlin",
    )
    lyon = add_race(
        added_by_id=ada.id,
        name="Lyon Half",
        race_date=TODAY + datetime.timedelta(days=40),
        distance_m=21097.5,
        city="Lyon",
    )
    for day in range(20):
        add_race(added_by_id=bob.id, name=f"Park 5K #{day}", race_date=TODAY + datetime.timedelta(days=100 + day))
    races_service.set_running(user_id=ada.id, race_id=lyon.id, running=True)
    races_service.set_running(user_id=bob.id, race_id=lyon.id, running=True)
    over_http()

    first = _text(client.get("/races/"))
    assert '<p id="race-count">22 races</p>' in first
    assert (
        f'<a href="/races/{berlin.id}/">Berlin Marathon</a></td> <td>42.20 km</td><td>Berlin, Germany</td><td>0</td>'
        in first
    )
    assert (
        f'<a href="/races/{lyon.id}/">Lyon Half</a> <mark>running</mark></td> <td>21.10 km</td>'
        "<td>Lyon, France</td><td>2</td>" in first
    )
    assert "Park 5K #17" in first
    assert "Park 5K #18" not in first
    assert 'href="?&offset=20">Later races</a>' in first
    assert CALLS == ["find_races", "list_races_of_runner"]

    second = _text(client.get("/races/", {"offset": 20}))
    assert re.findall(r'<a href="/races/\d+/">([^<]+)</a>', second) == ["Park 5K #18", "Park 5K #19"]
    assert 'href="?&offset=0">Sooner races</a>' in second

    found = _text(client.get("/races/", {"text": "lyon", "distance": "21097.5"}))
    assert '<p id="race-count">1 race</p>' in found
    assert re.findall(r'<a href="/races/\d+/">([^<]+)</a>', found) == ["Lyon Half"]


def test_adding_and_changing_a_race_on_the_pages_goes_through_the_service(client, ada, bob, over_http):
    over_http()
    added = client.post(
        "/races/new/",
        {
            "name": "Berlin Marathon",
            "date": BERLIN.isoformat(),
            "start_time": "09:15",
            "timezone": "",
            "distance": "42195.0",
            "city": "Berlin",
            "country": "Germany",
            "latitude": "52.5163",
            "longitude": "13.3777",
            "website": "www.bmw-berlin-marathon.com",
        },
    )
    assert CALLS == ["add_race"]
    race_id = int(added["Location"].split("/")[2])
    assert added["Location"] == f"/races/{race_id}/"
    page = _text(client.get(added["Location"]))
    assert f"{shown(BERLIN)}, start 09:15 (Europe/Berlin) · 42.20 km · Berlin, Germany" in page
    assert f'<a href="/races/{race_id}/edit/">Change it</a>' in page
    with _in_the_service():
        race = Race.objects.get(pk=race_id)
    assert (race.timezone, race.added_by_id, race.website) == (
        "Europe/Berlin",
        ada.id,
        "https://www.bmw-berlin-marathon.com",
    )
    assert race.starts_at == datetime.datetime.combine(BERLIN, datetime.time(7, 15), datetime.UTC)

    # What the form lets through but the service refuses comes back as the form's errors.
    refused = _text(
        client.post(
            "/races/new/",
            {
                "name": "Too long a website",
                "date": (BERLIN + datetime.timedelta(days=5)).isoformat(),
                "start_time": "10:00",
                "timezone": "Europe/Paris",
                "distance": "10000.0",
                "city": "Paris",
                "country": "France",
                "website": "https://example.com/" + "x" * 200,
            },
        )
    )
    assert "Ensure this value has at most 200 characters (it has 220)." in refused

    CALLS.clear()
    form = _text(client.get(f"/races/{race_id}/edit/"))
    assert CALLS == ["get_race_for_runner"]
    assert 'value="Berlin Marathon"' in form
    assert f'value="{BERLIN.isoformat()}"' in form  # ISO, as an <input type="date"> needs
    assert 'value="09:15:00"' in form
    assert '<option value="Europe/Berlin" selected>' in form
    assert '<option value="42195.0" selected>Marathon</option>' in form
    changed = client.post(
        f"/races/{race_id}/edit/",
        {
            "name": "BMW Berlin Marathon",
            "date": (BERLIN + datetime.timedelta(days=1)).isoformat(),
            "start_time": "08:30",
            "timezone": "",
            "distance": "other",
            "other_distance_km": "42.5",
            "city": "Berlin",
            "country": "Germany",
            "latitude": "52.5163",
            "longitude": "13.3777",
        },
    )
    assert changed["Location"] == f"/races/{race_id}/"
    monday = BERLIN + datetime.timedelta(days=1)
    assert f"{shown(monday)}, start 08:30 (Europe/Berlin) · 42.50 km · Berlin, Germany" in _text(
        client.get(changed["Location"])
    )
    with _in_the_service():
        race = Race.objects.get(pk=race_id)
        rescheduled = list(OutboxEvent.objects.filter(name="races.race_rescheduled").values_list("payload", flat=True))
    assert (race.name, race.timezone, race.website) == ("BMW Berlin Marathon", "Europe/Berlin", "")
    assert race.starts_at == datetime.datetime.combine(monday, datetime.time(6, 30), datetime.UTC)
    assert rescheduled == [{"race_id": race_id, "race_date": monday.isoformat()}]

    client.logout()
    client.login(email="bob@example.com", password=PASSWORD)
    assert client.get(f"/races/{race_id}/edit/").status_code == 403
    assert client.post(f"/races/{race_id}/edit/", {"name": "Mine now"}).status_code == 403
    assert f"/races/{race_id}/edit/" not in _text(client.get(f"/races/{race_id}/"))


def test_a_race_page_shows_runners_results_and_the_runs_to_keep_through_the_service(client, ada, bob, over_http):
    race_day = TODAY - datetime.timedelta(days=2)
    race = add_race(
        added_by_id=bob.id, name="Canal 10K", race_date=race_day, timezone="UTC", latitude=None, longitude=None
    )
    start = datetime.datetime.combine(race_day, datetime.time(9), tzinfo=datetime.UTC)
    too_short = record_manual_run(user_id=ada.id, start=start - datetime.timedelta(hours=2), distance_m=5000)
    raced = record_manual_run(user_id=ada.id, start=start, distance_m=10080, elapsed_s=2520, name="Canal race")
    bobs = record_manual_run(user_id=bob.id, start=start, distance_m=9990, elapsed_s=2400)
    over_http()

    page = _text(client.get(f"/races/{race.id}/"))
    assert "<p>0 runners running it." in page
    assert "I&#x27;m running this" not in page  # it is over: a result is offered instead, to whoever ran it
    assert "No result shared yet." in page
    assert CALLS == ["get_race_for_runner", "list_result_candidates"]
    assert f'name="run_id" value="{raced.id}"' in page
    assert "Canal race: 10.08 km in <strong>42:00</strong>." in page
    assert f'name="run_id" value="{too_short.id}"' not in page

    refused = client.post(f"/races/{race.id}/result/", {"run_id": too_short.id, "shared": "on"}, follow=True)
    assert "That run is not on race day, or its distance is not the race&#x27;s." in refused.content.decode()
    not_mine = client.post(f"/races/{race.id}/result/", {"run_id": bobs.id, "shared": "on"}, follow=True)
    assert "That is not one of your runs." in not_mine.content.decode()
    kept = client.post(f"/races/{race.id}/result/", {"run_id": raced.id, "shared": "on"}, follow=True)
    assert "Your result is saved." in kept.content.decode()

    client.logout()
    client.login(email="bob@example.com", password=PASSWORD)
    client.post(f"/races/{race.id}/running/", {"running": "yes"})
    client.post(f"/races/{race.id}/result/", {"run_id": bobs.id, "shared": "on"})
    page = _text(client.get(f"/races/{race.id}/"))
    assert "<p>2 runners running it." in page
    assert re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", page) == [
        ("A runner", "40:00", "4:00 /km"),  # Bob has no display name
        ("Ada L.", "42:00", "4:10 /km"),
    ]
    assert f'<a href="/races/{race.id}/edit/">Change it</a>' in page
    assert 'id="offered-result"' not in page  # his result is kept: nothing more to offer
    client.post(f"/races/{race.id}/running/", {"running": "no"})
    assert "<p>1 runner running it." in _text(client.get(f"/races/{race.id}/"))


def test_a_merged_duplicate_leads_to_the_race_it_became_through_the_service(client, ada, bob, over_http):
    from apps.races import operations

    original = add_race(added_by_id=ada.id, race_date=TODAY + datetime.timedelta(days=40))
    duplicate = add_race(added_by_id=ada.id, name="City 10 km", race_date=TODAY + datetime.timedelta(days=40))
    operations.merge_races(duplicate=Race.objects.get(pk=duplicate.id), into=Race.objects.get(pk=original.id))
    over_http()
    assert client.get(f"/races/{duplicate.id}/")["Location"] == f"/races/{original.id}/"
    assert client.get(f"/races/{duplicate.id}/edit/")["Location"] == f"/races/{original.id}/edit/"
    assert client.get(f"/races/{original.id + 99}/").status_code == 404
    assert client.get(f"/races/{original.id + 99}/edit/").status_code == 404
    assert client.post(f"/races/{original.id + 99}/running/", {"running": "yes"}).status_code == 404
    assert client.post(f"/races/{original.id + 99}/result/", {"run_id": 1}).status_code == 404
    assert client.patch(f"/api/v1/races/{duplicate.id}/", {"name": "x"}, content_type="application/json").json() == {
        "code": "races.race_not_found",
        "message": f"no race {duplicate.id}",
        "fields": {},
    }


def test_the_api_adds_finds_changes_and_keeps_results_through_the_service(client, ada, bob, over_http):
    race_day = TODAY - datetime.timedelta(days=1)
    past = add_race(added_by_id=bob.id, name="Old 10K", race_date=race_day, timezone="UTC")
    raced = record_manual_run(
        user_id=ada.id,
        start=datetime.datetime.combine(race_day, datetime.time(9), tzinfo=datetime.UTC),
        distance_m=10000,
        elapsed_s=2700,
    )
    over_http()
    date = TODAY + datetime.timedelta(days=60)
    created = client.post(
        "/api/v1/races/",
        {
            "name": "Lyon Half",
            "date": date.isoformat(),
            "start_time": "08:00",
            "distance_m": 21097.5,
            "city": "Lyon",
            "country": "France",
            "timezone": "Europe/Paris",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    race = created.json()
    assert {key: race[key] for key in ("name", "race_date", "timezone", "distance_m", "city", "country")} == {
        "name": "Lyon Half",
        "race_date": date.isoformat(),
        "timezone": "Europe/Paris",
        "distance_m": 21097.5,
        "city": "Lyon",
        "country": "France",
    }
    assert (race["added_by_id"], race["runners"], race["website"], race["latitude"]) == (ada.id, 0, "", None)
    invalid = client.post(
        "/api/v1/races/",
        {"name": "Nowhere", "date": date.isoformat(), "distance_m": 5000, "city": "X", "country": "Y"},
        content_type="application/json",
    )
    assert (invalid.status_code, invalid.json()) == (
        400,
        {
            "code": "invalid",
            "message": "Some fields are not valid; see fields.",
            "fields": {"timezone": ["Choose the race's time zone (or give its coordinates)."]},
        },
    )

    assert client.put(f"/api/v1/races/{race['id']}/registration/").json()["runners"] == 1
    found = client.get("/api/v1/races/", {"text": "lyon"}).json()
    assert ([(r["id"], r["name"], r["runners"]) for r in found["races"]], found["total"]) == (
        [(race["id"], "Lyon Half", 1)],
        1,
    )
    assert client.get(f"/api/v1/races/{race['id']}/").json() == {**race, "runners": 1}

    later = date + datetime.timedelta(days=7)
    patched = client.patch(
        f"/api/v1/races/{race['id']}/", {"date": later.isoformat(), "city": "Villeurbanne"}, **JSON
    ).json()
    assert (patched["race_date"], patched["city"], patched["name"], patched["distance_m"]) == (
        later.isoformat(),
        "Villeurbanne",
        "Lyon Half",
        21097.5,
    )
    starts_at = datetime.datetime.fromisoformat(patched["starts_at"])
    assert starts_at == datetime.datetime.combine(later, datetime.time(8), tzinfo=zoneinfo.ZoneInfo("Europe/Paris"))
    refused = client.patch(f"/api/v1/races/{past.id}/", {"name": "Mine now"}, **JSON)
    assert (refused.status_code, refused.json()) == (
        403,
        {
            "code": "permission_denied",
            "message": "Only the runner who added this race, or staff, can change it.",
            "fields": {},
        },
    )
    assert client.delete(f"/api/v1/races/{race['id']}/registration/").json()["runners"] == 0

    result = client.put(f"/api/v1/races/{past.id}/result/", {"run_id": raced.id}, **JSON)
    assert result.json() == {
        "user_id": ada.id,
        "run_id": raced.id,
        "finish_s": 2700.0,
        "distance_m": 10000.0,
        "pace_s_per_km": 270.0,
    }
    wrong = client.put(f"/api/v1/races/{past.id}/result/", {"run_id": raced.id + 99}, **JSON)
    assert (wrong.status_code, wrong.json()["fields"]) == (400, {"run_id": ["That is not one of your runs."]})
    assert [CALLS.count(method) for method in ("add_race", "update_race", "confirm_result")] == [2, 2, 2]


def test_the_pages_ask_the_service_a_bounded_number_of_questions(client, ada, bob, django_assert_max_num_queries):
    race_day = TODAY - datetime.timedelta(days=1)
    race = add_race(added_by_id=bob.id, race_date=race_day, timezone="UTC")
    start = datetime.datetime.combine(race_day, datetime.time(9), tzinfo=datetime.UTC)

    def queries(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    runners = [accounts_testing.create_user() for _ in range(12)]
    for i, runner in enumerate(runners[:2]):
        run = record_manual_run(user_id=runner.id, start=start, distance_m=10000, elapsed_s=2400 + i)
        races_service.confirm_result(user_id=runner.id, race_id=race.id, run_id=run.id)
    queries(f"/races/{race.id}/")  # the runner's runs of race day, once read, come from the cache
    few_results, few_races = queries(f"/races/{race.id}/"), queries("/races/?include_past=on")
    for i, runner in enumerate(runners[2:]):
        run = record_manual_run(user_id=runner.id, start=start, distance_m=10000, elapsed_s=2500 + i)
        races_service.confirm_result(user_id=runner.id, race_id=race.id, run_id=run.id)
        add_race(added_by_id=runner.id, race_date=TODAY + datetime.timedelta(days=i))
    assert queries(f"/races/{race.id}/") == few_results
    assert queries("/races/?include_past=on") == few_races


# --- c. races extracted and down -----------------------------------------------------------------------------

UNAVAILABLE_PAGE = "Races are temporarily unavailable"
FORM = {
    "name": "Berlin Marathon",
    "date": BERLIN.isoformat(),
    "start_time": "09:15",
    "timezone": "Europe/Berlin",
    "distance": "42195.0",
    "city": "Berlin",
    "country": "Germany",
}
# URL name -> [(method, kwargs for the client, status, what the answer says)]; {race} is a race's id.
DOWN = {
    "races:list": [("get", {}, 200, UNAVAILABLE_PAGE), ("get", {"data": {"text": "berlin"}}, 200, UNAVAILABLE_PAGE)],
    "races:new": [
        ("get", {}, 200, 'id="id_name"'),
        ("post", {"data": FORM}, 200, "Races are temporarily unavailable, so nothing was changed."),
    ],
    "races:detail": [("get", {}, 503, UNAVAILABLE_PAGE)],
    "races:edit": [("get", {}, 503, UNAVAILABLE_PAGE), ("post", {"data": FORM}, 503, "so nothing was changed")],
    "races:running": [("post", {"data": {"running": "yes"}}, 503, "so nothing was changed")],
    "races:result": [("post", {"data": {"run_id": "1", "shared": "on"}}, 503, "so nothing was changed")],
    "api-races": [
        ("get", {}, 503, "service_unavailable"),
        (
            "post",
            {"data": {**FORM, "date": BERLIN.isoformat(), "distance_m": 42195.0}, **JSON},
            503,
            "service_unavailable",
        ),
    ],
    "api-race": [
        ("get", {}, 503, "service_unavailable"),
        ("patch", {"data": {"name": "Renamed"}, **JSON}, 503, "service_unavailable"),
    ],
    "api-race-registration": [("put", {}, 503, "service_unavailable"), ("delete", {}, 503, "service_unavailable")],
    "api-race-result": [("put", {"data": {"run_id": 1}, **JSON}, 503, "service_unavailable")],
}


def _url_names() -> set[str]:
    names = set()
    for pattern in get_resolver().url_patterns:
        module = getattr(pattern, "urlconf_module", None)
        if getattr(module, "__name__", "") in {"apps.races.urls", "apps.races.api.urls"}:
            prefix = f"{pattern.namespace}:" if pattern.namespace else ""
            names |= {prefix + p.name for p in pattern.url_patterns}
    return names


def test_every_page_and_endpoint_of_races_is_tried_with_races_down():
    assert set(DOWN) == _url_names()


def _stored() -> tuple:
    with _in_the_service():
        return (
            list(Race.objects.order_by("pk").values()),
            list(Registration.objects.order_by("pk").values()),
            OutboxEvent.objects.count(),
        )


@pytest.mark.parametrize("url_name", sorted(DOWN))
def test_with_races_extracted_and_down_every_page_answers_and_stores_nothing(
    client, ada, settings, refused_url, url_name
):
    race = add_race(added_by_id=ada.id, race_date=TODAY - datetime.timedelta(days=1), timezone="UTC")
    races_service.set_running(user_id=ada.id, race_id=race.id, running=True)
    before = _stored()
    settings.EXTRACTED_APPS = ["races"]
    settings.SERVICE_ROUTING = {"races": refused_url}
    settings.RPC_RETRIES = 0
    name = url_name.split(":")[-1]
    url = reverse(url_name, kwargs={"race_id": race.id} if name not in {"list", "new", "api-races"} else {})
    for method, kwargs, status, says in DOWN[url_name]:
        response = getattr(client, method)(url, **kwargs)
        assert response.status_code == status, (method, url, response.content[:500])
        if url_name.startswith("api-"):
            assert response.json() == {
                "code": "service_unavailable",
                "message": "Races are temporarily unavailable; try again in a minute.",
                "fields": {},
            }
        else:
            assert says in response.content.decode(), (method, url)
    if url_name == "races:new":
        assert 'value="Berlin Marathon"' in response.content.decode()  # what they typed is kept
    assert _stored() == before
