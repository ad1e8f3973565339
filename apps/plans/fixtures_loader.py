"""The plan templates are data: fixtures/plan_templates.json, loaded into an empty table after `migrate`
(and after a test flush), then edited in the admin. A table that holds any template is left alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import router, transaction

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "plan_templates.json"


def load_templates_if_empty(**kwargs: Any) -> int:
    from apps.plans.models import PlanTemplate, TemplateSession

    using = kwargs.get("using", "default")
    if not router.allow_migrate_model(using, PlanTemplate):
        return 0  # a service whose database holds no plans
    if PlanTemplate.objects.using(using).exists():
        return 0
    rows = json.loads(FIXTURE.read_text())
    with transaction.atomic(using=using):
        templates = {
            row["pk"]: PlanTemplate.objects.using(using).create(**row["fields"])
            for row in rows
            if row["model"] == "plans.plantemplate"
        }
        TemplateSession.objects.using(using).bulk_create(
            TemplateSession(**{**row["fields"], "template": templates[row["fields"]["template"]]})
            for row in rows
            if row["model"] == "plans.templatesession"
        )
    return len(templates)
