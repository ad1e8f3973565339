"""A runner signs up, confirms their address from the email (which logs them in) and fills in their profile."""

import re

import pytest
from django.core import mail

from apps.accounts.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-enough-Passw0rd"


def _submit(page):
    page.locator("main form button[type=submit]").first.click()


def test_signup_confirm_login_and_edit_the_profile(live_server, page):
    page.goto(live_server.url + "/")
    page.get_by_text("Create your account").click()

    page.fill("input[name=email]", "ada@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    _submit(page)
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    assert "Verify Your Email Address" in page.content()

    # Logging in before confirming does not work.
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", "ada@example.com")
    page.fill("input[name=password]", PASSWORD)
    _submit(page)
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    _submit(page)  # confirmed in the browser that signed up: logged in at once
    page.wait_for_url(re.compile(r"/dashboard/$"))
    assert "No runs yet." in page.content()
    page.get_by_role("link", name="Profile").click()
    page.wait_for_url(re.compile(r"/profile/$"))
    assert page.locator("h1").inner_text() == "Your profile"

    page.fill("input[name=display_name]", "Ada")
    page.select_option("select[name=timezone]", "Europe/Paris")
    page.select_option("select[name=units]", "imperial")
    page.fill("input[name=max_heart_rate]", "60")  # too low: the form says so and saves nothing
    _submit(page)
    assert "Ensure this value is greater than or equal to 100." in page.content()
    assert User.objects.get(email="ada@example.com").display_name == ""

    page.fill("input[name=max_heart_rate]", "188")
    _submit(page)
    assert page.get_by_role("status").inner_text() == "Your profile is saved."
    user = User.objects.get(email="ada@example.com")
    assert (user.display_name, user.timezone, user.units, user.max_heart_rate) == (
        "Ada",
        "Europe/Paris",
        "imperial",
        188,
    )
