"""The dashboard composes the other apps through their interfaces (remote ones at once); it has no models."""

from __future__ import annotations

import datetime
import zoneinfo

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.imports.interface.service import imports_service
from apps.plans.interface.service import plans_service
from apps.races.interface.service import races_service
from apps.reports.interface.service import reports_service
from apps.runs.interface import contracts as runs_contracts
from apps.runs.interface.service import runs_service
from project.web.sections import Section, load_sections
from project.web.signed_in import SignedInRequest


@login_required
@require_GET
def home(request: SignedInRequest) -> HttpResponse:
    user_id = request.user.pk
    today = datetime.datetime.now(zoneinfo.ZoneInfo(request.user.timezone)).date()
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    sections = load_sections(
        {
            "runs": Section(
                "runs",
                lambda: runs_service.get_overview(
                    user_id=user_id, year=today.year, month=today.month, sports=list(runs_contracts.RUNNING_SPORTS)
                ),
                kept=True,
            ),
            "report": Section(
                "reports",
                lambda: reports_service.get_month_report(
                    user_id=user_id, year=last_month.year, month=last_month.month
                ),
                kept=True,
            ),
            "sessions": Section(
                "plans", lambda: plans_service.list_upcoming_sessions(user_id=user_id, limit=5, today=today), kept=True
            ),
            "races": Section("races", lambda: races_service.get_overview(user_id=user_id), kept=True),
            "imports": Section(
                "imports",
                lambda: [job for job in imports_service.list_jobs(user_id=user_id, limit=3) if job.status != "done"],
                kept=True,
            ),
        }
    )
    context = {"today": today, "counted": runs_contracts.COUNTED_LABEL, **sections}
    return render(request, "dashboard/home.html", context)
