"""The public site, for what is made outside a request (emails, calendar feeds)."""

from django.conf import settings


def site_domain() -> str:
    """The host name of RUNNERLY_SITE_URL, without scheme or port: for Message-IDs and calendar UIDs."""
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "runnerly.local"
