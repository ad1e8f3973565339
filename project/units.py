"""The units runners read, in one place: how many metres make a mile or a foot, each system's names, and how
a time reads. Pages, charts, forms and emails of every app use these; the API stays metric."""

from __future__ import annotations

from dataclasses import dataclass

METRES_PER_MILE = 1609.344
METRES_PER_FOOT = 0.3048


@dataclass(frozen=True)
class Units:
    """How a runner reads distances: the name of each unit and how many metres make one."""

    system: str
    distance: str
    metres_per_distance: float
    elevation: str
    metres_per_elevation: float

    @property
    def pace(self) -> str:
        return f"min/{self.distance}"

    @property
    def speed(self) -> str:
        return "mph" if self.system == "imperial" else "km/h"


METRIC = Units("metric", "km", 1000.0, "m", 1.0)
IMPERIAL = Units("imperial", "mi", METRES_PER_MILE, "ft", METRES_PER_FOOT)


def units_of(system: str) -> Units:
    """The runner's profile says "metric" or "imperial"; anything else reads as metric."""
    return IMPERIAL if system == "imperial" else METRIC


def clock(seconds: float) -> str:
    """A duration or a pace as a runner reads it: "4:05", or "1:02:03" from an hour."""
    hours, rest = divmod(round(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
