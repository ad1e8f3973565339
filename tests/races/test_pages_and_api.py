"""Race pages and API: anyone signed in adds and sees races; only the author or staff change them;
results come from the runner's own race-day run."""

import datetime

import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.races.interface.testing import add_race
from apps.races.models import Race
from apps.runs.interface.testing import record_manual_run
from tests.races.dates import BERLIN, TODAY, shown

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"


@pytest.fixture
def ada(client):
    profile = accounts_testing.create_user(email="ada@example.com", password=PASSWORD, timezone="Europe/Paris")
    client.login(email="ada@example.com", password=PASSWORD)
    return profile


def test_adding_a_race_on_the_page_finds_its_time_zone_from_its_place(client, ada):
    response = client.post(
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
    race = Race.objects.get()
    assert response["Location"] == f"/races/{race.id}/"
    assert (race.timezone, race.race_date, race.added_by_id) == ("Europe/Berlin", BERLIN, ada.id)
    assert race.starts_at == datetime.datetime.combine(BERLIN, datetime.time(7, 15), datetime.UTC)  # 09:15 CEST
    assert race.website == "https://www.bmw-berlin-marathon.com"
    page = client.get(f"/races/{race.id}/").content.decode()
    assert f"{shown(BERLIN)}, start 09:15 (Europe/Berlin) · 42.20 km · Berlin, Germany" in page


def test_a_race_without_zone_or_position_is_refused_with_what_to_fix(client, ada):
    response = client.post(
        "/races/new/",
        {
            "name": "Mystery Run",
            "date": BERLIN.isoformat(),
            "start_time": "10:00",
            "distance": "other",
            "city": "X",
            "country": "Y",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose the time zone, or give the coordinates so we can find it." in page
    assert "Give the distance in km." in page
    assert Race.objects.count() == 0


def test_another_runner_sees_a_race_but_cannot_change_it(client, ada):
    bob = accounts_testing.create_user(email="bob@example.com")
    race = add_race(added_by_id=bob.id, race_date=TODAY + datetime.timedelta(days=50))
    assert client.get(f"/races/{race.id}/").status_code == 200
    assert client.get(f"/api/v1/races/{race.id}/").json()["name"] == "City 10K"
    assert client.get(f"/races/{race.id}/edit/").status_code == 403
    assert client.post(f"/races/{race.id}/edit/", {"name": "Mine now"}).status_code == 403
    response = client.patch(f"/api/v1/races/{race.id}/", {"name": "Mine now"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "Only the runner who added this race, or staff, can change it.",
        "fields": {},
    }
    assert Race.objects.get(pk=race.id).name == "City 10K"


def test_the_author_changes_the_date_through_the_api_and_plans_hear_of_it(
    client, ada, django_capture_on_commit_callbacks
):
    from project.events.models import OutboxEvent

    race = add_race(added_by_id=ada.id, race_date=TODAY + datetime.timedelta(days=50))
    new_date = TODAY + datetime.timedelta(days=57)
    response = client.patch(
        f"/api/v1/races/{race.id}/",
        {"date": new_date.isoformat(), "name": "City 10K (new date)"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert (response.json()["race_date"], response.json()["name"]) == (new_date.isoformat(), "City 10K (new date)")
    assert list(OutboxEvent.objects.order_by("created_at", "id").values_list("name", "payload")) == [
        ("races.race_rescheduled", {"race_id": race.id, "race_date": new_date.isoformat()}),
        ("races.race_renamed", {"race_id": race.id}),
    ]


def test_the_api_adds_finds_and_registers(client, ada):
    created = client.post(
        "/api/v1/races/",
        {
            "name": "Lyon Half",
            "date": (TODAY + datetime.timedelta(days=60)).isoformat(),
            "distance_m": 21097.5,
            "city": "Lyon",
            "country": "France",
            "timezone": "Europe/Paris",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    race_id = created.json()["id"]
    assert client.put(f"/api/v1/races/{race_id}/registration/").json()["runners"] == 1
    found = client.get("/api/v1/races/", {"text": "lyon"}).json()
    assert ([r["id"] for r in found["races"]], found["total"]) == ([race_id], 1)
    bad = client.get("/api/v1/races/", {"latitude": "45"})
    assert bad.status_code == 400
    assert bad.json()["fields"] == {"radius_km": ["needs a position"]}
    assert client.delete(f"/api/v1/races/{race_id}/registration/").json()["runners"] == 0


def test_after_race_day_the_matching_run_is_offered_and_kept_as_the_result(client, ada):
    bob = accounts_testing.create_user(email="bob@example.com", password=PASSWORD)
    race_day = TODAY - datetime.timedelta(days=2)
    race = add_race(added_by_id=bob.id, race_date=race_day, timezone="UTC", latitude=None, longitude=None)
    client.post(f"/races/{race.id}/running/", {"running": "yes"})
    start = datetime.datetime.combine(race_day, datetime.time(9), tzinfo=datetime.UTC)
    too_short = record_manual_run(
        user_id=ada.id, start=start - datetime.timedelta(hours=2), distance_m=5000, elapsed_s=1500
    )
    raced = record_manual_run(user_id=ada.id, start=start, distance_m=10080, elapsed_s=2520)
    page = client.get(f"/races/{race.id}/").content.decode()
    assert f'name="run_id" value="{raced.id}"' in page
    assert f'name="run_id" value="{too_short.id}"' not in page

    refused = client.post(f"/races/{race.id}/result/", {"run_id": too_short.id, "shared": "on"}, follow=True)
    assert "That run is not on race day, or its distance is not the race&#x27;s." in refused.content.decode()
    client.post(f"/races/{race.id}/result/", {"run_id": raced.id, "shared": "on"})
    results = client.get(f"/races/{race.id}/").content.decode()
    assert "<td>42:00</td><td>4:10 /km</td>" in results

    client.logout()
    client.login(email="bob@example.com", password=PASSWORD)
    assert "<td>42:00</td><td>4:10 /km</td>" in client.get(f"/races/{race.id}/").content.decode()
    other = client.put(f"/api/v1/races/{race.id}/result/", {"run_id": raced.id}, content_type="application/json")
    assert other.status_code == 400
    assert other.json()["fields"] == {"run_id": ["That is not one of your runs."]}


def test_staff_merge_duplicates_and_hide_spam_in_the_admin(admin_client):
    ada = accounts_testing.create_user(email="ada@example.com")
    first = add_race(added_by_id=ada.id, race_date=TODAY + datetime.timedelta(days=30))
    second = add_race(added_by_id=ada.id, name="City 10 K", race_date=TODAY + datetime.timedelta(days=30))
    spam = add_race(added_by_id=ada.id, name="Cheap watches", race_date=TODAY + datetime.timedelta(days=31))
    url = "/admin/races/race/"
    admin_client.post(url, {"action": "merge_into_oldest", "_selected_action": [first.id, second.id]})
    admin_client.post(url, {"action": "hide_as_spam", "_selected_action": [spam.id]})
    assert list(Race.objects.filter(hidden=False).values_list("id", flat=True)) == [first.id]
    assert Race.objects.get(pk=second.id).merged_into_id == first.id


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start_date": "abc"}, "start_date", "Enter a valid date."),
        ({"distance": "bogus"}, "distance", "Select a valid choice. bogus is not one of the available choices."),
        ({"text": "x" * 101}, "text", "Ensure this value has at most 100 characters (it has 101)."),
        ({"latitude": "91"}, "latitude", "Ensure this value is less than or equal to 90."),
    ],
)
def test_a_bad_search_says_what_to_fix_next_to_its_field(client, ada, query, field, message):
    page = client.get("/races/", query).content.decode()
    assert f'<ul class="errorlist" id="id_{field}_error"><li>{message}</li></ul>' in page


def _form(date: str, **fields) -> dict:
    return {
        "name": "Harbour 10K",
        "date": date,
        "start_time": "09:00",
        "timezone": "Europe/Paris",
        "distance": "10000.0",
        "city": "Brest",
        "country": "France",
        **fields,
    }


def test_a_race_dated_long_ago_or_far_ahead_is_refused_next_to_its_date(client, ada):
    earliest = TODAY - datetime.timedelta(days=366)
    response = client.post("/races/new/", _form("1900-05-01"))
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "date": [f"Give a date from {earliest.isoformat()} on: races are added to be run, or just after."]
    }
    far = TODAY + datetime.timedelta(days=6 * 366)
    response = client.post("/races/new/", _form(far.isoformat()))
    assert list(response.context["form"].errors) == ["date"]
    assert Race.objects.count() == 0
    last_week = TODAY - datetime.timedelta(days=7)  # just run: added to keep its result
    assert client.post("/races/new/", _form(last_week.isoformat())).status_code == 302
    api = client.post(
        "/api/v1/races/",
        {"name": "Old", "date": "1999-01-01", "distance_m": 5000, "city": "X", "country": "Y", "timezone": "UTC"},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert "Give a date from" in str(api.json())
    assert Race.objects.count() == 1


def test_a_race_from_long_ago_keeps_its_date_when_its_name_changes(client, ada):
    race = add_race(added_by_id=ada.id, name="Old 10K", race_date=TODAY - datetime.timedelta(days=30))
    long_ago = TODAY - datetime.timedelta(days=700)  # added when that was allowed, or before this rule
    Race.objects.filter(pk=race.id).update(race_date=long_ago)
    old = long_ago.isoformat()
    response = client.post(f"/races/{race.id}/edit/", _form(old, name="Old Harbour 10K"))
    assert response.status_code == 302
    assert Race.objects.get(pk=race.id).name == "Old Harbour 10K"
    moved = client.post(f"/races/{race.id}/edit/", _form((TODAY - datetime.timedelta(days=800)).isoformat()))
    assert list(moved.context["form"].errors) == ["date"]
    assert Race.objects.get(pk=race.id).race_date == long_ago
