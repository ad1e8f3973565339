"""Races: everyone sees them, only their author or staff change them, the finder is exact."""

import datetime
import math

import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.races.interface import errors
from apps.races.interface.service import races_service
from apps.races.interface.testing import add_race
from apps.races.models import Race, Registration

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime.now(datetime.UTC).date()


@pytest.fixture
def ada():
    return accounts_testing.create_user(email="ada@example.com", timezone="Europe/Paris")


def _km_by_cosines(lat1, lon1, lat2, lon2):
    """Great-circle distance by the spherical law of cosines: not the app's haversine."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    cos_angle = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0088 * math.acos(max(-1.0, min(1.0, cos_angle)))


PLACES = {
    "Paris": (48.8566, 2.3522),
    "Versailles": (48.8049, 2.1204),  # ~17.6 km from the centre
    "Chartres": (48.4439, 1.4890),  # ~75 km
    "Lille": (50.6292, 3.0573),  # ~204 km
    "London": (51.5072, -0.1276),  # ~344 km
    "Suva": (-18.1416, 178.4419),  # the other side of the world
    "Taveuni": (-16.8333, -179.9667),  # across the antimeridian from Suva, ~250 km
}


def test_the_finder_returns_exactly_the_races_inside_a_radius(service_mode, ada):
    races = {
        place: add_race(
            added_by_id=ada.id,
            name=f"{place} 10K",
            race_date=TODAY + datetime.timedelta(days=30 + i),
            latitude=lat,
            longitude=lon,
            city=place,
            timezone="UTC",
        )
        for i, (place, (lat, lon)) in enumerate(PLACES.items())
    }
    add_race(
        added_by_id=ada.id,
        name="Nowhere 10K",
        race_date=TODAY + datetime.timedelta(days=9),
        latitude=None,
        longitude=None,
        timezone="UTC",
    )
    for centre, radius in [("Paris", 20.0), ("Paris", 80.0), ("Paris", 350.0), ("Suva", 300.0), ("Taveuni", 10.0)]:
        lat, lon = PLACES[centre]
        expected = sorted(
            (race.id for place, race in races.items() if _km_by_cosines(lat, lon, *PLACES[place]) <= radius)
        )
        page = races_service.find_races(latitude=lat, longitude=lon, radius_km=radius, limit=100)
        assert sorted(race.id for race in page.races) == expected, (centre, radius)
        assert page.total == len(expected)
    assert {r.name for r in races_service.find_races(latitude=48.8566, longitude=2.3522, radius_km=80).races} == {
        "Paris 10K",
        "Versailles 10K",
        "Chartres 10K",
    }
    assert {r.name for r in races_service.find_races(latitude=-18.1416, longitude=178.4419, radius_km=300).races} == {
        "Suva 10K",
        "Taveuni 10K",
    }


def test_past_races_are_left_out_unless_asked_and_filters_combine(service_mode, ada):
    past = add_race(
        added_by_id=ada.id, name="Old Half", race_date=TODAY - datetime.timedelta(days=3), distance_m=21097.5
    )
    soon = add_race(
        added_by_id=ada.id, name="Spring Half", race_date=TODAY + datetime.timedelta(days=20), distance_m=21097.5
    )
    later = add_race(
        added_by_id=ada.id, name="Autumn 10K", race_date=TODAY + datetime.timedelta(days=200), city="Lyon"
    )
    assert [r.id for r in races_service.find_races().races] == [soon.id, later.id]
    assert [r.id for r in races_service.find_races(include_past=True).races] == [past.id, soon.id, later.id]
    assert [r.id for r in races_service.find_races(distance_m=21097.5).races] == [soon.id]
    assert [r.id for r in races_service.find_races(text="lyon").races] == [later.id]
    assert [r.id for r in races_service.find_races(text="half", include_past=True).races] == [past.id, soon.id]
    window = races_service.find_races(end_date=TODAY + datetime.timedelta(days=30))
    assert [r.id for r in window.races] == [soon.id]
    two = races_service.find_races(limit=1, offset=1)
    assert ([r.id for r in two.races], two.total) == ([later.id], 2)
    with pytest.raises(errors.InvalidSearch, match="give latitude, longitude and radius_km together"):
        races_service.find_races(latitude=48.0)


def test_the_overview_is_the_runners_races_and_the_next_ones_others_added(service_mode, ada):
    bob = accounts_testing.create_user(email="bob@example.com")
    entered = add_race(added_by_id=bob.id, race_date=TODAY + datetime.timedelta(days=40))
    others = [add_race(added_by_id=bob.id, race_date=TODAY + datetime.timedelta(days=days)) for days in (5, 9, 60)]
    own = add_race(added_by_id=ada.id, race_date=TODAY + datetime.timedelta(days=3))
    add_race(added_by_id=bob.id, race_date=TODAY - datetime.timedelta(days=3))  # past: in neither list
    races_service.set_running(user_id=ada.id, race_id=entered.id, running=True)
    overview = races_service.get_overview(user_id=ada.id, others=3)
    assert [race.id for race in overview.running] == [entered.id]
    assert [race.id for race in overview.others] == [others[0].id, others[1].id, entered.id]
    assert own.id not in [race.id for race in overview.others]


def test_running_a_race_and_undoing_it(service_mode, ada):
    bob = accounts_testing.create_user(email="bob@example.com")
    race = add_race(added_by_id=bob.id, race_date=TODAY + datetime.timedelta(days=40))
    assert races_service.set_running(user_id=ada.id, race_id=race.id, running=True).runners == 1
    assert races_service.set_running(user_id=ada.id, race_id=race.id, running=True).runners == 1  # twice: once
    assert [r.id for r in races_service.list_races_of_runner(user_id=ada.id)] == [race.id]
    assert races_service.list_races_of_runner(user_id=bob.id) == []
    assert races_service.set_running(user_id=ada.id, race_id=race.id, running=False).runners == 0
    with pytest.raises(errors.RaceNotFound):
        races_service.set_running(user_id=ada.id, race_id=race.id + 99, running=True)


def test_a_merged_race_answers_with_the_race_it_became(service_mode, ada):
    from apps.races import operations

    bob = accounts_testing.create_user(email="bob@example.com")
    original = add_race(added_by_id=ada.id, race_date=TODAY + datetime.timedelta(days=40))
    duplicate = add_race(added_by_id=bob.id, name="City 10 km", race_date=TODAY + datetime.timedelta(days=40))
    races_service.set_running(user_id=ada.id, race_id=original.id, running=True)
    races_service.set_running(user_id=ada.id, race_id=duplicate.id, running=True)
    races_service.set_running(user_id=bob.id, race_id=duplicate.id, running=True)
    operations.merge_races(duplicate=Race.objects.get(pk=duplicate.id), into=Race.objects.get(pk=original.id))
    assert races_service.get_race(race_id=duplicate.id).id == original.id
    assert races_service.get_race(race_id=original.id).runners == 2
    assert [r.id for r in races_service.find_races().races] == [original.id]
    Race.objects.filter(pk=original.id).update(hidden=True)  # spam
    with pytest.raises(errors.RaceNotFound):
        races_service.get_race(race_id=original.id)


def test_deleting_an_account_keeps_its_races_but_forgets_who_added_them(client, django_capture_on_commit_callbacks):
    ada = accounts_testing.create_user(email="ada@example.com", password="a-long-enough-Passw0rd")
    race = add_race(added_by_id=ada.id, race_date=TODAY + datetime.timedelta(days=40))
    races_service.set_running(user_id=ada.id, race_id=race.id, running=True)
    client.login(email="ada@example.com", password="a-long-enough-Passw0rd")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/profile/delete/", {"password": "a-long-enough-Passw0rd"})
    assert Race.objects.get(pk=race.id).added_by_id is None
    assert Registration.objects.count() == 0
