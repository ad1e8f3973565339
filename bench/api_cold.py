"""The runs API's pages of 50, cold (the first request after a change) and warm, over HTTP against a running
server, for a runner with ten years of daily runs. bench/api_load.sh starts the server and runs this.

  seed    creates the runner (3,652 runs, one a day for ten years, written straight into runs' tables) and a
          token; prints `<token> <runs>`.
  cold    each sample changes the runner's newest run through RunsService (the runs version is forgotten, as
          on any write), then times the first GET of the page: a new connection, the request, the whole answer.
          The first page and the 50th (its cursor found once beforehand) are sampled in turn.
  warm    the same GETs repeated with no change in between,
and, as the yardstick of the machine's state, the trivial view (/livez) requested the same way.
p50 and p99 in milliseconds of SAMPLES requests each. Run with the environment api_load.sh sets
(production settings, PostgreSQL, the server's Redis).
"""

from __future__ import annotations

import datetime
import http.client
import json
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
django.setup()

YEARS = 10
EMAIL = "ten-years@runnerly.example"


def seed() -> None:
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from apps.accounts.interface import testing as accounts_testing
    from apps.runs import listcache
    from apps.runs.models import Run

    user = accounts_testing.create_user(email=EMAIL)
    last_day = datetime.date(2026, 10, 31)
    day = last_day.replace(year=last_day.year - YEARS) + datetime.timedelta(days=1)
    runs = []
    while day <= last_day:
        distance = (5000.0, 8000.0, 10000.0, 12000.0, 21100.0)[day.toordinal() % 5]
        runs.append(
            Run(
                user_id=user.id,
                source="manual",
                name="Daily run",
                start=datetime.datetime.combine(day, datetime.time(7), tzinfo=datetime.UTC),
                timezone="UTC",
                local_date=day,
                elapsed_s=distance * 0.3 + 60,
                moving_s=distance * 0.3,
                distance_m=distance,
                elevation_gain_m=float(day.toordinal() % 120),
            )
        )
        day += datetime.timedelta(days=1)
    Run.objects.bulk_create(runs, batch_size=1000)
    listcache.forget_lists(user.id)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as autovacuum would have them on a live database
    print(Token.objects.create(user_id=user.id).key, len(runs))


def _get(port: int, path: str, token: str | None) -> tuple[float, bytes]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", path, headers={"Authorization": f"Token {token}"} if token else {})
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    if response.status != 200:
        raise SystemExit(f"GET {path}: {response.status} {body[:200]!r}")
    return elapsed, body


def _figures(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered) * 1000:6.2f} ms  p99 {p99 * 1000:6.2f} ms"


def measure(port: int, token: str, samples: int) -> None:
    from django.contrib.auth import get_user_model

    from apps.runs.interface.service import runs_service

    user_id = get_user_model().objects.get(email=EMAIL).pk
    newest = runs_service.list_runs(user_id=user_id, limit=1).runs[0].id
    first = "/api/v1/runs/?limit=50"
    path = first
    for _ in range(49):  # the cursor of the 50th page, as a client paging through would send it
        cursor = json.loads(_get(port, path, token)[1])["next_cursor"]
        path = f"{first}&cursor={cursor}"
    pages = {"page 1": first, "page 50": path}
    cold: dict[str, list[float]] = {name: [] for name in pages}
    warm: dict[str, list[float]] = {name: [] for name in pages}
    for sample in range(samples):
        for name, page in pages.items():
            runs_service.update_run(user_id=user_id, run_id=newest, name=f"Daily run {sample} {name}")
            elapsed, body = _get(port, page, token)
            cold[name].append(elapsed)
            if name == "page 1" and json.loads(body)["runs"][0]["name"] != f"Daily run {sample} {name}":
                raise SystemExit("the first request after a change did not see it")
    trivial = []
    for _ in range(samples):
        for name, page in pages.items():
            warm[name].append(_get(port, page, token)[0])
        trivial.append(_get(port, "/livez", None)[0])
    for name in pages:
        print(f"cold {name:7} (first GET after a change): {_figures(cold[name])}")
        print(f"warm {name:7} (repeated GET):             {_figures(warm[name])}")
    print(f"trivial /livez:                            {_figures(trivial)}  ({samples} samples each)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        seed()
    elif sys.argv[1:2] == ["measure"]:
        measure(port=int(sys.argv[2]), token=sys.argv[3], samples=int(sys.argv[4]))
    else:
        raise SystemExit(__doc__)
