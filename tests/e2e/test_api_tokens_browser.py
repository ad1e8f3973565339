"""A runner creates an API token on their profile, calls the API with it, and revokes it."""

import datetime
import re

import pytest
import requests

from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface import testing as runs_testing

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-enough-Passw0rd"


def test_a_runner_creates_a_token_and_calls_the_api_with_it(live_server, page, log_in):
    ada = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    run = runs_testing.record_manual_run(
        user_id=ada.id, start=datetime.datetime(2026, 5, 1, 7, 30, tzinfo=datetime.UTC), name="Morning run"
    )
    runs_testing.record_manual_run(
        user_id=accounts_testing.create_user().id, start=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
    )
    log_in("ada@example.com", PASSWORD)

    page.get_by_role("link", name="Profile").click()
    page.get_by_role("link", name="API tokens: let your own programs read or add your runs").click()
    page.wait_for_url(re.compile(r"/profile/tokens/$"))
    assert page.locator(".empty").inner_text() == "No tokens yet."
    page.fill("input[name=name]", "my sync script")
    page.get_by_label("Read", exact=True).check()
    page.select_option("select[name=expires_in_days]", "90")
    page.get_by_role("button", name="Create token").click()

    token = page.locator("#new-token-value").input_value()
    assert token.startswith("rnly_")
    row = page.locator("main table tbody tr")
    assert row.count() == 1
    assert [row.locator("td").nth(i).inner_text() for i in (1, 3, 4)] == [
        "Read",
        (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=90)).strftime("%a %-d %b %Y"),
        "Never",
    ]

    answer = requests.get(live_server.url + "/api/v1/runs/", headers={"Authorization": f"Token {token}"}, timeout=10)
    assert answer.status_code == 200
    assert [(item["id"], item["name"]) for item in answer.json()["runs"]] == [(run.id, "Morning run")]

    page.goto(live_server.url + "/profile/tokens/")  # shown once: the page no longer holds it
    assert token not in page.content()
    assert page.locator("main table tbody tr td").nth(4).inner_text() != "Never"  # last used, just now

    page.get_by_text("Revoke", exact=True).click()
    page.get_by_role("button", name="Revoke “my sync script”").click()
    page.wait_for_url(re.compile(r"/profile/tokens/$"))
    revoked = page.get_by_role("status").inner_text()
    assert revoked == "The token “my sync script” is revoked: nothing can use it any more."
    answer = requests.get(live_server.url + "/api/v1/runs/", headers={"Authorization": f"Token {token}"}, timeout=10)
    assert answer.status_code == 401
