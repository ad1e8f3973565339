"""Peak memory of one import: the 10-hour GPX and TCX, the largest files the limits accept, and 2,000,000 points.

Each upload goes alone through the whole path of a runner's upload in a child process on a fresh test
database (`create_upload`, whose job runs eagerly under the test settings: unpack, parse, stats,
storage); its peak is the child's high-water resident set as the kernel keeps it for the child's own
address space (`VmHWM` in /proc/self/status, read by the child as it ends). Not `getrusage`'s
`ru_maxrss` (what `/usr/bin/time -v` prints): Linux carries into it the memory of the process that
spawned the child, here the bench holding a 200 MB file, which made a refused upload look like 758 MiB.
A child that sets up the same and uploads nothing gives the baseline. Files over the upload limit
(25 MB) come as a zip of one GPX, as in issue #12; the 2,000,000 points without heart rates, so that
their zip (24 MB) is within the limit.
  DJANGO_SETTINGS_MODULE=project.settings.test .venv/bin/python bench/import_peak_memory.py [--quick]
--quick runs tiny files (601, 2,000 and 20,000 points, the limit lowered to 2,000 in the children) for CI;
--only TEXT runs the uploads whose label holds TEXT (`--only TCX`).
"""

import functools
import io
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
QUICK_LIMIT = 2_000


def child(path: str, limit: int | None) -> None:
    """Upload one file (none for the baseline) and print what became of its job: seconds|outcome."""
    import django

    django.setup()
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    from apps.accounts.interface import testing as accounts_testing
    from apps.imports import operations, parsers

    if limit is not None:
        parsers.MAX_POINTS_PER_FILE = limit
    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        user = accounts_testing.create_user(email="bench@example.com")
        if path:
            started = time.perf_counter()
            job = operations.create_upload(user_id=user.id, name=Path(path).name, data=Path(path).read_bytes())
            job.refresh_from_db()
            seconds = time.perf_counter() - started
            print(f"{seconds:.1f}|{job.status}, {job.imported} imported; {job.message[:120]}")
    finally:
        teardown_databases(old_config, verbosity=0)
    print(f"peak|{_high_water_kib()}")


def _high_water_kib() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])


def peak(path: str, limit: int | None) -> tuple[float, str, str]:
    """(peak RSS in MiB, seconds, outcome) of a child uploading `path`."""
    command = [sys.executable, __file__, "--child", path, *([str(limit)] if limit is not None else [])]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603 - this very script
    lines = process.stdout.read().strip().splitlines()  # type: ignore[union-attr]
    if process.wait():
        raise SystemExit(f"the child uploading {path or 'nothing'} failed")
    high_water_kib = int(lines[-1].removeprefix("peak|"))
    seconds, _, outcome = (lines[-2] if len(lines) > 1 and "|" in lines[-2] else "|").partition("|")
    return high_water_kib / 1024, seconds, outcome


def main(quick: bool, only: str) -> None:
    from gpx10h import TEN_HOURS_POINTS, gpx_track, tcx_track

    from apps.imports.parsers import MAX_POINTS_PER_FILE

    limit = QUICK_LIMIT if quick else None
    largest = limit or MAX_POINTS_PER_FILE
    gpx, gpx_without_hr = gpx_track, functools.partial(gpx_track, heart_rate=False)
    ten_hours, big_tcx = (601, 2_000) if quick else (TEN_HOURS_POINTS, 200_000)
    uploads = [  # (label, points, the file's maker, its extension, zipped)
        ("10-minute GPX" if quick else "10-hour GPX at 1 Hz", ten_hours, gpx, "gpx", False),
        ("largest accepted (the limit), zipped", largest, gpx, "gpx", True),
        ("over the limit, a zip of one GPX", 20_000 if quick else 2_000_000, gpx_without_hr, "gpx", True),
        (
            "10-minute TCX" if quick else "10-hour TCX at 1 Hz",
            601 if quick else TEN_HOURS_POINTS,
            tcx_track,
            "tcx",
            False,
        ),
        # The TCX writer's 520 bytes a point: the most points within IMPORTS_MAX_FILE_BYTES (120 MB).
        (f"TCX of {big_tcx:,} points, zipped", big_tcx, tcx_track, "tcx", True),
    ]
    uploads = [upload for upload in uploads if only.lower() in upload[0].lower()]
    with tempfile.TemporaryDirectory() as folder:
        base, _, _ = peak("", limit)
        print(f"limit {largest:,} points per file; baseline (Django, test database, no upload): {base:.0f} MiB\n")
        print("| upload | points | size | peak RSS | over baseline | seconds | job |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for label, points, make, extension, zipped in uploads:
            data = make(points)
            path = Path(folder) / f"track-{points}.{extension}"
            size = f"{len(data) / 1e6:.1f} MB"
            if zipped:
                buffer = io.BytesIO()
                with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                    archive.writestr(path.name, data)
                path, data = path.with_suffix(".zip"), buffer.getvalue()
                size = f"{len(data) / 1e6:.1f} MB zip of {size}"
            path.write_bytes(data)
            del data
            rss, seconds, outcome = peak(str(path), limit)
            print(f"| {label} | {points:,} | {size} | {rss:.0f} MiB | {rss - base:.0f} MiB | {seconds} | {outcome} |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None)
    else:
        main("--quick" in sys.argv, sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else "")
