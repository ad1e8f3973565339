"""`POST /oauth/token`, `POST /oauth/introspect` and `GET /.well-known/jwks.json`."""

from __future__ import annotations

import base64
import logging
import math
from urllib.parse import unquote_plus

# allauth's own limiter (decision 0004), in the form its login uses: an attempt is counted before the
# password is checked and taken back when it succeeds, so only failures use up the limit.
from allauth.core.internal import ratelimit
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from apps.tokendealer import dealing, keys

logger = logging.getLogger(__name__)
RATE_LIMIT_APP, RATE_LIMIT_ACTION = "allauth.account", "tokendealer_token"  # ACCOUNT_RATE_LIMITS["tokendealer_token"]


def _oauth_error(error: dealing.OAuthError, *, basic: bool) -> JsonResponse:
    response = JsonResponse({"error": error.error, "error_description": error.description}, status=error.status)
    if error.status == 401 and basic:
        response["WWW-Authenticate"] = 'Basic realm="runnerly-token-dealer"'
    if error.retry_after is not None:
        response["Retry-After"] = str(error.retry_after)
    response["Cache-Control"] = "no-store"
    return response


def _attempt(request: HttpRequest, client_id: str) -> ratelimit.RateLimitUsage:
    """Count an authentication attempt per address and per client id, before any hash is computed."""
    usage = ratelimit.consume(request, app=RATE_LIMIT_APP, action=RATE_LIMIT_ACTION, key=client_id)
    if usage is None:
        wait = max(rate.duration for rate in ratelimit.get_rates(app=RATE_LIMIT_APP, action=RATE_LIMIT_ACTION))
        raise dealing.OAuthError(
            "slow_down",
            "Too many failed attempts from this address or for this client; retry later.",
            status=429,
            retry_after=math.ceil(wait),
        )
    return usage


def _credentials(request: HttpRequest) -> tuple[str, str, bool]:
    """client_id and secret from HTTP Basic (RFC 6749 §2.3.1) or the form body; and whether Basic was used."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except ValueError:  # not base64 (binascii.Error), non-ASCII, or not UTF-8 (UnicodeDecodeError)
            raise dealing.OAuthError("invalid_client", "The Basic credentials are malformed.", 401) from None
        return unquote_plus(user), unquote_plus(password), True
    return request.POST.get("client_id", ""), request.POST.get("client_secret", ""), False


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> JsonResponse:
    basic = request.headers.get("Authorization", "").startswith("Basic ")
    try:
        if request.content_type != "application/x-www-form-urlencoded":
            raise dealing.OAuthError(
                "invalid_request", "Send the request form-encoded (application/x-www-form-urlencoded)."
            )
        if request.POST.get("grant_type") != "client_credentials":
            raise dealing.OAuthError("unsupported_grant_type", "Only the client_credentials grant is supported.")
        client_id, secret, basic = _credentials(request)
        if not client_id or not secret:
            raise dealing.OAuthError("invalid_client", "Client authentication is required.", 401)
        attempt = _attempt(request, client_id)
        client = dealing.authenticate(client_id, secret)
        attempt.rollback()
        body = dealing.issue(client, audience=request.POST.get("audience", ""), scope=request.POST.get("scope", ""))
    except dealing.OAuthError as error:
        logger.warning(
            "tokendealer.refused", extra={"error": error.error, "client_id": request.POST.get("client_id", "")}
        )
        return _oauth_error(error, basic=basic)
    logger.info("tokendealer.issued", extra={"client_id": client.client_id, "audience": request.POST.get("audience")})
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


@csrf_exempt
@require_POST
def introspect(request: HttpRequest) -> JsonResponse:
    """RFC 7662, for verifiers: the token in the form is its own credential (dealing.introspect)."""
    response = JsonResponse(dealing.introspect(request.POST.get("token", "")))
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@cache_control(public=True, max_age=300)
def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"keys": keys.published()})
