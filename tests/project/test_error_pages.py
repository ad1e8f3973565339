"""Errors look like the rest of the site and say what to do next; the browser's icon request finds an icon."""

import pytest
from django.test import Client

from apps.accounts.interface import testing as accounts_testing

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"


@pytest.fixture
def signed_in(client):
    accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    client.login(email="ada@example.com", password=PASSWORD)
    return client


@pytest.fixture
def failing_views(settings):
    settings.ROOT_URLCONF = "tests.project.error_urls"


def test_a_missing_page_is_the_sites_404_with_the_way_back(signed_in):
    response = signed_in.get("/no-such-page/")
    content = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in content
    assert '<a href="/dashboard/">Back to your dashboard</a>' in content
    assert ">Runs</a>" in content  # the site's navigation


def test_an_anonymous_visitor_is_sent_back_to_the_start_page(client):
    content = client.get("/no-such-page/").content.decode()
    assert '<a href="/">Back to the start page</a>' in content


def test_an_api_url_that_does_not_exist_still_answers_json(client):
    response = client.get("/api/v1/no-such-thing/")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_a_forbidden_action_is_the_sites_403(signed_in, failing_views):
    response = signed_in.get("/forbidden/")
    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in response.content.decode()


def test_a_bug_is_a_styled_500_that_says_nothing_was_half_saved(failing_views):
    browser = Client(raise_request_exception=False)
    response = browser.get("/broken/")
    content = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong on our side</h1>" in content
    assert "Nothing you sent was half-saved" in content
    assert "a bug" not in content  # no detail of the failure reaches the visitor


def test_an_expired_form_says_so_and_that_nothing_was_saved(client):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/accounts/login/", {"login": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 403
    assert "<h1>This form has expired</h1>" in response.content.decode()


def test_the_browsers_icon_request_is_sent_to_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert (response.status_code, response["Location"]) == (301, "/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert b"<svg" in b"".join(icon.streaming_content)
