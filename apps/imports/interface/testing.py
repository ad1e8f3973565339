"""For other apps' tests: import an activity file through the imports app, without touching its internals."""

from __future__ import annotations


def import_file(*, user_id: int, name: str, data: bytes) -> list[str]:
    """Record every activity of one file for the user, as an upload's job does (eagerly, in this process);
    the status of each ("imported", "duplicate" or "failed"), in time order."""
    from apps.imports import importer

    return [result.status for result in importer.import_file(user_id=user_id, name=name, data=data)]
