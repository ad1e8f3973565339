from django.db import migrations, models


def last_training_day_where_no_sunday(apps, schema_editor):
    """Plans made before there was a long-run day: Sunday (the default) where it is a training day, else the last
    training day of the week, where the long run used to fall."""
    Plan = apps.get_model("plans", "Plan")
    for plan in Plan.objects.only("training_days"):
        if 6 not in plan.training_days:
            Plan.objects.filter(pk=plan.pk).update(long_run_day=max(plan.training_days))


class Migration(migrations.Migration):
    dependencies = [
        ("plans", "0002_readable_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="plan",
            name="long_run_day",
            field=models.PositiveSmallIntegerField(default=6, help_text="a weekday of the training days, 0 = Monday"),
        ),
        migrations.RunPython(last_training_day_where_no_sunday, migrations.RunPython.noop, elidable=True),
    ]
