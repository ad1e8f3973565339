"""A fake Strava on loopback: a real HTTP server speaking the documented v3 shapes.

OAuth (authorize page, token exchange and refresh, deauthorize), the athlete, the activities list
with paging and `after`/`before`, one activity, its streams, and webhook subscriptions. Every API
answer carries X-RateLimit-* and X-ReadRateLimit-* headers; limits, forced 429s, token expiry and
revoked refresh tokens are set by the test.
"""

from __future__ import annotations

import datetime
import http.server
import json
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

WINDOW_S = 15 * 60


@dataclass
class Athlete:
    id: int
    firstname: str = "Ada"
    lastname: str = "Runner"
    granted_scopes: str = "read,activity:read_all"
    activities: list[dict] = field(default_factory=list)


class FakeStrava:
    def __init__(self, *, window_s: int = WINDOW_S) -> None:
        self.window_s = window_s
        self.athletes: dict[int, Athlete] = {}
        self.codes: dict[str, int] = {}
        self.access_tokens: dict[str, tuple[int, float]] = {}  # token -> (athlete id, expires at)
        self.refresh_tokens: dict[str, int] = {}
        self.token_lifetime_s = 6 * 3600
        self.limit_15min, self.limit_daily = 100, 1000
        self.read_limit_15min, self.read_limit_daily = 100, 1000
        self.clock = time.time
        self.requests: list[tuple[float, str, str]] = []  # (time, method, path)
        self.fail_with_429: set[str] = set()  # paths (prefix match) that answer 429 once each
        self.down: set[str] = set()  # paths (prefix match) that answer 503 until removed
        self.held: dict[str, threading.Event] = {}  # paths (prefix match) that answer once their event is set
        self.subscriptions: dict[int, dict] = {}
        self.refresh_calls = 0
        self.lock = threading.Lock()
        self._server: http.server.ThreadingHTTPServer | None = None

    # --- set-up helpers for tests ---------------------------------------------------------
    def revoke(self, athlete_id: int) -> None:
        """The athlete withdraws the app's access on Strava: every token of theirs stops working."""
        self.access_tokens = {t: owner for t, owner in self.access_tokens.items() if owner[0] != athlete_id}
        self.refresh_tokens = {t: owner for t, owner in self.refresh_tokens.items() if owner != athlete_id}

    def add_athlete(self, athlete_id: int, *, activities: int = 0, scopes: str = "read,activity:read_all") -> Athlete:
        athlete = Athlete(id=athlete_id, granted_scopes=scopes)
        start = datetime.datetime(2024, 1, 1, 6, 0, tzinfo=datetime.UTC)
        for i in range(activities):
            athlete.activities.append(
                self.activity(athlete_id, 10_000_000 + athlete_id * 100_000 + i, start + datetime.timedelta(days=i))
            )
        self.athletes[athlete_id] = athlete
        return athlete

    @staticmethod
    def activity(athlete_id: int, activity_id: int, start: datetime.datetime, **overrides) -> dict:
        return {
            "id": activity_id,
            "athlete": {"id": athlete_id},
            "name": f"Run {activity_id}",
            "type": "Run",
            "sport_type": "Run",
            "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "timezone": "(GMT+01:00) Europe/Paris",
            "distance": 5000.0 + activity_id % 1000,
            "moving_time": 1500,
            "elapsed_time": 1560,
            "total_elevation_gain": 25.0,
            "average_heartrate": 150.0,
            "max_heartrate": 172.0,
            "map": {"summary_polyline": ""},
            **overrides,
        }

    def windows(self) -> dict[int, int]:
        """Requests per 15-minute window (keyed by the window's start), as Strava counts them."""
        counts: dict[int, int] = {}
        for when, _, path in self.requests:
            if path.startswith("/api/"):
                start = int(when // self.window_s) * self.window_s
                counts[start] = counts.get(start, 0) + 1
        return counts

    def api_requests(self, prefix: str = "/api/") -> int:
        return sum(1 for _, _, path in self.requests if path.startswith(prefix))

    # --- server ---------------------------------------------------------------------------
    def start(self) -> str:
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

            def do_DELETE(self):
                fake._handle(self, "DELETE")

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # --- request handling -----------------------------------------------------------------
    def _usage(self) -> tuple[int, int]:
        now = self.clock()
        window = int(now // self.window_s) * self.window_s
        day = int(now // 86400) * 86400
        api = [when for when, _, path in self.requests if path.startswith("/api/")]
        return sum(1 for w in api if w >= window), sum(1 for w in api if w >= day)

    def _handle(self, request, method: str) -> None:
        parsed = urllib.parse.urlsplit(request.path)
        path, query = parsed.path, dict(urllib.parse.parse_qsl(parsed.query))
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        form = dict(urllib.parse.parse_qsl(raw.decode())) if raw and b"=" in raw and not raw.startswith(b"{") else {}
        for prefix, released in list(self.held.items()):
            if path.startswith(prefix):
                released.wait(timeout=30)
        with self.lock:
            self.requests.append((self.clock(), method, path))
            status, body, headers = self._route(method, path, query, form, raw, request.headers)
        request.send_response(status)
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        request.send_header("Content-Type", "text/html" if isinstance(body, bytes) else "application/json")
        for name, value in headers.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)

    def _route(self, method, path, query, form, raw, headers):
        if any(path.startswith(prefix) for prefix in self.down):
            return 503, {"message": "Service Unavailable"}, {}
        if path == "/oauth/authorize":
            return self._authorize(method, query, form)
        if path == "/oauth/token" and method == "POST":
            return self._token(form)
        if path == "/oauth/deauthorize" and method == "POST":
            token = form.get("access_token") or headers.get("Authorization", "").removeprefix("Bearer ")
            if self.access_tokens.pop(token, None) is None:
                return 401, {"message": "Authorization Error", "errors": [{"field": "access_token"}]}, {}
            return 200, {"access_token": token}, {}
        if path.startswith("/api/v3/push_subscriptions"):
            return self._subscriptions(method, path, form)
        if path.startswith("/api/v3/"):
            return self._api(method, path, query, headers)
        return 404, {"message": "Record Not Found"}, {}

    def _authorize(self, method, query, form):
        if method == "GET":
            page = (
                "<html><body><h1>Authorize Runnerly</h1>"
                '<form method="post">'
                + "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in query.items())
                + '<button type="submit" id="authorize">Authorize</button></form></body></html>'
            )
            return 200, page.encode(), {}
        athlete = next(iter(self.athletes.values()))
        code = secrets.token_hex(8)
        self.codes[code] = athlete.id
        location = (
            form["redirect_uri"]
            + "?"
            + urllib.parse.urlencode({"state": form.get("state", ""), "code": code, "scope": athlete.granted_scopes})
        )
        return 302, b"", {"Location": location}

    def _issue(self, athlete_id: int) -> dict:
        access, refresh = secrets.token_hex(16), secrets.token_hex(16)
        expires_at = int(self.clock() + self.token_lifetime_s)
        self.access_tokens[access] = (athlete_id, expires_at)
        self.refresh_tokens[refresh] = athlete_id
        return {
            "token_type": "Bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_at": expires_at,
            "expires_in": self.token_lifetime_s,
        }

    def _token(self, form):
        grant = form.get("grant_type")
        if grant == "authorization_code":
            athlete_id = self.codes.pop(form.get("code", ""), None)
            if athlete_id is None:
                return (
                    400,
                    {
                        "message": "Bad Request",
                        "errors": [{"resource": "AuthorizationCode", "field": "code", "code": "invalid"}],
                    },
                    {},
                )
            athlete = self.athletes[athlete_id]
            return (
                200,
                {
                    **self._issue(athlete_id),
                    "athlete": {"id": athlete_id, "firstname": athlete.firstname, "lastname": athlete.lastname},
                },
                {},
            )
        if grant == "refresh_token":
            self.refresh_calls += 1
            athlete_id = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if athlete_id is None:
                return (
                    400,
                    {
                        "message": "Bad Request",
                        "errors": [{"resource": "RefreshToken", "field": "refresh_token", "code": "invalid"}],
                    },
                    {},
                )
            return 200, self._issue(athlete_id), {}
        return 400, {"message": "Bad Request", "errors": [{"field": "grant_type", "code": "invalid"}]}, {}

    def _subscriptions(self, method, path, form):
        if method == "GET":
            return 200, list(self.subscriptions.values()), {}
        if method == "POST":
            sub_id = len(self.subscriptions) + 1
            self.subscriptions[sub_id] = {"id": sub_id, "callback_url": form.get("callback_url")}
            return 201, {"id": sub_id}, {}
        sub_id = int(path.rsplit("/", 1)[-1])
        self.subscriptions.pop(sub_id, None)
        return 204, b"", {}

    def _api(self, method, path, query, headers):
        used_15, used_day = self._usage()
        limits = {
            "X-RateLimit-Limit": f"{self.limit_15min},{self.limit_daily}",
            "X-RateLimit-Usage": f"{used_15},{used_day}",
            "X-ReadRateLimit-Limit": f"{self.read_limit_15min},{self.read_limit_daily}",
            "X-ReadRateLimit-Usage": f"{used_15},{used_day}",
        }
        for prefix in list(self.fail_with_429):
            if path.startswith(prefix):
                self.fail_with_429.discard(prefix)
                return 429, {"message": "Rate Limit Exceeded"}, limits
        if used_15 > self.read_limit_15min or used_day > self.read_limit_daily:
            return 429, {"message": "Rate Limit Exceeded"}, limits
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        owner = self.access_tokens.get(token)
        if owner is None or owner[1] < self.clock():
            return (
                401,
                {
                    "message": "Authorization Error",
                    "errors": [{"resource": "Athlete", "field": "access_token", "code": "invalid"}],
                },
                limits,
            )
        athlete = self.athletes[owner[0]]
        if path == "/api/v3/athlete":
            return 200, {"id": athlete.id, "firstname": athlete.firstname, "lastname": athlete.lastname}, limits
        if path == "/api/v3/athlete/activities":
            after = int(query.get("after", 0))
            before = int(query.get("before", 2**40))
            page, per_page = int(query.get("page", 1)), min(int(query.get("per_page", 30)), 200)
            chosen = [a for a in athlete.activities if after < _epoch(a) < before]
            chosen.sort(key=_epoch, reverse="after" not in query)  # oldest first when paging forward from `after`
            return 200, chosen[(page - 1) * per_page : page * per_page], limits
        parts = path.split("/")
        if len(parts) == 6 and parts[3] == "athletes" and parts[5] == "stats":
            runs = sum(1 for a in athlete.activities if a["type"] == "Run")
            rides = sum(1 for a in athlete.activities if a["type"] == "Ride")
            return (
                200,
                {
                    "all_run_totals": {"count": runs, "distance": 0.0},
                    "all_ride_totals": {"count": rides, "distance": 0.0},
                    "all_swim_totals": {"count": 0, "distance": 0.0},
                },
                limits,
            )
        if len(parts) >= 5 and parts[3] == "activities":
            activity = next((a for a in athlete.activities if a["id"] == int(parts[4])), None)
            if activity is None:
                return 404, {"message": "Record Not Found"}, limits
            if len(parts) == 6 and parts[5] == "streams":
                return 200, _streams(activity), limits
            return 200, activity, limits
        return 404, {"message": "Record Not Found"}, limits


def _epoch(activity: dict) -> int:
    return int(datetime.datetime.fromisoformat(activity["start_date"].replace("Z", "+00:00")).timestamp())


def _streams(activity: dict) -> dict:
    seconds = int(activity["elapsed_time"])
    speed = activity["distance"] / seconds
    return {
        "time": {"data": list(range(0, seconds + 1, 10))},
        "distance": {"data": [round(t * speed, 1) for t in range(0, seconds + 1, 10)]},
        "latlng": {"data": [[48.85 + t * speed / 111_195, 2.35] for t in range(0, seconds + 1, 10)]},
        "heartrate": {"data": [150 for _ in range(0, seconds + 1, 10)]},
    }
