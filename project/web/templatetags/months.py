"""Months and month-to-month changes, for report pages, emails and the dashboard."""

import calendar

from django import template

register = template.Library()


@register.filter
def change(current, previous):
    """'+12%' or '-5%' from the previous value to this one; an en dash when there is nothing to compare with."""
    if not previous:
        return "\N{EN DASH}"
    percent = round((current - previous) / previous * 100)
    return f"{percent:+d}%"


@register.filter
def two_digits(value):
    return f"{int(value):02d}"


@register.filter
def month_label(totals):
    """'September 2026' for anything with `year` and `month`."""
    return f"{calendar.month_name[totals.month]} {totals.year}"


@register.filter
def month_name(number):
    return calendar.month_name[int(number)]
