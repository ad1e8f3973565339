"""`POST /oauth/token` and `GET /.well-known/jwks.json`."""

from __future__ import annotations

import base64
import binascii
import logging
from urllib.parse import unquote_plus

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from apps.tokendealer import dealing, keys

logger = logging.getLogger(__name__)


def _oauth_error(error: dealing.OAuthError, *, basic: bool) -> JsonResponse:
    response = JsonResponse({"error": error.error, "error_description": error.description}, status=error.status)
    if error.status == 401 and basic:
        response["WWW-Authenticate"] = 'Basic realm="runnerly-token-dealer"'
    response["Cache-Control"] = "no-store"
    return response


def _credentials(request: HttpRequest) -> tuple[str, str, bool]:
    """client_id and secret from HTTP Basic (RFC 6749 §2.3.1) or the form body; and whether Basic was used."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
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
        client = dealing.authenticate(client_id, secret)
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


@require_GET
@cache_control(public=True, max_age=300)
def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"keys": keys.published()})
