"""A worker's memory while it imports 10-hour GPX files: the peak during one, and what stays after 100.

Reads the kernel's own accounting (/proc/self/status: VmRSS now, VmHWM the peak) in one process that
runs the same code path as the Celery task. Run against PostgreSQL, so the database's memory is not
counted in ours:
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/runnerly_bench \
  DJANGO_SETTINGS_MODULE=project.settings.test .venv/bin/python bench/import_memory.py [COUNT]
"""

import datetime
import gc
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
django.setup()


def status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # kB -> MiB
    raise KeyError(field)


def main(count: int) -> None:
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        from gpx10h import ten_hour_gpx

        from apps.accounts.interface import testing as accounts_testing
        from apps.imports import importer
        from project.celery import keep_large_buffers_mapped

        print(f"large buffers mapped as in a worker: {keep_large_buffers_mapped()}")
        user = accounts_testing.create_user(email="bench@example.com")
        template = ten_hour_gpx()
        gc.collect()
        baseline = status("VmRSS")
        print(f"before any import: RSS {baseline:.1f} MiB, file {len(template) / 1e6:.1f} MB")
        for i in range(1, count + 1):
            day = (datetime.date(2026, 6, 1) - datetime.timedelta(days=i)).isoformat()
            data = template.replace(b"2026-06-01T", f"{day}T".encode())  # another day: not a duplicate
            results = importer.import_file(user_id=user.id, name=f"ultra-{i}.gpx", data=data)
            assert results[0].status == "imported", results
            del data, results
            if i == 1:
                gc.collect()
                first_peak, after_first = status("VmHWM"), status("VmRSS")
                print(f"after 1 import: peak RSS {first_peak:.1f} MiB, RSS {after_first:.1f} MiB")
            elif i % 25 == 0:
                gc.collect()
                print(f"after {i} imports: RSS {status('VmRSS'):.1f} MiB (peak {status('VmHWM'):.1f} MiB)")
        gc.collect()
        growth = status("VmRSS") - after_first
        per_import = growth / max(count - 1, 1) * 1024
        print(f"growth from import 1 to import {count}: {growth:+.1f} MiB ({per_import:.0f} KiB per import)")
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
