"""The dashboard composes the other apps through their interfaces; it has no models of its own."""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.imports.interface.service import imports_service
from apps.plans.interface.service import plans_service
from apps.races.interface.service import races_service
from apps.reports.interface.service import reports_service
from apps.runs.interface import contracts as runs_contracts
from apps.runs.interface.service import runs_service
from project.rpc.errors import RemoteServiceError

logger = logging.getLogger(__name__)


def _section(load: Callable[[], Any]) -> dict[str, Any]:
    """One part of the page; a service that is down makes its section say so instead of failing the page."""
    try:
        return {"value": load(), "unavailable": False}
    except RemoteServiceError:
        logger.warning("dashboard.section_unavailable", exc_info=True)
        return {"value": None, "unavailable": True}


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user_id = request.user.pk
    today = datetime.datetime.now(zoneinfo.ZoneInfo(request.user.timezone)).date()
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    context = {
        "today": today,
        "month": _section(
            lambda: runs_service.month_summary(
                user_id=user_id, year=today.year, month=today.month, sports=list(runs_contracts.RUNNING_SPORTS)
            )
        ),
        "counted": runs_contracts.COUNTED_LABEL,
        "report": _section(
            lambda: reports_service.month_report(user_id=user_id, year=last_month.year, month=last_month.month)
        ),
        "recent": _section(lambda: runs_service.list_runs(user_id=user_id, limit=10).runs),
        "sessions": _section(lambda: plans_service.upcoming_sessions(user_id=user_id, limit=5)),
        "my_races": _section(lambda: races_service.races_of_runner(user_id=user_id)),
        "other_races": _section(lambda: races_service.find_races(exclude_added_by=user_id, limit=5).races),
        "imports": _section(
            lambda: [j for j in imports_service.list_jobs(user_id=user_id, limit=3) if j.status != "done"]
        ),
    }
    return render(request, "dashboard/home.html", context)
