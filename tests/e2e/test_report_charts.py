"""The report's charts in a real browser, on a phone (390 x 844), a tablet (1024 x 768) and a desktop (1280 x 900):
each fills the width of its box with the drawing made for that width, its text reads at 12 px or more, and the pace
trend names the months ("Jan" with "2026" under it), every other one on a phone (issue 15, item 5).

RUNNERLY_E2E_SCREENSHOTS=<folder> keeps a full-page screenshot of each visit.
"""

from __future__ import annotations

import datetime
import os
import zoneinfo

import pytest

from apps.accounts.interface import contracts as accounts_contracts
from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface.testing import record_manual_run

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-enough-Passw0rd"
SCREENSHOTS = os.environ.get("RUNNERLY_E2E_SCREENSHOTS", "")
EMPTY_MONTH = 7  # months before the report's: no runs then, a gap in the pace trend

# What the browser shows of a chart: its box, the drawing it displays, and that drawing's text.
MEASURE = """(figure) => {
  const chart = figure.querySelector("svg.report-chart");
  const shown = [...chart.children].filter((drawing) => getComputedStyle(drawing).display !== "none");
  const drawing = shown[0];
  const scale = chart.getBoundingClientRect().width / drawing.viewBox.baseVal.width;
  const sizes = [...drawing.querySelectorAll("text")].map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
  const ticks = [...drawing.querySelectorAll("g[id*='-xtick_']")]
    .map((tick) => [...tick.querySelectorAll("text")].map((t) => t.textContent).join("\\n"))
    .filter((label) => label);
  return {
    box: figure.getBoundingClientRect().width,
    width: chart.getBoundingClientRect().width,
    height: chart.getBoundingClientRect().height,
    shown: shown.map((d) => d.getAttribute("class")),
    ratio: drawing.viewBox.baseVal.height / drawing.viewBox.baseVal.width,
    smallest_text: Math.min(...sizes),
    ticks,
  };
}"""
CONTENT_WIDTH = """() => {
  const main = document.querySelector("main"), style = getComputedStyle(main);
  return main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
}"""


def _month_back(month: datetime.date, back: int) -> datetime.date:
    year, index = divmod(month.year * 12 + month.month - 1 - back, 12)
    return datetime.date(year, index + 1, 1)


def _expected_months(last: datetime.date, step: int) -> list[str]:
    """The pace trend's labels, worked out from the calendar: every `step`-th month back from the report's, its
    short name, the year under the first one shown and under the first one shown of a new year."""
    months = [_month_back(last, back) for back in range(11, -1, -1)]
    labels, year = [], None
    for index, month in enumerate(months):
        if (11 - index) % step == 0:
            labels.append(f"{month:%b}" if month.year == year else f"{month:%b}\n{month.year}")
            year = month.year
    return labels


@pytest.fixture
def report_month(request):
    """A runner (metric, or the units given as the fixture's parameter) with four runs in each of the twelve
    months up to last month but one, and that last month."""
    units = getattr(request, "param", accounts_contracts.Units.METRIC)
    runner = accounts_testing.create_user(
        email="ada@example.com", password=PASSWORD, timezone="Europe/Paris", units=units
    )
    today = datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Paris")).date()
    last = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    for back in range(12):
        if back == EMPTY_MONTH:
            continue
        month = _month_back(last, back)
        for day, distance in [(3, 8000.0), (10, 12000.0), (17, 21097.5), (24, 10000.0)]:
            start = datetime.datetime.combine(month.replace(day=day), datetime.time(9), tzinfo=datetime.UTC)
            record_manual_run(
                user_id=runner.id, start=start, distance_m=distance, elapsed_s=distance * (0.3 + back / 250)
            )
    return runner, last


def _open_report(browser, live_server, viewport, last):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", "ada@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dashboard/")
    page.goto(live_server.url + f"/reports/{last:%Y-%m}/")
    return context, page


@pytest.mark.parametrize(
    ("viewport", "drawing", "step"),
    [
        ({"width": 390, "height": 844}, "for-narrow", 2),
        ({"width": 1024, "height": 768}, "for-medium", 1),
        ({"width": 1280, "height": 900}, "for-wide", 1),
    ],
    ids=["390x844", "1024x768", "1280x900"],
)
def test_the_charts_fill_their_box_with_text_of_12_px_or_more_and_month_names(
    browser, live_server, report_month, viewport, drawing, step
):
    _, last = report_month
    context, page = _open_report(browser, live_server, viewport, last)
    try:
        if SCREENSHOTS:
            page.screenshot(path=f"{SCREENSHOTS}/report-charts-{viewport['width']}.png", full_page=True)
        content = page.evaluate(CONTENT_WIDTH)
        assert content == {390: 358, 1024: 950, 1280: 1200}[viewport["width"]]  # Pico's container
        for chart in ("#weekly-chart", "#pace-chart"):
            seen = page.locator(chart).evaluate(MEASURE)
            assert seen["shown"] == [drawing]
            assert abs(seen["box"] - content) <= 0.5
            assert abs(seen["width"] - seen["box"]) <= 0.5  # the whole width of its box
            assert abs(seen["height"] - seen["width"] * seen["ratio"]) <= 1  # in the drawing's shape: no distortion
            assert seen["smallest_text"] >= 12
        pace = page.locator("#pace-chart").evaluate(MEASURE)
        assert pace["ticks"] == _expected_months(last, step)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    finally:
        context.close()


@pytest.mark.parametrize("report_month", [accounts_contracts.Units.IMPERIAL], indirect=True)
def test_an_imperial_runners_charts_are_in_miles(browser, live_server, report_month):
    _, last = report_month
    context, page = _open_report(browser, live_server, {"width": 390, "height": 844}, last)
    try:
        weekly, pace = page.locator("#weekly-chart svg.for-narrow"), page.locator("#pace-chart svg.for-narrow")
        assert weekly.locator("text").filter(has_text="mi").count() >= 1
        assert [t for t in pace.locator("text").all_text_contents() if "/" in t] == ["min/mi"]
        label = page.locator("#pace-chart svg.report-chart").get_attribute("aria-label")
        assert f"{last:%b %Y} " in label
        assert (label.count(" /mi"), label.count("no runs")) == (11, 1)
        assert "km" not in page.locator("#weekly-chart").inner_html()
        assert "km" not in page.locator("#pace-chart").inner_html()
    finally:
        context.close()
