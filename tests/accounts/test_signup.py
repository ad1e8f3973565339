"""Signing up, confirming the address, logging in: the paths a runner takes and the mistakes they make."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from apps.accounts.interface import testing
from apps.accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-Passw0rd"


def _signup(client, email="new@example.com", password=PASSWORD, password2=None):
    return client.post(
        "/accounts/signup/", {"email": email, "password1": password, "password2": password2 or password}
    )


def _confirmation_link(message):
    return re.search(r"http://testserver(/accounts/confirm-email/[^/\s]+/)", message.body).group(1)


def test_signup_sends_one_confirmation_email_and_does_not_log_in(client):
    response = _signup(client)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert mail.outbox[0].subject == "[Runnerly] Please Confirm Your Email Address"
    assert "_auth_user_id" not in client.session
    assert EmailAddress.objects.get(email="new@example.com").verified is False


def test_signing_up_keeps_the_time_zone_chosen_and_without_one_utc(client):
    page = client.get("/accounts/signup/").content.decode()
    assert '<select name="timezone"' in page
    assert '<option value="UTC" selected>UTC</option>' in page  # what a browser without script sends
    assert "Intl.DateTimeFormat().resolvedOptions().timeZone" in page  # the browser's zone, proposed
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD, "timezone": "Europe/Berlin"},
    )
    assert response.status_code == 302
    assert User.objects.get(email="new@example.com").timezone == "Europe/Berlin"
    _signup(client, email="plain@example.com")  # no time zone sent at all
    assert User.objects.get(email="plain@example.com").timezone == "UTC"


def test_a_time_zone_outside_the_list_is_a_form_error_and_makes_no_account(client):
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD, "timezone": "localtime"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "timezone": ["Choose your time zone from the list (localtime is not in it)."]
    }
    assert not User.objects.filter(email="new@example.com").exists()
    assert mail.outbox == []


def test_an_unconfirmed_user_cannot_log_in(client):
    _signup(client)
    mail.outbox.clear()
    response = client.post("/accounts/login/", {"login": "new@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    assert mail.outbox == []  # re-sent at most once every 3 minutes (ACCOUNT_RATE_LIMITS["confirm_email"])


def test_confirming_the_link_in_the_browser_that_signed_up_logs_the_runner_in(client):
    _signup(client)
    response = client.post(_confirmation_link(mail.outbox[0]))
    assert (response.status_code, response["Location"]) == (302, "/dashboard/")
    assert int(client.session["_auth_user_id"]) == User.objects.get(email="new@example.com").pk
    assert client.get("/dashboard/").status_code == 200


def test_confirming_the_link_then_logging_in_works(client):
    from django.test import Client

    _signup(client)
    link = _confirmation_link(mail.outbox[0])
    phone = Client()  # the email opened on another device: confirmed there, but nobody is logged in by it
    assert phone.get(link).status_code == 200  # a page with a button: a mail scanner's GET confirms nothing
    assert EmailAddress.objects.get(email="new@example.com").verified is False
    assert phone.post(link).status_code == 302
    assert EmailAddress.objects.get(email="new@example.com").verified is True
    assert "_auth_user_id" not in phone.session

    response = client.post("/accounts/login/", {"login": "NEW@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert int(client.session["_auth_user_id"]) == User.objects.get(email="new@example.com").pk


def test_a_bad_confirmation_token_shows_a_clear_page_and_confirms_nothing(client):
    _signup(client)
    response = client.get("/accounts/confirm-email/not-a-real-key/")
    assert response.status_code == 200
    assert b"This email confirmation link expired or is invalid" in response.content
    response = client.post("/accounts/confirm-email/not-a-real-key/")
    assert response.status_code in (200, 302, 404)
    assert EmailAddress.objects.get(email="new@example.com").verified is False


def test_a_duplicate_email_is_a_form_error_and_creates_nobody(client):
    testing.create_user(email="taken@example.com")
    response = _signup(client, email="Taken@Example.com")
    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["A user is already registered with this email address."]}
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("short1", "This password is too short. It must contain at least 10 characters."),
        ("1234567890123", "This password is entirely numeric."),
        ("password123", "This password is too common."),
    ],
)
def test_a_weak_password_is_a_form_error(client, password, error):
    response = _signup(client, password=password)
    assert response.status_code == 200
    assert error in response.context["form"].errors["password1"]
    assert User.objects.count() == 0
    assert mail.outbox == []


def test_mismatched_passwords_are_a_form_error(client):
    response = _signup(client, password2="something-else-entirely")
    assert response.context["form"].errors == {"password2": ["You must type the same password each time."]}


def test_a_wrong_password_is_a_form_error(client):
    testing.create_user(email="ada@example.com", password=PASSWORD)
    response = client.post("/accounts/login/", {"login": "ada@example.com", "password": "not-it-at-all"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "The email address and/or password you specified are not correct."
    ]


def test_repeated_failed_logins_for_one_account_are_refused_with_a_clear_message(client):
    testing.create_user(email="ada@example.com", password=PASSWORD)
    for _ in range(5):
        client.post("/accounts/login/", {"login": "ada@example.com", "password": "wrong-password"})
    response = client.post("/accounts/login/", {"login": "ada@example.com", "password": PASSWORD})
    assert (response.status_code, response["Retry-After"]) == (429, "300")  # the longest window: 5/5m per account
    assert response.context["form"].non_field_errors() == [
        "Too many failed attempts to sign in. Try again in 5 minutes, or reset your password."
    ]
    assert "_auth_user_id" not in client.session


def test_too_many_signups_from_one_ip_get_429_with_a_clear_page(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "3/m/ip"}
    statuses = [_signup(client, email=f"r{i}@example.com").status_code for i in range(4)]
    assert statuses == [302, 302, 302, 429]
    response = _signup(client, email="late@example.com")
    assert response.status_code == 429
    assert b"Please wait a few minutes and try again." in response.content
    assert User.objects.count() == 3


def test_password_reset_sends_a_link_that_sets_a_new_password(client):
    testing.create_user(email="ada@example.com", password=PASSWORD)
    response = client.post("/accounts/password/reset/", {"email": "ada@example.com"})
    assert response.status_code == 302
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"password1": "a-brand-new-Passw0rd", "password2": "a-brand-new-Passw0rd"})
    assert response.status_code == 302
    assert User.objects.get(email="ada@example.com").check_password("a-brand-new-Passw0rd")


def test_a_password_reset_for_an_unknown_address_is_a_form_error(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["The email address is not assigned to any user account."]}
    assert mail.outbox == []


def test_logging_out_ends_the_session(client):
    testing.create_user(email="ada@example.com", password=PASSWORD)
    client.login(email="ada@example.com", password=PASSWORD)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_new_email_replaces_the_old_one_only_once_confirmed(client):
    user = testing.create_user(email="old@example.com", password=PASSWORD)
    client.login(email="old@example.com", password=PASSWORD)
    response = client.post("/accounts/email/", {"action_add": "", "email": "new@example.com"})
    assert response.status_code == 302
    assert mail.outbox[0].to == ["new@example.com"]
    assert User.objects.get(pk=user.id).email == "old@example.com"  # not before confirming

    client.post(_confirmation_link(mail.outbox[0]))
    assert User.objects.get(pk=user.id).email == "new@example.com"
    assert list(EmailAddress.objects.filter(user_id=user.id).values_list("email", "verified", "primary")) == [
        ("new@example.com", True, True)
    ]
