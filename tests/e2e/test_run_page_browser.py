"""A run's page in the browser: the read-out under the pointer on the charts, and the route on a map or drawn alone.

The run is a real file (a Strava GPX with heart rate) imported through the upload page's form. The map's tiles come
from a stub tile server on loopback, started here: one PNG for any /z/x/y.png.
"""

import http.server
import json
import re
import struct
import threading
import xml.etree.ElementTree as ET
import zlib

import pytest
from django.test import Client

from apps.accounts.interface import testing as accounts_testing
from apps.runs import charts
from apps.runs.interface.service import runs_service
from tests.imports import reference

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-enough-Passw0rd"
FILE = "gpx11_strava_run_hr.gpx"


def _png() -> bytes:
    """A 1 x 1 grey PNG (Leaflet stretches it over the tile)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xc0"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def tile_server():
    """A tile server on loopback: the PNG for any /z/x/y.png, 404 otherwise; the paths asked for, in order."""
    asked: list[str] = []
    body = _png()

    class Tiles(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            if re.fullmatch(r"/\d+/\d+/\d+\.png", self.path):
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()
    server.server_close()


@pytest.fixture
def run_id(live_server):
    """The runner's one run, from the GPX file sent through the upload form."""
    runner = accounts_testing.create_user(email="ada@example.com", password=PASSWORD, timezone="America/Los_Angeles")
    client = Client()
    assert client.login(email="ada@example.com", password=PASSWORD)
    with (reference.FIXTURES / FILE).open("rb") as upload:
        assert client.post("/imports/", {"files": [upload]}).status_code == 302
    [run] = runs_service.list_runs(user_id=runner.id).runs
    return run.id


def _file_heart_rates() -> list[int]:
    root = ET.parse(reference.FIXTURES / FILE).getroot()
    return [int(point.findtext(".//{*}hr")) for point in root.findall(".//{*}trkpt")]


def _nearest(distance: list[float], fraction: float) -> int:
    """The drawn point nearest that share of the run's distance."""
    return min(range(len(distance)), key=lambda i: abs(distance[i] - fraction * distance[-1]))


def _watch(page):
    """The console errors and failed requests of the page from now on, as they happen. The current page's own
    requests (its favicon comes after "load") finish first, so leaving it does not count as a failure."""
    page.wait_for_load_state("networkidle")
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("requestfailed", lambda request: problems.append(f"{request.url}: {request.failure}"))
    return problems


def test_the_pointer_over_the_pace_chart_reads_out_pace_distance_and_heart_rate(
    live_server, page, log_in, run_id, settings
):
    settings.MAP_TILES_URL = ""
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in("ada@example.com", PASSWORD)
    problems = _watch(page)
    page.goto(f"{live_server.url}/runs/{run_id}/")
    data = json.loads(page.locator("#run-chart-points").text_content())
    points = data["points"]
    assert data["units"] == {"distance": "km", "pace": "/km", "elevation": "m", "heart_rate": "bpm"}

    area = page.locator(".area[data-key=pace]")
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    readout = page.locator("#run-readout")
    assert readout.locator("[data-field=distance] small").inner_text() == "Distance"

    # The point nearest 60% of the distance: every third sample of the file's 1118 is drawn (at most 400).
    total = points["distance"][-1]
    index = _nearest(points["distance"], 0.6)
    step = -(-1118 // charts.MAX_POINTS)
    assert step == 3
    minutes, seconds = divmod(points["pace"][index], 60)
    assert readout.locator("[data-field=distance] strong").inner_text() == f"{points['distance'][index]:.2f} km"
    assert readout.locator("[data-field=pace] strong").inner_text() == f"{minutes}:{seconds:02d} /km"
    assert readout.locator("[data-field=heart_rate] strong").inner_text() == f"{_file_heart_rates()[index * step]} bpm"
    assert readout.locator("[data-field=elevation] strong").inner_text() == f"{round(points['elevation'][index])} m"
    assert abs(points["distance"][index] - 0.6 * total) <= total / 300  # the pointer's place, within a point
    # One cursor across the charts, at that distance.
    x = f"{points['distance'][index] / total * 600:.1f}"
    cursors = page.locator(".run-charts line.cursor")
    assert cursors.count() == 3
    assert [cursors.nth(i).get_attribute("x1") for i in range(3)] == [x, x, x]
    assert [cursors.nth(i).get_attribute("visibility") for i in range(3)] == ["visible"] * 3
    assert problems == []


def test_a_touch_on_a_phone_reads_out_the_point_touched(live_server, browser, run_id, settings):
    settings.MAP_TILES_URL = ""
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=login]", "ada@example.com")
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/dashboard/$"))
        page.goto(f"{live_server.url}/runs/{run_id}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        area = page.locator(".area[data-key=elevation]")
        box = area.bounding_box()
        area.tap(position={"x": box["width"] * 0.25, "y": box["height"] / 2})
        points = json.loads(page.locator("#run-chart-points").text_content())["points"]
        index = _nearest(points["distance"], 0.25)
        readout = page.locator("#run-readout")
        assert readout.locator("[data-field=distance] strong").inner_text() == f"{points['distance'][index]:.2f} km"
        assert (
            readout.locator("[data-field=heart_rate] strong").inner_text() == f"{_file_heart_rates()[index * 3]} bpm"
        )
    finally:
        context.close()


def test_with_a_tile_server_the_map_loads_its_tiles_and_marks_start_and_finish(
    live_server, page, log_in, run_id, settings, tile_server
):
    base, asked = tile_server
    settings.MAP_TILES_URL = base + "/{z}/{x}/{y}.png"
    settings.MAP_TILES_ATTRIBUTION = "Tiles from the stub"
    log_in("ada@example.com", PASSWORD)
    problems = _watch(page)
    page.goto(f"{live_server.url}/runs/{run_id}/")
    page.wait_for_function("document.querySelectorAll('#run-map img.leaflet-tile-loaded').length > 0")
    assert asked
    assert all(re.fullmatch(r"/1[0-9]/\d+/\d+\.png", path) for path in asked)  # zoomed in to the route
    assert page.locator("svg[aria-label='The route']").count() == 0
    assert page.locator("#run-map .leaflet-control-attribution").inner_text().endswith("Tiles from the stub")
    # The route and its two ends, drawn by Leaflet; the finish under the start when they meet.
    assert page.locator("#run-map path.leaflet-interactive").count() == 3
    assert page.locator("#run-map .leaflet-tooltip-pane").count() == 1
    assert problems == []


def test_without_a_tile_server_the_route_is_drawn_with_start_and_finish(live_server, page, log_in, run_id, settings):
    settings.MAP_TILES_URL = ""
    log_in("ada@example.com", PASSWORD)
    problems = _watch(page)
    page.goto(f"{live_server.url}/runs/{run_id}/")
    route = page.locator("svg[aria-label='The route']")
    assert route.is_visible()
    assert route.locator("circle.route-start title").text_content() == "Start"
    assert route.locator("circle.route-finish title").text_content() == "Finish"
    assert route.locator("circle.route-start").is_visible()
    assert route.locator("circle.route-finish").is_visible()
    assert page.locator("#run-map").count() == 0
    assert problems == []
