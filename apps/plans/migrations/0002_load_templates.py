"""The plan templates are data: loaded here from fixtures/plan_templates.json, then edited in the admin."""

import json
from pathlib import Path

from django.db import migrations

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "plan_templates.json"


def load(apps, schema_editor):
    PlanTemplate = apps.get_model("plans", "PlanTemplate")
    TemplateSession = apps.get_model("plans", "TemplateSession")
    rows = json.loads(FIXTURE.read_text())
    templates = {}
    for row in rows:
        if row["model"] == "plans.plantemplate":
            templates[row["pk"]] = PlanTemplate.objects.create(**row["fields"])
    TemplateSession.objects.bulk_create(
        TemplateSession(**{**row["fields"], "template": templates[row["fields"]["template"]]})
        for row in rows
        if row["model"] == "plans.templatesession"
    )


def unload(apps, schema_editor):
    apps.get_model("plans", "PlanTemplate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("plans", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
