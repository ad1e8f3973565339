"""The runner's report pages, through ReportsService, and the unsubscribe link from the email."""

from __future__ import annotations

import datetime
import hashlib
import json
import zoneinfo
from collections.abc import Sequence

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.interface import errors as accounts_errors
from apps.accounts.interface.service import accounts_service
from apps.reports import charts, mailing
from apps.reports.interface import errors
from apps.reports.interface.service import reports_service
from apps.runs.interface import contracts as runs_contracts
from project.rpc.contracts import Contract
from project.web.signed_in import SignedInRequest
from project.web.unavailable import Unavailable

CHART_CACHE_SECONDS = 24 * 3600
CHART_VERSION = 2  # part of the cache key: a deploy that draws the charts differently draws them again
REPORTS = Unavailable(
    "reports", what="Your reports", title="Monthly reports", note="Your runs are safe and still counted."
)


def _today(request: SignedInRequest) -> datetime.date:
    return datetime.datetime.now(zoneinfo.ZoneInfo(request.user.timezone)).date()


@login_required
@require_GET
@REPORTS.degrades(get_status=200)
def index(request: SignedInRequest) -> HttpResponse:
    today = _today(request)
    try:
        year = int(request.GET.get("year", today.year))
        overview = reports_service.get_year_overview(user_id=request.user.pk, year=year)
    except (ValueError, errors.InvalidMonth):
        raise Http404("No such year") from None
    months = [m for m in overview.months if (m.year, m.month) <= (today.year, today.month)]
    return render(
        request,
        "reports/index.html",
        {
            "overview": overview,
            "months": months[::-1],
            "today": today,
            "units": request.user.units,
            "counted": runs_contracts.COUNTED_LABEL,
        },
    )


def _chart(kind: str, items: Sequence[Contract], units: str) -> str:
    """A chart's inline SVG (a drawing per screen width), cached by what it shows: the same numbers never cost a
    second drawing. The version changes when the drawings do."""
    payload = json.dumps([item.model_dump(mode="json") for item in items])
    digest = hashlib.sha256(payload.encode()).hexdigest()
    key = f"reports:chart:v{CHART_VERSION}:{kind}:{units}:{digest}"
    svg = cache.get(key)
    if svg is None:
        svg = charts.page_svg(kind, items, units=units)
        cache.set(key, svg, CHART_CACHE_SECONDS)
    return svg


@login_required
@require_GET
@REPORTS.degrades(get_status=200)  # the reports service is down: say so, keep the rest of the site working
def month(request: SignedInRequest, year: str, month: str) -> HttpResponse:
    today = _today(request)
    if (int(year), int(month)) > (today.year, today.month):
        raise Http404("This month has not started yet")
    try:
        report = reports_service.get_month_report(user_id=request.user.pk, year=int(year), month=int(month))
    except errors.InvalidMonth:
        raise Http404("No such month") from None
    units = request.user.units
    summary = report.summary
    return render(
        request,
        "reports/month.html",
        {
            "report": report,
            "summary": summary,
            "month_start": datetime.date(summary.year, summary.month, 1),
            "in_progress": (summary.year, summary.month) == (today.year, today.month),
            "record_keys": {effort.distance_key for effort in report.records},
            "weekly_svg": _chart("weekly", summary.weekly, units),
            "pace_svg": _chart("pace", report.pace_trend, units),
            "units": units,
            "counted": runs_contracts.COUNTED_LABEL,
        },
    )


@csrf_exempt  # the signed token is the credential; mail clients POST here for one-click unsubscribe (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user_id = mailing.user_of_unsubscribe_token(token)
        profile = accounts_service.get_user(user_id=user_id)
    except (signing.BadSignature, accounts_errors.UserNotFound):
        return render(request, "reports/unsubscribe_invalid.html", status=400)
    if request.method == "POST":
        profile = accounts_service.set_monthly_report_opt_in(user_id=user_id, enabled=False)
        return render(request, "reports/unsubscribed.html", {"profile": profile})
    return render(request, "reports/unsubscribe.html", {"profile": profile, "token": token})
