"""Every page of the site, on a phone (390 x 844) and a desktop (1280 x 900), as the demo runner with a year of
runs: none wider than the screen, no console error, no failed request, and no serious or critical
accessibility violation found by axe-core (vendored in tests/e2e/vendor/).

The pages come from the URL resolver: a new URL pattern fails `test_every_url_pattern_is_visited_or_skipped`
until it is put in PAGES (with the URL to visit) or in SKIPPED (with the reason it is not a page).

The site is crawled once, in the module's `crawl` fixture (seeding the demo takes a while); each page and
viewport is then its own test, which fails with what went wrong there.
"""

from __future__ import annotations

import datetime
import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

VENDOR = Path(__file__).resolve().parent / "vendor"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "activities"
VIEWPORTS = {"390x844": {"width": 390, "height": 844}, "1280x900": {"width": 1280, "height": 900}}
BLOCKING_IMPACTS = ("serious", "critical")
SCREENSHOTS = os.environ.get("RUNNERLY_E2E_SCREENSHOTS", "")  # a folder: a full-page screenshot of each visit


@dataclass(frozen=True)
class Demo:
    """The demo runner's own objects, to put in the URLs."""

    user_id: int
    run_id: int
    job_id: str
    race_id: int
    plan_id: int
    report_year: int
    report_month: int
    unsubscribe_token: str
    email_confirmation_key: str
    password_reset_uid: str
    password_reset_key: str


@dataclass(frozen=True)
class Page:
    url: Callable[[Demo], str]
    signed_in: bool = True  # False: visited before signing in (allauth sends a signed-in runner elsewhere)
    ready: str = ""  # a selector to wait for, on a page its script fills in


def _fixed(url: str) -> Callable[[Demo], str]:
    return lambda demo: url


# Keyed by the pattern's name, or by its route when it has none.
PAGES: dict[str, Page] = {
    # Signed out: the pages of signing up, in and back.
    "accounts:landing": Page(_fixed("/"), signed_in=False),
    "accounts:login": Page(_fixed("/accounts/login/"), signed_in=False),
    "accounts:signup": Page(_fixed("/accounts/signup/"), signed_in=False),
    "account_email_verification_sent": Page(_fixed("/accounts/confirm-email/"), signed_in=False),
    "account_confirm_email": Page(
        lambda d: reverse("account_confirm_email", args=[d.email_confirmation_key]), signed_in=False
    ),
    "account_inactive": Page(_fixed("/accounts/inactive/"), signed_in=False),
    "account_reset_password": Page(_fixed("/accounts/password/reset/"), signed_in=False),
    "account_reset_password_done": Page(_fixed("/accounts/password/reset/done/"), signed_in=False),
    "account_reset_password_from_key": Page(
        lambda d: reverse("account_reset_password_from_key", args=[d.password_reset_uid, d.password_reset_key]),
        signed_in=False,
    ),
    "account_reset_password_from_key_done": Page(_fixed("/accounts/password/reset/key/done/"), signed_in=False),
    "reports:unsubscribe": Page(lambda d: reverse("reports:unsubscribe", args=[d.unsubscribe_token]), signed_in=False),
    # Signed in.
    "dashboard:home": Page(_fixed("/dashboard/")),
    "runs:list": Page(_fixed("/runs/")),
    "runs:new": Page(_fixed("/runs/new/")),
    "runs:detail": Page(lambda d: reverse("runs:detail", args=[d.run_id])),
    "runs:edit": Page(lambda d: reverse("runs:edit", args=[d.run_id])),
    "runs:records": Page(_fixed("/records/")),
    "imports:upload": Page(_fixed("/imports/")),
    "imports:job": Page(lambda d: reverse("imports:job", args=[d.job_id])),
    "races:list": Page(_fixed("/races/")),
    "races:new": Page(_fixed("/races/new/")),
    "races:detail": Page(lambda d: reverse("races:detail", args=[d.race_id])),
    "races:edit": Page(lambda d: reverse("races:edit", args=[d.race_id])),
    "plans:list": Page(_fixed("/plans/")),
    "plans:new": Page(_fixed("/plans/new/")),
    "plans:detail": Page(lambda d: reverse("plans:detail", args=[d.plan_id])),
    "reports:index": Page(_fixed("/reports/")),
    "reports:month": Page(lambda d: reverse("reports:month", args=[d.report_year, f"{d.report_month:02d}"])),
    "strava:status": Page(_fixed("/strava/")),
    "accounts:profile": Page(_fixed("/profile/")),
    "accounts:tokens": Page(_fixed("/profile/tokens/")),
    "accounts:export": Page(_fixed("/profile/export/")),
    "profile/export.json": Page(_fixed("/profile/export.json")),  # an old address, redirected to the export page
    "accounts:delete": Page(_fixed("/profile/delete/")),
    "account_email": Page(_fixed("/accounts/email/")),
    "account_change_password": Page(_fixed("/accounts/password/change/")),
    "account_set_password": Page(_fixed("/accounts/password/set/")),  # has a password: sent to the change page
    "account_reauthenticate": Page(_fixed("/accounts/reauthenticate/")),
    "account_logout": Page(_fixed("/accounts/logout/")),  # the GET asks to confirm; it does not log out
    "api-docs": Page(_fixed("/api/docs/"), ready="#swagger-ui .opblock"),
}

POST_ONLY = "POST only: a form's action, which redirects to a page visited here"
JSON = "JSON for the page's script, not a page"
API = "the REST API (JSON); its documentation page, api-docs, is visited"
SKIPPED: dict[str, str] = {
    "account_login": "the same path as accounts:login, which wraps it (visited)",
    "account_signup": "the same path as accounts:signup, which wraps it (visited)",
    "accounts:export_status": JSON,
    "accounts:export_download": "a download (zip), not a page",
    "accounts:token_revoke": POST_ONLY,
    "runs:keep": POST_ONLY,
    "runs:delete": POST_ONLY,
    "imports:job_status": JSON,
    "strava:connect": POST_ONLY + " (or to Strava)",
    "strava:callback": "OAuth: Strava sends the browser here with a one-time code; tested in test_strava_connect",
    "strava:disconnect": POST_ONLY,
    "strava:webhook": "a webhook for Strava's servers",
    "strava:webhook-secret": "a webhook for Strava's servers",
    "races:running": POST_ONLY,
    "races:result": POST_ONLY,
    "plans:days": POST_ONLY,
    "plans:delete": POST_ONLY,
    "plans:feed": "a download (iCalendar), for calendar apps",
    "account_request_reauthentication_code": "login by code is off (ACCOUNT_LOGIN_BY_CODE_ENABLED)",
    "account_confirm_reauthentication_code": "login by code is off (ACCOUNT_LOGIN_BY_CODE_ENABLED)",
    "account_confirm_login_code": "login by code is off (ACCOUNT_LOGIN_BY_CODE_ENABLED)",
    "api-runs": API,
    "api-run": API,
    "api-records": API,
    "api-month-summary": API,
    "api-uploads": API,
    "api-jobs": API,
    "api-job": API,
    "api-races": API,
    "api-race": API,
    "api-race-registration": API,
    "api-race-result": API,
    "api-plan-templates": API,
    "api-plans": API,
    "api-plan": API,
    "api-plan-sessions": API,
    "api-exports": API,
    "api-export": API,
    "api-export-download": API,
    "api-schema": "the OpenAPI schema (YAML) the docs page reads",
    "rpc:call": "internal RPC between services, signed",
    "tokendealer:token": "OAuth token endpoint for services",
    "tokendealer:introspect": "OAuth token introspection for services",
    "tokendealer:jwks": "public keys (JSON) for services",
    "favicon.ico": "an icon: a redirect to favicon.svg, which every page loads",
    "healthz": "a health check for the load balancer (JSON)",
    "livez": "a liveness check for the load balancer (JSON)",
    "metrics": "Prometheus metrics (text)",
}
SKIPPED_PREFIXES = {"admin/": "the Django admin: out of scope (staff only, Django's own pages)"}


def _patterns(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            yield route, (namespace + pattern.name) if pattern.name else route


def site_patterns() -> dict[str, str]:
    """{key: route} of every URL pattern outside SKIPPED_PREFIXES; the key is the name, or the route."""
    return {
        key: route
        for route, key in _patterns(get_resolver().url_patterns)
        if not any(route.startswith(prefix) for prefix in SKIPPED_PREFIXES)
    }


def test_every_url_pattern_is_visited_or_skipped():
    keys = set(site_patterns())
    unlisted = sorted(keys - PAGES.keys() - SKIPPED.keys())
    assert not unlisted, f"add these URL patterns to PAGES (a URL to visit) or SKIPPED (why not): {unlisted}"
    gone = sorted((PAGES.keys() | SKIPPED.keys()) - keys)
    assert not gone, f"these are no longer URL patterns; drop them from PAGES or SKIPPED: {gone}"
    assert not PAGES.keys() & SKIPPED.keys()


# --- Seeding --------------------------------------------------------------------------------------------------


def _seed() -> Demo:
    from allauth.account.forms import default_token_generator
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC
    from allauth.account.utils import user_pk_to_url_str
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from apps.accounts import operations as accounts_operations
    from apps.accounts.interface.service import accounts_service
    from apps.accounts.management.commands.seed_demo_user import DEMO_EMAIL
    from apps.imports import uploads
    from apps.plans.interface.service import plans_service
    from apps.races.interface.service import races_service
    from apps.reports import mailing
    from apps.runs.interface.service import runs_service
    from project.authentication import TokenScope

    call_command("seed_demo", stdout=io.StringIO())
    demo = accounts_service.find_user_by_email(email=DEMO_EMAIL)
    accounts_operations.create_api_token(
        user_id=demo.id, name="my training spreadsheet", scope=TokenScope.READ, expires_in_days=90
    )
    # A zip of several files, one of them with a long name: the import page's table of files.
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for name in ("gpx11_strava_run_hr.gpx", "tcx_garmin_fr410_run_laps_hr.tcx", "fit_garmin_venusq_run.fit"):
            zipped.write(FIXTURES / name, f"a-rather-long-folder-name-from-a-watch-export/{name}")
        zipped.writestr("a-rather-long-folder-name-from-a-watch-export/broken.gpx", "<gpx><trk><trkseg><trkpt lat='1'")
    job = uploads.send(
        user_id=demo.id,
        file=SimpleUploadedFile("export_2026-06-11_activities_from_my_watch.zip", archive.getvalue()),
    )
    run = runs_service.list_runs(user_id=demo.id, limit=1).runs[0]
    race = races_service.list_races_of_runner(user_id=demo.id)[0]
    plan = plans_service.list_plans(user_id=demo.id)[0]
    last_month = datetime.date.today().replace(day=1) - datetime.timedelta(days=1)
    user = get_user_model().objects.get(pk=demo.id)
    return Demo(
        user_id=demo.id,
        run_id=run.id,
        job_id=str(job.id),
        race_id=race.id,
        plan_id=plan.id,
        report_year=last_month.year,
        report_month=last_month.month,
        unsubscribe_token=mailing.unsubscribe_token(demo.id),
        email_confirmation_key=EmailConfirmationHMAC(EmailAddress.objects.get(user=user, primary=True)).key,
        password_reset_uid=user_pk_to_url_str(user),
        password_reset_key=default_token_generator.make_token(user),
    )


# --- Crawling -------------------------------------------------------------------------------------------------

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ") + " " + n.html.slice(0, 120)),
  }));
}"""


TOO_WIDE = """(width) => [...document.querySelectorAll("body *")]
  .filter((e) => e.getBoundingClientRect().right > width + 1)
  .filter((e) => {  // inside a scrolling box that fits, it is not the culprit (unless it is out of the flow)
    const box = e.parentElement.closest(".overflow-auto");
    return !box || box.getBoundingClientRect().right > width + 1
      || ["absolute", "fixed"].includes(getComputedStyle(e).position);
  })
  .slice(0, 4)
  .map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + (typeof e.className === "string" && e.className ? "." + e.className.trim().replace(/ +/g, ".") : ""))"""


def _visit(page, url: str, ready: str = "", screenshot: str = "") -> list[str]:
    """What is wrong with the page at `url`, as sentences; none when it is fine."""
    problems: list[str] = []
    requests: set = set()  # this page's own: the previous page's last requests are cut short by leaving it
    listeners = {
        "console": lambda m: m.type == "error" and problems.append(f"console error: {m.text}"),
        "pageerror": lambda e: problems.append(f"script error: {e}"),
        "request": lambda r: requests.add(r),
        "requestfailed": lambda r: r in requests and problems.append(f"request failed: {r.url} ({r.failure})"),
        "response": lambda r: r.status >= 400 and problems.append(f"{r.status} for {r.url}"),
    }
    for event, listener in listeners.items():
        page.on(event, listener)
    try:
        page.goto(url, wait_until="load")
        if ready:
            page.wait_for_selector(ready)
        page.add_script_tag(path=str(VENDOR / "axe.min.js"))
        width = page.viewport_size["width"]
        if screenshot:
            page.screenshot(path=screenshot, full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            wide = page.evaluate(TOO_WIDE, width)
            problems.append(f"{scroll_width} px wide on a {width} px screen (too wide: {', '.join(wide)})")
        for violation in page.evaluate(AXE_RUN):
            if violation["impact"] in BLOCKING_IMPACTS:
                problems.append(
                    f"axe {violation['impact']} {violation['id']}: {violation['help']} at {violation['nodes']}"
                )
    finally:
        for event, listener in listeners.items():
            page.remove_listener(event, listener)
    return problems


def _log_in(page, base_url: str) -> None:
    from apps.accounts.management.commands.seed_demo_user import DEMO_EMAIL, DEMO_PASSWORD

    page.goto(base_url + "/accounts/login/")
    page.fill("input[name=login]", DEMO_EMAIL)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith("/dashboard/"), page.url
    page.wait_for_load_state("networkidle")  # its favicon too, or the next visit sees that request cut short


@pytest.fixture(scope="module")
def crawl(browser, live_server, django_db_setup, django_db_blocker) -> dict[tuple[str, str], list[str]]:
    """{(viewport, page key): problems} for every page of PAGES at both viewports: one context per viewport,
    the signed-out pages first, then the demo runner signs in."""
    with django_db_blocker.unblock():
        demo = _seed()
        found: dict[tuple[str, str], list[str]] = {}
        order = sorted(PAGES, key=lambda key: PAGES[key].signed_in)
        for viewport, size in VIEWPORTS.items():
            context = browser.new_context(viewport=size)
            page = context.new_page()
            page.set_default_timeout(15_000)
            signed_in = False
            for key in order:
                if PAGES[key].signed_in and not signed_in:
                    _log_in(page, live_server.url)
                    signed_in = True
                url, screenshot = live_server.url + PAGES[key].url(demo), ""
                if SCREENSHOTS:
                    screenshot = str(Path(SCREENSHOTS) / f"{viewport}-{key.replace(':', '-').replace('/', '-')}.png")
                found[viewport, key] = _visit(page, url, PAGES[key].ready, screenshot)
            context.close()
    return found


def _cases() -> list:
    return [pytest.param(viewport, key, id=f"{viewport}-{key}") for viewport in VIEWPORTS for key in PAGES]


@pytest.mark.e2e
@pytest.mark.parametrize(("viewport", "key"), _cases())
def test_page_fits_the_screen_without_errors_or_serious_accessibility_violations(crawl, viewport, key):
    problems = crawl[viewport, key]
    assert not problems, f"{key} at {viewport}:\n  " + "\n  ".join(problems)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_navigation_is_a_menu(live_server, page, log_in):
    from apps.accounts.interface import testing as accounts_testing

    accounts_testing.create_user(email="ada@example.com", password="a-long-enough-Passw0rd")
    log_in("ada@example.com", "a-long-enough-Passw0rd")
    header = page.locator("header")
    assert header.get_by_role("link", name="Runs").count() == 0  # folded away
    assert header.bounding_box()["height"] < 120  # one row, not three
    header.get_by_role("button", name="Menu").click()
    menu = page.locator("#site-menu")
    assert menu.is_visible()
    assert menu.get_by_role("link").all_inner_texts() == [
        "Dashboard",
        "Runs",
        "Races",
        "Plans",
        "Reports",
        "Upload",
        "Strava",
        "Profile",
    ]
    assert menu.get_by_role("button", name="Log out").is_visible()
    if SCREENSHOTS:
        page.screenshot(path=str(Path(SCREENSHOTS) / "390x844-menu-open.png"))
    menu.get_by_role("link", name="Runs").click()
    page.wait_for_url(f"{live_server.url}/runs/")
    assert page.locator("#site-menu").is_hidden()
