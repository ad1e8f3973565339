"""The profile, export and deletion pages."""

import re
from decimal import Decimal

import pytest

from apps.accounts import time_zones
from apps.accounts.interface import events, testing
from apps.accounts.models import User
from project.events import registry
from project.events.models import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def runner(client):
    profile = testing.create_user(email="ada@example.com", password="a-long-enough-Passw0rd")
    client.login(email="ada@example.com", password="a-long-enough-Passw0rd")
    return profile


PROFILE = {
    "display_name": "Ada L.",
    "timezone": "Europe/Paris",
    "units": "imperial",
    "birth_year": "1985",
    "weight_kg": "61.5",
    "resting_heart_rate": "50",
    "max_heart_rate": "185",
    "wants_monthly_report": "",
    "wants_empty_monthly_report": "on",
}


def test_pages_that_need_a_login_redirect_to_it(client):
    for url in ["/profile/", "/profile/export/", "/profile/delete/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={url}"


def test_the_landing_page_invites_to_sign_up(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Create your account" in response.content


def test_saving_the_profile_stores_every_field(client, runner):
    response = client.post("/profile/", PROFILE)
    assert response.status_code == 302
    user = User.objects.get(pk=runner.id)
    assert (
        user.display_name,
        user.timezone,
        user.units,
        user.birth_year,
        user.weight_kg,
        user.resting_heart_rate,
        user.max_heart_rate,
        user.wants_monthly_report,
        user.wants_empty_monthly_report,
    ) == ("Ada L.", "Europe/Paris", "imperial", 1985, Decimal("61.5"), 50, 185, False, True)
    assert b"Your profile is saved." in client.get("/profile/").content


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "Choose your time zone from the list (Mars/Olympus is not in it)."),
        ({"timezone": "US/Eastern"}, "timezone", "Choose your time zone from the list (US/Eastern is not in it)."),
        ({"timezone": "Factory"}, "timezone", "Choose your time zone from the list (Factory is not in it)."),
        ({"resting_heart_rate": "121"}, "resting_heart_rate", "Ensure this value is less than or equal to 120."),
        ({"max_heart_rate": "100"}, "resting_heart_rate", "Your resting heart rate must be lower than your maximum."),
        ({"weight_kg": "12"}, "weight_kg", "Ensure this value is greater than or equal to 20."),
        ({"birth_year": "1800"}, "birth_year", "Ensure this value is greater than or equal to 1900."),
    ],
)
def test_bad_profile_values_are_form_errors_and_nothing_is_saved(client, runner, changes, field, error):
    response = client.post("/profile/", {**PROFILE, "resting_heart_rate": "110", **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert errors[field] == [error]
    assert User.objects.get(pk=runner.id).display_name == ""


def test_the_old_json_export_address_leads_to_the_export_page(client, runner):
    response = client.get("/profile/export.json")
    assert (response.status_code, response["Location"]) == (301, "/profile/export/")


def test_the_delete_page_says_what_will_be_removed_before_anything_is(client, runner):
    page = client.get("/profile/delete/").content.decode()
    for part in [
        "your account and profile, and your API tokens",
        "every run, with its laps, track, splits, best efforts and records",
        "the files you uploaded",
        "your training plans",
        "your monthly reports",
        "a race you added stays for others to find, without your name",
        "Strava is told that Runnerly no longer has access",
    ]:
        assert part in page, part
    assert 'href="/profile/export/"' in page
    assert User.objects.filter(pk=runner.id).exists()


def test_the_api_docs_say_where_a_runner_gets_a_token(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "/profile/tokens/" in schema["info"]["description"]


def test_deleting_the_account_needs_the_password(client, runner):
    response = client.post("/profile/delete/", {"password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"password": ["That is not your password."]}
    assert User.objects.filter(pk=runner.id).exists()
    assert OutboxEvent.objects.count() == 0


def test_deleting_the_account_removes_the_user_logs_out_and_publishes_user_deleted(
    client, runner, django_capture_on_commit_callbacks
):
    seen = []
    registry.subscriber(events.UserDeleted, name="tests.seen_user_deleted")(lambda event: seen.append(event))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/profile/delete/", {"password": "a-long-enough-Passw0rd"})
    finally:
        registry.unregister("tests.seen_user_deleted")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not User.objects.filter(pk=runner.id).exists()
    assert "_auth_user_id" not in client.session
    assert seen == [events.UserDeleted(user_id=runner.id)]
    assert OutboxEvent.objects.get().payload == {"user_id": runner.id}


def test_the_admin_lists_and_searches_users(admin_client):
    testing.create_user(email="findme@example.com")
    testing.create_user(email="other@example.com")
    response = admin_client.get("/admin/accounts/user/", {"q": "findme"})
    assert response.status_code == 200
    assert [user.email for user in response.context["cl"].result_list] == ["findme@example.com"]
    assert admin_client.get("/admin/accounts/user/add/").status_code == 200


def test_the_profile_offers_time_zones_by_region_without_the_odd_ones(client, runner):
    page = client.get("/profile/").content.decode()
    select = page.split('<select name="timezone"')[1].split("</select>")[0]
    assert [label for label in re.findall(r'<optgroup label="([^"]+)">', select)] == [
        "Africa",
        "America",
        "Antarctica",
        "Arctic",
        "Asia",
        "Atlantic",
        "Australia",
        "Europe",
        "Indian",
        "Pacific",
        "UTC",
    ]
    assert '<option value="Europe/Paris">Paris</option>' in select
    assert '<option value="America/Argentina/Buenos_Aires">Argentina/Buenos Aires</option>' in select
    assert '<option value="UTC" selected>UTC</option>' in select
    for odd in ("Factory", "localtime", "posix/Europe/Paris", "right/UTC", "US/Eastern", "GB", "Etc/GMT+5", "EST"):
        assert f'value="{odd}"' not in select
    assert len(re.findall("<option ", select)) == len(time_zones.zones()) < 500


def test_a_runner_with_a_zone_from_before_keeps_it_until_they_choose_another(client, runner):
    User.objects.filter(pk=runner.id).update(timezone="US/Eastern")
    page = client.get("/profile/").content.decode()
    assert '<optgroup label="Your current zone">\n  <option value="US/Eastern" selected>US/Eastern</option>' in page
    assert client.post("/profile/", {**PROFILE, "timezone": "US/Eastern"}).status_code == 302
    assert User.objects.get(pk=runner.id).timezone == "US/Eastern"
    assert client.post("/profile/", {**PROFILE, "timezone": "America/New_York"}).status_code == 302
    assert User.objects.get(pk=runner.id).timezone == "America/New_York"
    refused = client.post("/profile/", {**PROFILE, "timezone": "US/Eastern"})  # not theirs any more
    assert refused.context["form"].errors == {
        "timezone": ["Choose your time zone from the list (US/Eastern is not in it)."]
    }
