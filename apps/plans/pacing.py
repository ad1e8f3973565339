"""Target paces from the runner's recent best efforts, by Riegel's formula.

Riegel (1981): a runner who covers D1 in T1 covers D2 in T2 = T1 * (D2 / D1) ** 1.06. From each
best effort of at least 1 km in the last 180 days we predict the race time and keep the effort
that predicts the fastest. The zones are then predicted paces:

    race      the race distance
    interval  5 km
    tempo     half marathon (about an hour's effort for most runners)
    long      marathon pace + 10 %
    easy      marathon pace + 15 %

With no such effort, the sessions say how each zone should feel instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from apps.runs.interface import contracts as runs_contracts

EXPONENT = 1.06
MIN_EFFORT_M = 1000.0
FEEL = {
    "easy": "easy: you could talk in full sentences",
    "long": "long-run pace: easy, a little faster at the end if you feel good",
    "tempo": "tempo: comfortably hard, a few words at a time",
    "interval": "interval: hard but even, the last one as fast as the first",
    "race": "race pace",
}


def riegel_s(elapsed_s: float, distance_m: float, target_m: float) -> float:
    return elapsed_s * (target_m / distance_m) ** EXPONENT


def paces(efforts: Iterable[runs_contracts.RunEffort], race_distance_m: float) -> tuple[dict[str, float], str]:
    """({zone: seconds per km}, how they were found); ({}, "") with no usable effort."""
    usable = [e for e in efforts if e.distance_m >= MIN_EFFORT_M]
    if not usable:
        return {}, ""
    best = min(usable, key=lambda e: riegel_s(e.elapsed_s, e.distance_m, race_distance_m))

    def pace_at(metres: float) -> float:
        return round(riegel_s(best.elapsed_s, best.distance_m, metres) / metres * 1000, 1)

    marathon = pace_at(42195.0)
    hours, rest = divmod(round(best.elapsed_s), 3600)
    clock = f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    basis = (
        f"From your {best.distance_key} in {clock} on {best.local_date.isoformat()}, "
        "by Riegel's formula T2 = T1 * (D2/D1)^1.06."
    )
    return {
        "race": pace_at(race_distance_m),
        "interval": pace_at(5000.0),
        "tempo": pace_at(21097.5),
        "long": round(marathon * 1.10, 1),
        "easy": round(marathon * 1.15, 1),
    }, basis
