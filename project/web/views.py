"""Site-wide views that belong to no app."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico whatever the page says: send them to the icon the pages name."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
