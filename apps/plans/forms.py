import typing

from django import forms

from project.web.templatetags import dates

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class TrainingDaysField(forms.TypedMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            choices=WEEKDAYS,
            coerce=int,
            widget=forms.CheckboxSelectMultiple,
            error_messages={"required": "Choose at least one day of the week."},
            **kwargs,
        )


class LongRunDayField(forms.TypedChoiceField):
    """Left out (a client that predates it): Sunday if it is a training day, else the last of them."""

    def __init__(self, **kwargs):
        kwargs.setdefault("initial", 6)
        super().__init__(
            choices=WEEKDAYS, coerce=int, required=False, empty_value=None, label="My long run on", **kwargs
        )


class _DaysForm(forms.Form):
    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        days, long_run_day = cleaned.get("training_days"), cleaned.get("long_run_day")
        if days and long_run_day is not None and long_run_day not in days:
            self.add_error("long_run_day", "Your long-run day must be one of your training days.")
        return cleaned


class PlanForm(_DaysForm):
    race = forms.TypedChoiceField(coerce=int, label="Race")
    template = forms.ChoiceField(label="Plan")
    training_days = TrainingDaysField(label="I can train on", initial=[1, 3, 5, 6])
    long_run_day = LongRunDayField()

    def __init__(self, *args, races, templates, **kwargs):
        super().__init__(*args, **kwargs)
        typing.cast(forms.ChoiceField, self.fields["race"]).choices = [
            (race.id, f"{race.name} — {dates.day(race.race_date)}") for race in races
        ]
        typing.cast(forms.ChoiceField, self.fields["template"]).choices = [
            (t.slug, f"{t.name} ({t.weeks} weeks, {t.sessions} runs)") for t in templates
        ]


class TrainingDaysForm(_DaysForm):
    training_days = TrainingDaysField(label="I can train on")
    long_run_day = LongRunDayField()
