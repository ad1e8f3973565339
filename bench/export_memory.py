"""Peak memory of a data export against the size of the history: bounded means flat.

In a child process on a fresh test database, a runner gets N runs of an hour each with GPS, altitude
and heart rate at one point every 2 s (1,800 samples, recorded through RunsService, as an import
stores them); then the export zip is written (`archive.write`, as `accounts.build_export` does). The
figure is how far the export raised the process's resident set above what it held before it began:
the high-water mark (`VmHWM`) is reset through /proc/self/clear_refs, then read after the export.
  DJANGO_SETTINGS_MODULE=project.settings.test .venv/bin/python bench/export_memory.py [--quick]
--quick: 20 and 80 runs (for CI); otherwise 100 and 1,000 runs.
"""

import datetime
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLES = 1800


def _status_kib(field: str) -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith(field + ":")).split()[1])


def _streams(day: int):
    from apps.runs.interface import contracts

    times = [2.0 * i for i in range(SAMPLES)]
    return contracts.Streams(
        time_s=times,
        latitude=[48.85 + 0.0001 * math.sin(i / 50) + 0.00002 * i for i in range(SAMPLES)],
        longitude=[2.35 + 0.0001 * math.cos(i / 50) + 0.00001 * day for i in range(SAMPLES)],
        elevation_m=[35 + 5 * math.sin(i / 200) for i in range(SAMPLES)],
        heart_rate=[140 + i % 20 for i in range(SAMPLES)],
    )


def child(runs: int) -> None:
    import django

    django.setup()
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    from apps.accounts import archive
    from apps.accounts.interface import testing as accounts_testing
    from apps.runs.interface import contracts
    from apps.runs.interface.service import runs_service

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        user = accounts_testing.create_user(email="bench@example.com")
        first = datetime.datetime(2016, 1, 1, 7, tzinfo=datetime.UTC)
        for day in range(runs):
            runs_service.record_run(
                draft=contracts.RunDraft(
                    user_id=user.id,
                    source=contracts.Source.FILE,
                    source_id=f"bench-{day}",
                    sport=contracts.Sport.RUN,
                    start=first + datetime.timedelta(days=day),
                    elapsed_s=2.0 * (SAMPLES - 1),
                    streams=_streams(day),
                )
            )
        before = _status_kib("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # the high-water mark starts again from here
        started = time.perf_counter()
        with tempfile.TemporaryFile() as target:
            archive.write(user_id=user.id, target=target, progress=lambda done, total: None)
            size = target.tell()
        seconds = time.perf_counter() - started
        print(f"{runs}|{before}|{_status_kib('VmHWM')}|{size}|{seconds:.1f}")
    finally:
        teardown_databases(old_config, verbosity=0)


def main(quick: bool) -> None:
    sizes = (20, 80) if quick else (100, 1000)
    print("| runs | resident before | peak during export | raised by | zip | seconds |")
    print("|---:|---:|---:|---:|---:|---:|")
    for runs in sizes:
        out = subprocess.run(  # noqa: S603 - this very script
            [sys.executable, __file__, "--child", str(runs)], capture_output=True, text=True, check=True
        ).stdout
        count, before, peak, size, seconds = out.strip().splitlines()[-1].split("|")
        before_mib, peak_mib = int(before) / 1024, int(peak) / 1024
        print(
            f"| {int(count):,} | {before_mib:.0f} MiB | {peak_mib:.0f} MiB | {peak_mib - before_mib:.0f} MiB "
            f"| {int(size) / 1e6:.1f} MB | {seconds} |"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(int(sys.argv[2]))
    else:
        main("--quick" in sys.argv)
