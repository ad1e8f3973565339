"""The time zones a runner chooses from: the places of the tz database, grouped by region, and UTC.

`zoneinfo.available_timezones()` also holds what no runner means ("Factory", "localtime", "posix/…", "right/…")
and the old aliases outside the regions ("US/Eastern", "GB", "Etc/GMT+5"); the list leaves them out. A runner
who has one of them from before keeps it until they choose another (`choices(current=)`). Aliases inside a region
("Asia/Calcutta" beside "Asia/Kolkata") stay: they are what some browsers report, and the signup page selects the
browser's zone.
"""

import functools
import zoneinfo

REGIONS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
DEFAULT = "UTC"

Choices = list[tuple[str, list[tuple[str, str]]]]


@functools.cache
def zones() -> frozenset[str]:
    return frozenset(
        name for name in zoneinfo.available_timezones() if name.split("/", 1)[0] in REGIONS and "/" in name
    ) | {DEFAULT}


@functools.cache
def _grouped() -> Choices:
    by_region: dict[str, list[tuple[str, str]]] = {region: [] for region in REGIONS}
    for name in sorted(zones() - {DEFAULT}):
        region, place = name.split("/", 1)
        by_region[region].append((name, place.replace("_", " ")))
    return [(region, places) for region, places in by_region.items() if places] + [(DEFAULT, [(DEFAULT, DEFAULT)])]


def choices(*, current: str | None = None) -> Choices:
    """The zones by region for a <select>; a `current` zone not among them comes first, so that it stays chosen."""
    if current and current not in zones():
        return [("Your current zone", [(current, current)]), *_grouped()]
    return _grouped()
