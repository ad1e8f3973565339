"""For other apps' tests: record runs through the real service, without touching runs' models."""

from __future__ import annotations

import datetime
import itertools

from apps.runs.interface import contracts

_sequence = itertools.count(1)


def record_manual_run(
    *,
    user_id: int,
    start: datetime.datetime,
    distance_m: float = 5000.0,
    elapsed_s: float = 1500.0,
    sport: contracts.Sport = contracts.Sport.RUN,
    timezone: str | None = "UTC",
    name: str = "",
) -> contracts.RunDetail:
    from apps.runs.interface.local import LocalRunsService

    draft = contracts.RunDraft(
        user_id=user_id,
        source=contracts.Source.MANUAL,
        source_id=f"testing-{next(_sequence)}",
        name=name,
        sport=sport,
        start=start,
        timezone=timezone,
        elapsed_s=elapsed_s,
        distance_m=distance_m,
    )
    return LocalRunsService().record_run(draft=draft).run
