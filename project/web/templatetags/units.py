"""Showing distances, durations and paces in the runner's units."""

import re

from django import template

from project.units import METRES_PER_MILE, clock

register = template.Library()
NOTHING = "\N{EN DASH}"  # shown where a value is unknown


@register.filter
def distance(metres, units="metric"):
    if metres is None:
        return NOTHING
    if units == "imperial":
        return f"{metres / METRES_PER_MILE:.2f} mi"
    return f"{metres / 1000:.2f} km"


@register.filter
def duration(seconds):
    return NOTHING if seconds is None else clock(seconds)


@register.filter
def pace(seconds_per_km, units="metric"):
    if not seconds_per_km:
        return NOTHING
    if units == "imperial":
        return f"{clock(seconds_per_km * METRES_PER_MILE / 1000)} /mi"
    return f"{clock(seconds_per_km)} /km"


@register.filter
def speed(kmh, units="metric"):
    if not kmh:
        return NOTHING
    if units == "imperial":
        return f"{kmh * 1000 / METRES_PER_MILE:.1f} mph"
    return f"{kmh:.1f} km/h"


@register.filter
def speed_of(item, units="metric"):
    """The average speed of anything with `elapsed_s` and `distance_m` (a ride's best effort or record)."""
    distance_m, elapsed_s = getattr(item, "distance_m", None), getattr(item, "elapsed_s", None)
    return speed(distance_m / elapsed_s * 3.6, units) if distance_m and elapsed_s else NOTHING


@register.filter
def pace_or_speed(run, units="metric"):
    """How a run is measured: speed for rides, pace for everything else."""
    if str(getattr(run, "family", "")) == "cycling":
        return speed(run.speed_kmh, units)
    return pace(run.pace_s_per_km, units)


EFFORT_LABELS = {
    "400m": "400 m",
    "1k": "1 km",
    "1mi": "1 mile",
    "5k": "5 km",
    "10k": "10 km",
    "20k": "20 km",
    "40k": "40 km",
    "100k": "100 km",
    "half": "Half marathon",
    "marathon": "Marathon",
}


# In imperial a standard distance is named as runners name races ("5K"), never in km: only measured quantities
# convert (a 5K stays a 5K, not "3.11 mi").
EFFORT_NAMES = {"400m": "400m", "1k": "1K", "1mi": "1 mile", "5k": "5K", "10k": "10K", "20k": "20K", "40k": "40K"}
EFFORT_NAMES |= {"100k": "100K", "half": "Half marathon", "marathon": "Marathon"}


@register.filter
def effort_label(distance_key, units="metric"):
    labels = EFFORT_NAMES if units == "imperial" else EFFORT_LABELS
    return labels.get(str(distance_key), str(distance_key))


KM_NAME = re.compile(r"\b(\d+) km\b")


@register.filter
def distance_name(text, units="metric"):
    """A name holding a race distance ("10 km for beginners", "8 weeks to a 5 km") as an imperial runner reads
    it: "10K for beginners". Unchanged in metric."""
    text = "" if text is None else str(text)
    return KM_NAME.sub(r"\1K", text) if units == "imperial" else text


@register.filter
def elevation(metres, units="metric"):
    if metres is None:
        return NOTHING
    return f"{metres * 3.28084:.0f} ft" if units == "imperial" else f"{metres:.0f} m"


SPORT_LABELS = {
    "run": "Run",
    "trail_run": "Trail run",
    "treadmill": "Treadmill",
    "walk": "Walk",
    "hike": "Hike",
    "ride": "Ride",
    "other": "Other",
}


FAMILY_LABELS = {"running": "Running", "cycling": "Cycling", "walking": "Walking and hiking", "other": "Other sports"}


@register.filter
def family_label(value):
    return FAMILY_LABELS.get(str(value), str(value).capitalize())


@register.filter
def sport_label(value):
    return SPORT_LABELS.get(str(value), str(value).replace("_", " ").capitalize())


@register.filter
def pace_of(item, units="metric"):
    """The pace of anything with `elapsed_s` and `distance_m` (a split, a best effort, a record)."""
    distance_m = getattr(item, "distance_m", None)
    if not distance_m:
        return NOTHING
    return pace(item.elapsed_s / distance_m * 1000, units)


@register.filter
def pace_per(seconds, metres):
    """Seconds per km from a time and a distance (feed it to `pace`)."""
    return seconds / metres * 1000 if seconds and metres else None
