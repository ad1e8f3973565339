from django import forms

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


class PlanForm(forms.Form):
    race = forms.TypedChoiceField(coerce=int, label="Race")
    template = forms.ChoiceField(label="Plan")
    training_days = TrainingDaysField(label="I can train on", initial=[1, 3, 5, 6])

    def __init__(self, *args, races, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["race"].choices = [(race.id, f"{race.name} — {race.race_date:%d %b %Y}") for race in races]
        self.fields["template"].choices = [
            (t.slug, f"{t.name} ({t.weeks} weeks, {t.sessions} runs)") for t in templates
        ]


class TrainingDaysForm(forms.Form):
    training_days = TrainingDaysField(label="I can train on")
