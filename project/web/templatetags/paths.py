"""Links of the site's chrome and of long tables, reversed once per process instead of on every page.

Reversing a URL name walks the URLconf: about 47 of them made a tenth of the dashboard's time. What `reverse`
answers depends only on the name, the arguments, the URLconf and the script prefix (the site's mount point), so
each answer is kept under all four; the URLconf does not change while the process runs.
"""

from __future__ import annotations

import functools

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# (section, URL name, label): the app a page belongs to (its URL namespace) marks its link as the current one.
NAV_LINKS = (
    ("dashboard", "dashboard:home", "Dashboard"),
    ("runs", "runs:list", "Runs"),
    ("races", "races:list", "Races"),
    ("plans", "plans:list", "Plans"),
    ("reports", "reports:index", "Reports"),
    ("imports", "imports:upload", "Upload"),
    ("strava", "strava:status", "Strava"),
    ("accounts", "accounts:profile", "Profile"),
)


@functools.lru_cache(maxsize=4096)
def _reversed(urlconf: str | None, prefix: str, name: str, args: tuple[object, ...]) -> str:
    return reverse(name, urlconf=urlconf, args=args)


@register.simple_tag
def path_for(name: str, *args: object) -> str:
    """`{% url %}` for names and positional arguments, kept once reversed (a run's link in a table of runs)."""
    return _reversed(get_urlconf(), get_script_prefix(), name, args)


@functools.lru_cache(maxsize=64)
def _nav(urlconf: str | None, prefix: str, current: str) -> SafeString:
    marked = mark_safe(' aria-current="page"')  # a constant
    return format_html_join(
        "\n",
        '<li><a href="{}"{}>{}</a></li>',
        (
            (reverse(name, urlconf=urlconf), marked if section == current else "", label)
            for section, name, label in NAV_LINKS
        ),
    )


@register.simple_tag(takes_context=True)
def nav_links(context: template.Context) -> SafeString:
    """The site's sections as `<li>` links, the current page's section marked with aria-current."""
    match = getattr(context.get("request"), "resolver_match", None)
    return _nav(get_urlconf(), get_script_prefix(), (match.app_name if match else "") or "")
