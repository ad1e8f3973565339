import math
import uuid

from allauth.account.views import LoginView, SignupView
from allauth.core.internal import ratelimit as allauth_ratelimit  # the limits' parser; allauth is pinned
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts import operations, queries
from apps.accounts.forms import ApiTokenForm, DeleteAccountForm, ProfileForm, SignupForm
from apps.accounts.models import ApiToken, DataExport, User


class _SignedIn(HttpRequest):
    """`request` in a view behind `login_required`: accounts' own pages see the user model itself."""

    user: User  # type: ignore[assignment]


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    return render(request, "accounts/landing.html")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: _SignedIn) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        operations.update_profile(
            user_id=request.user.pk, changes={name: form.cleaned_data[name] for name in form.changed_data}
        )
        messages.success(request, "Your profile is saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def export(request: _SignedIn) -> HttpResponse:
    if request.method == "POST":
        operations.request_export(user_id=request.user.pk)
        return redirect("accounts:export")
    context = {"export": queries.get_latest_export(user_id=request.user.pk), "days": settings.ACCOUNTS_EXPORT_DAYS}
    return render(request, "accounts/export.html", context)


def _own_export(request: _SignedIn, export_id: uuid.UUID) -> DataExport:
    export = queries.get_export(user_id=request.user.pk, export_id=export_id)
    if export is None:
        raise Http404("No such export.")
    return export


@login_required
@require_GET
def export_status(request: _SignedIn, export_id: uuid.UUID) -> JsonResponse:
    """What the export page polls until the export is finished."""
    export = _own_export(request, export_id)
    return JsonResponse(
        {"status": export.status, "label": export.get_status_display(), "done": export.done, "total": export.total}
    )


@login_required
@require_GET
def export_download(request: _SignedIn, export_id: uuid.UUID) -> FileResponse:
    export = _own_export(request, export_id)
    if export.status != DataExport.Status.READY:
        raise Http404("This export is not ready.")
    name = f"runnerly-export-{export.created_at:%Y-%m-%d}.zip"
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=name, content_type="application/zip")


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: _SignedIn) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user_id = request.user.pk
        logout(request)
        operations.delete_account(user_id=user_id)
        messages.success(request, "Your account and everything in it have been deleted.")
        return redirect("accounts:landing")
    return render(request, "accounts/delete.html", {"form": form})


@login_required
@never_cache  # the page that shows a new token must not be kept by the browser or a proxy
@require_http_methods(["GET", "POST"])
def tokens(request: _SignedIn) -> HttpResponse:
    form = ApiTokenForm(request.POST or None, user=request.user)
    created = None
    if request.method == "POST" and form.is_valid():
        # Shown in this response only: a redirect would have to keep the token somewhere (the session is in the DB).
        created = operations.create_api_token(
            user_id=request.user.pk,
            name=form.cleaned_data["name"],
            scope=form.cleaned_data["scope"],
            expires_in_days=form.cleaned_data["expires_in_days"],
        )
        form = ApiTokenForm(user=request.user)
    context = {"form": form, "created": created, "tokens": queries.list_api_tokens_of_user(user_id=request.user.pk)}
    return render(request, "accounts/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: _SignedIn, token_id: int) -> HttpResponse:
    try:
        token = operations.revoke_api_token(user_id=request.user.pk, token_id=token_id)
    except ApiToken.DoesNotExist:
        raise Http404("No such token.") from None
    messages.success(request, f"The token “{token.name}” is revoked: nothing can use it any more.")
    return redirect("accounts:tokens")


_allauth_login = LoginView.as_view()


def _lockout_seconds() -> int:
    """How long a locked-out sign-in waits at most: the longest window of the failed-login limits."""
    rates = allauth_ratelimit.parse_rates(settings.ACCOUNT_RATE_LIMITS["login_failed"])
    return int(max((rate.duration for rate in rates), default=60))


def login(request: HttpRequest) -> HttpResponse:
    """allauth's sign-in; when too many attempts failed it answers 429 with Retry-After and says for how long."""
    response = _allauth_login(request)
    form = (getattr(response, "context_data", None) or {}).get("form")
    refused = form is not None and form.is_bound and form.has_error(NON_FIELD_ERRORS, "too_many_login_attempts")
    if refused:
        assert form is not None
        seconds = _lockout_seconds()
        minutes = math.ceil(seconds / 60)
        form.errors[NON_FIELD_ERRORS] = form.error_class(
            [
                f"Too many failed attempts to sign in. Try again in {minutes} minute{'s' if minutes != 1 else ''}, "
                "or reset your password."
            ],
            error_class="nonfield",
        )
        response.status_code = 429
        response["Retry-After"] = str(seconds)
    return response


# allauth's sign-up (account_signup), with the time zone proposed from the browser.
signup = SignupView.as_view(form_class=SignupForm, template_name="accounts/signup.html")
