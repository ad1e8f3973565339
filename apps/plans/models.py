from django.db import models


class Kind(models.TextChoices):
    EASY = "easy", "Easy run"
    LONG = "long", "Long run"
    TEMPO = "tempo", "Tempo run"
    INTERVALS = "intervals", "Intervals"
    REST = "rest", "Rest"
    RACE = "race", "Race"


class Zone(models.TextChoices):
    EASY = "easy", "Easy"
    LONG = "long", "Long-run"
    TEMPO = "tempo", "Tempo"
    INTERVAL = "interval", "Interval"
    RACE = "race", "Race"


class PlanTemplate(models.Model):
    """A training plan as data (fixtures/plan_templates.json, editable in the admin): weeks of sessions."""

    class Level(models.TextChoices):
        BEGINNER = "beginner", "Beginner"
        INTERMEDIATE = "intermediate", "Intermediate"

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    distance_m = models.FloatField(verbose_name="distance (m)", help_text="the race distance it prepares for")
    level = models.CharField(max_length=12, choices=Level.choices)
    weeks = models.PositiveSmallIntegerField()
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["distance_m", "level"]

    def __str__(self) -> str:
        return self.name


class TemplateSession(models.Model):
    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="sessions")
    week = models.PositiveSmallIntegerField()
    order = models.PositiveSmallIntegerField(help_text="its place in the week")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    distance_m = models.FloatField(verbose_name="distance (m)", null=True, blank=True)
    duration_s = models.PositiveIntegerField(verbose_name="duration (s)", null=True, blank=True)
    zone = models.CharField(max_length=10, choices=Zone.choices)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["template", "week", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "week", "order"], name="plans_template_slot")]

    def __str__(self) -> str:
        return f"{self.template.slug} week {self.week} #{self.order}: {self.kind}"


class Plan(models.Model):
    """A runner's plan for one race: the template laid out on dates around their training days."""

    user_id = models.BigIntegerField(verbose_name="runner (user id)", db_index=True)  # accounts.User by id
    race_id = models.BigIntegerField(db_index=True)  # races.Race by id
    race_name = models.CharField(max_length=200)
    race_date = models.DateField()
    template = models.ForeignKey(PlanTemplate, on_delete=models.PROTECT, related_name="plans")
    training_days = models.JSONField(help_text="weekdays, 0 = Monday")
    long_run_day = models.PositiveSmallIntegerField(default=6, help_text="a weekday of the training days, 0 = Monday")
    skipped_weeks = models.PositiveSmallIntegerField(default=0)
    paces = models.JSONField(default=dict, blank=True, help_text="target s/km per zone, when known")
    pace_basis = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["race_date", "id"]
        constraints = [models.UniqueConstraint(fields=["user_id", "race_id"], name="plans_one_per_race")]

    def __str__(self) -> str:
        return f"{self.template.name} for {self.race_name} (user {self.user_id})"


class PlannedSession(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sessions")
    week = models.PositiveSmallIntegerField()
    order = models.PositiveSmallIntegerField()
    date = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    distance_m = models.FloatField(verbose_name="distance (m)", null=True, blank=True)
    duration_s = models.PositiveIntegerField(verbose_name="duration (s)", null=True, blank=True)
    zone = models.CharField(max_length=10, choices=Zone.choices)
    description = models.CharField(max_length=200, blank=True)
    run_id = models.BigIntegerField(null=True, blank=True)  # runs.Run by id: the run that ticked it off

    class Meta:
        ordering = ["date", "order"]
        constraints = [models.UniqueConstraint(fields=["plan", "week", "order"], name="plans_session_slot")]
        indexes = [models.Index(fields=["plan", "date"], name="plans_session_date")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.date}"
