"""Browser tests: Playwright's Python package driving Debian's Chromium against pytest-django's live server."""

import os

import pytest

from tests.conftest import CHROMIUM

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone: the pages must work there
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def log_in(live_server, page):
    """Log a runner in through the login page; they land on the dashboard."""
    import re

    def log_in(email, password):
        page.goto(live_server.url + "/accounts/login/")
        page.fill("input[name=login]", email)
        page.fill("input[name=password]", password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/dashboard/$"))

    return log_in
