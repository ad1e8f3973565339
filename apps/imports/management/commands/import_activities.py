import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.imports import importer
from apps.imports.interface import contracts
from apps.imports.interface.contracts import ItemStatus
from project import commands


class Command(BaseCommand):
    help = "Import GPX, TCX and FIT files (or zips of them) for a runner, with progress and a summary."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="files, zips or folders")
        parser.add_argument("--user", required=True, metavar="EMAIL", help="the runner who owns the runs")

    def handle(self, *args, paths, user, **options):
        user_id = commands.find_runner(user).id
        files = self._files(paths)
        if not files:
            raise CommandError("no .gpx, .tcx, .fit or .zip files in " + ", ".join(paths))
        counts = dict.fromkeys(ItemStatus, 0)
        failures, notes = [], []
        for done, path in enumerate(files, start=1):
            try:
                for entry in importer.entries(path.name, path.read_bytes()):
                    for result in importer.import_entry(user_id=user_id, entry=entry):
                        counts[result.status] += 1
                        if result.status == ItemStatus.FAILED:
                            failures.append(result.message)
                        elif result.status == ItemStatus.IMPORTED and result.message:
                            notes.append(result.message)
            except importer.ImportRefused as error:
                counts[ItemStatus.FAILED] += 1
                failures.append(str(error))
            except Exception as error:  # noqa: BLE001 - one file's surprise is a failure in the summary, not a traceback
                counts[ItemStatus.FAILED] += 1
                failures.append(f"{path.name}: could not be imported ({type(error).__name__}: {error})")
            self._progress(done, len(files), path.name)
        self.stdout.write(
            f"Imported {counts[ItemStatus.IMPORTED]}, duplicates {counts[ItemStatus.DUPLICATE]}, "
            f"failed {counts[ItemStatus.FAILED]}."
        )
        for message in notes:
            self.stdout.write(self.style.WARNING(f"  note: {message}"))
        for message in failures:
            self.stdout.write(self.style.ERROR(f"  failed: {message}"))

    def _files(self, paths: list[str]) -> list[Path]:
        found = []
        for raw in paths:
            path = Path(raw)
            if not path.exists():
                raise CommandError(f"{raw}: no such file or folder")
            candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
            found += [p for p in candidates if p.is_file() and contracts.is_uploadable(p.name)]
        return found

    def _progress(self, done: int, total: int, name: str) -> None:
        if not sys.stderr.isatty():
            return
        width = 30
        filled = width * done // total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name[:40]:<40}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()
