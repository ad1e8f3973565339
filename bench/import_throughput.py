"""Import throughput against the raw parse of the same file by the underlying library, in one run.

For each file: points per second of
  raw     the library alone: gpxpy.parse (GPX), defusedxml ElementTree (TCX), fitdecode records (FIT);
  import  Runnerly's whole path: parse, stats, best efforts, storing the run, its streams and efforts, and
          publishing its event, as a worker's import task does: the event's deliveries are handed to the
          broker (kombu's in-memory one here) for the subscribers' own tasks, which are not counted.
Each figure is the best of N repetitions (timeit's advice: the minimum is the least disturbed).
Run: DJANGO_SETTINGS_MODULE=project.settings.test .venv/bin/python bench/import_throughput.py [--quick]
"""

import io
import os
import sys
import time
from pathlib import Path

import django

# A worker's import task: deliveries go to the broker, not run inline (the test settings run tasks eagerly).
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
os.environ["CELERY_BROKER_URL"] = "memory://"

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
django.setup()

from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

REPEATS = 1 if "--quick" in sys.argv else 5  # --quick: for CI, it must keep running
FIXTURES = ROOT / "tests" / "fixtures" / "activities"


def raw_parse(name: str, data: bytes) -> None:
    if name.endswith(".gpx"):
        import gpxpy

        gpxpy.parse(data.decode("utf-8-sig"))
    elif name.endswith(".tcx"):
        import defusedxml.ElementTree as ET

        ET.fromstring(data)
    else:
        import fitdecode

        with fitdecode.FitReader(io.BytesIO(data)) as reader:
            for _frame in reader:
                pass


def best_of(function) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from gpx10h import ten_hour_gpx

    from apps.accounts.interface import testing as accounts_testing
    from apps.imports import importer, parsers
    from apps.runs.models import Run

    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        user = accounts_testing.create_user(email="bench@example.com")
        files = {
            "gpx11_bom_no_namespace.gpx (largest GPX)": (
                "x.gpx",
                (FIXTURES / "gpx11_bom_no_namespace.gpx").read_bytes(),
            ),
            "tcx_mapmyride_ride_singleline.tcx (largest TCX)": (
                "x.tcx",
                (FIXTURES / "tcx_mapmyride_ride_singleline.tcx").read_bytes(),
            ),
            "fit_coros_pace2_ride_pauses.fit (largest FIT)": (
                "x.fit",
                (FIXTURES / "fit_coros_pace2_ride_pauses.fit").read_bytes(),
            ),
            "generated 10-hour GPX at 1 Hz": ("x.gpx", ten_hour_gpx()),
        }
        print(f"{'file':50} {'points':>7} {'raw pts/s':>11} {'import pts/s':>13} {'ratio':>6}")
        for label, (name, data) in files.items():
            points = sum(len(a.time_s) for a in parsers.parse(name, data))
            raw = best_of(lambda name=name, data=data: raw_parse(name, data))

            def full_import(name=name, data=data):
                results = importer.import_file(user_id=user.id, name=name, data=data)
                assert results[0].status == "imported", results
                Run.objects.all().delete()  # the next repetition imports afresh, not as a duplicate

            imported = best_of(full_import)
            print(f"{label:50} {points:>7} {points / raw:>11,.0f} {points / imported:>13,.0f} {raw / imported:>6.2f}")
        print(f"database: {connection.vendor}; best of {REPEATS}")
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
