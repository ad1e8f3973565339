import datetime
import typing
import zoneinfo

from django import forms

from apps.races.interface.contracts import STANDARD_DISTANCES
from project.units import units_of

# A race date outside these years is a typo; one at the very edge of the calendar would not fit in UTC.
RACE_YEARS = (1900, 2200)


def validate_race_date(value: datetime.date) -> None:
    if not RACE_YEARS[0] <= value.year <= RACE_YEARS[1]:
        raise forms.ValidationError(f"Give a date between {RACE_YEARS[0]} and {RACE_YEARS[1]}.")


ZONES = [("", "From the coordinates")] + [(name, name) for name in sorted(zoneinfo.available_timezones())]
DISTANCES = [(str(metres), label) for metres, label in STANDARD_DISTANCES] + [("other", "Other distance")]
# In imperial a standard distance is named as races are ("10K"), never in km.
IMPERIAL_NAMES = {"5 km": "5K", "10 km": "10K"}


def _distances(units: str) -> list[tuple[str, str]]:
    return [(value, IMPERIAL_NAMES.get(label, label) if units == "imperial" else label) for value, label in DISTANCES]


class RaceForm(forms.Form):
    name = forms.CharField(max_length=200)
    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), validators=[validate_race_date]
    )
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}), initial=datetime.time(9, 0))
    timezone = forms.ChoiceField(choices=ZONES, required=False, label="Time zone")
    distance = forms.ChoiceField(choices=DISTANCES, initial="10000.0")
    other_distance_km = forms.FloatField(  # in the runner's units despite its name (km or mi)
        required=False, min_value=0.1, max_value=1000, label="Other distance (km)", help_text="For an ultra or a mile."
    )
    city = forms.CharField(max_length=100)
    country = forms.CharField(max_length=100)
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90, help_text="Optional; for “near me”.")
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)
    website = forms.URLField(required=False, assume_scheme="https")

    def __init__(self, *args, units: str = "metric", **kwargs):
        super().__init__(*args, **kwargs)
        self.units = units_of(units)
        typing.cast(forms.ChoiceField, self.fields["distance"]).choices = _distances(units)
        self.fields["other_distance_km"].label = f"Other distance ({self.units.distance})"
        if units == "imperial":
            self.fields["other_distance_km"].help_text = "For an ultra or a one-off distance."

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("distance") == "other":
            if not cleaned.get("other_distance_km"):
                self.add_error("other_distance_km", f"Give the distance in {self.units.distance}.")
            else:
                cleaned["distance_m"] = cleaned["other_distance_km"] * self.units.metres_per_distance
        elif cleaned.get("distance"):
            cleaned["distance_m"] = float(cleaned["distance"])
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None):
            self.add_error("longitude", "Give both latitude and longitude, or neither.")
        if not cleaned.get("timezone") and cleaned.get("latitude") is None:
            self.add_error("timezone", "Choose the time zone, or give the coordinates so we can find it.")
        return cleaned

    def race_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "distance_m": data["distance_m"],
            "city": data["city"],
            "country": data["country"],
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
            "website": data.get("website") or "",
            "local_date": data["date"],
            "local_time": data["start_time"],
            "zone": data.get("timezone") or None,
        }


class FinderForm(forms.Form):
    text = forms.CharField(required=False, max_length=100, label="Name or place")
    start_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), label="From"
    )
    end_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), label="To"
    )
    distance = forms.ChoiceField(choices=[("", "Any distance"), *DISTANCES[:-1]], required=False)
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)
    radius_km = forms.FloatField(required=False, min_value=1, max_value=20000, label="Within (km)")
    include_past = forms.BooleanField(required=False, label="Past races too")

    def __init__(self, *args, units: str = "metric", **kwargs):
        super().__init__(*args, **kwargs)
        self.units = units_of(units)
        typing.cast(forms.ChoiceField, self.fields["distance"]).choices = [
            ("", "Any distance"),
            *_distances(units)[:-1],
        ]
        self.fields["radius_km"].label = f"Within ({self.units.distance})"

    def radius_in_km(self) -> float | None:
        """The radius typed in the runner's units (the field keeps its name), in km for the service."""
        radius = self.cleaned_data.get("radius_km")
        return None if radius is None else radius * self.units.metres_per_distance / 1000

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        position = [cleaned.get(name) for name in ("latitude", "longitude", "radius_km")]
        if any(value is not None for value in position) and not all(value is not None for value in position):
            self.add_error("radius_km", "“Near” needs a latitude, a longitude and a radius.")
        return cleaned
