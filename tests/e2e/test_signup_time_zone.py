"""Signing up proposes the browser's time zone, from the short list by region; without script it stays UTC."""

import re

import pytest

from apps.accounts.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-enough-Passw0rd"


@pytest.mark.parametrize(("browser_zone", "proposed"), [("Asia/Tokyo", "Asia/Tokyo"), ("Etc/GMT+5", "UTC")])
def test_the_browsers_zone_is_proposed_when_the_list_has_it(live_server, browser, browser_zone, proposed):
    context = browser.new_context(viewport={"width": 390, "height": 844}, timezone_id=browser_zone)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(live_server.url + "/accounts/signup/")
        assert page.locator("select[name=timezone]").input_value() == proposed
        assert page.locator("select[name=timezone] optgroup").evaluate_all("groups => groups.map(g => g.label)") == [
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
        page.fill("input[name=email]", "ada@example.com")
        page.fill("input[name=password1]", PASSWORD)
        page.fill("input[name=password2]", PASSWORD)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
        assert User.objects.get(email="ada@example.com").timezone == proposed
    finally:
        context.close()


def test_without_script_the_form_still_signs_up_in_utc(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(live_server.url + "/accounts/signup/")
        page.fill("input[name=email]", "bob@example.com")
        page.fill("input[name=password1]", PASSWORD)
        page.fill("input[name=password2]", PASSWORD)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
        assert User.objects.get(email="bob@example.com").timezone == "UTC"
    finally:
        context.close()
