"""The forms of the runs pages. Validation that needs no database; the choices come from the contracts."""

import datetime
import math
import zoneinfo

from django import forms

from apps.runs.interface import contracts
from project.units import METRES_PER_MILE, clock


class DurationField(forms.CharField):
    """hh:mm:ss, mm:ss or a number of minutes."""

    def clean(self, value):
        text = super().clean(value).strip()
        parts = text.split(":")
        try:
            numbers = [float(part) for part in parts]
        except ValueError:
            raise forms.ValidationError("Enter the time as h:mm:ss, mm:ss or minutes, e.g. 45:30.") from None
        if not all(math.isfinite(number) for number in numbers):
            raise forms.ValidationError("Enter the time as h:mm:ss, mm:ss or minutes, e.g. 45:30.")
        if len(numbers) == 1:
            seconds = numbers[0] * 60
        elif len(numbers) in (2, 3):
            if any(number >= 60 for number in numbers[1:]):
                raise forms.ValidationError("Minutes and seconds go up to 59, e.g. 1:05:30.")
            seconds = sum(n * 60**i for i, n in enumerate(reversed(numbers)))
        else:
            raise forms.ValidationError("Enter the time as h:mm:ss, mm:ss or minutes, e.g. 45:30.")
        if seconds <= 0:
            raise forms.ValidationError("The time must be more than zero.")
        if seconds > 7 * 24 * 3600:
            raise forms.ValidationError("That is more than a week; check the time.")
        return seconds


class ManualRunForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    sport = forms.ChoiceField(choices=contracts.SPORT_CHOICES, initial=contracts.Sport.RUN.value)
    date = forms.DateField(widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))  # what a browser reads
    start_time = forms.TimeField(
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}), initial=datetime.time(7, 0)
    )
    distance = forms.FloatField(min_value=0, max_value=1000, help_text="In your units (km or miles).")
    duration = DurationField(help_text="h:mm:ss or mm:ss")
    average_heart_rate = forms.IntegerField(
        label="Average heart rate", min_value=25, max_value=250, required=False, help_text="bpm, if you know it"
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=10_000)

    def __init__(self, *args, units: str, timezone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.units, self.timezone = units, timezone
        self.fields["distance"].label = "Distance (mi)" if units == "imperial" else "Distance (km)"

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("date") and cleaned.get("start_time"):
            start = datetime.datetime.combine(cleaned["date"], cleaned["start_time"], zoneinfo.ZoneInfo(self.timezone))
            if start > contracts.latest_start(typed_in_own_zone=True):
                self.add_error("date", "A run cannot start in the future.")
            cleaned["start"] = start
        if cleaned.get("distance") is not None:
            factor = METRES_PER_MILE if self.units == "imperial" else 1000
            cleaned["distance_m"] = cleaned["distance"] * factor
            if cleaned["distance"] <= 0:
                self.add_error("distance", "Enter the distance you covered (more than 0).")
            elif cleaned.get("duration") and cleaned.get("sport"):
                sport = contracts.Sport(cleaned["sport"])
                if contracts.too_fast(sport=sport, distance_m=cleaned["distance_m"], seconds=cleaned["duration"]):
                    self.add_error(
                        "duration",
                        f"{cleaned['distance']:g} {'mi' if self.units == 'imperial' else 'km'} in "
                        f"{clock(cleaned['duration'])} is faster than anyone moves on a "
                        f"{contracts.SPORT_LABELS[sport].lower()}: check the distance and the time.",
                    )
        return cleaned


class RunEditForm(forms.Form):
    name = forms.CharField(max_length=200, required=False)
    sport = forms.ChoiceField(choices=contracts.SPORT_CHOICES)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=10_000)


def manual_initial(run: contracts.RunDetail, *, units: str) -> dict:
    """A manual run's values as its edit form shows them: in the run's zone and the runner's units."""
    start = run.start.astimezone(zoneinfo.ZoneInfo(run.timezone))
    per_unit = METRES_PER_MILE if units == "imperial" else 1000
    return {
        "name": run.name,
        "sport": run.sport.value,
        "notes": run.notes,
        "date": start.date(),
        "start_time": start.time().replace(second=0, microsecond=0),
        "distance": round(run.distance_m / per_unit, 2),
        "duration": clock(run.elapsed_s),
        "average_heart_rate": run.average_heart_rate,
    }
