"""The one way the site writes a date: "Tue 4 Jan 2027", and with a time of day "Tue 4 Jan 2027, 07:30".

Every page and email shows dates through these filters (`{% load dates %}`, `{{ run.local_date|day }}`), and
Python code that words a date (a form's choice, a message) calls the same functions. The year is always there:
a plan or a race may be next year, and a page reads the same whatever day it is read on. The only other format
a template may use is ISO (`|date:"Y-m-d"`), for what a machine reads (a date input's value); a time alone is
`|time:"H:i"` (tests/project/test_date_format.py keeps it so).
"""

import datetime

from django import template
from django.utils import dateformat

register = template.Library()

DAY = "D j M Y"
DAY_TIME = "D j M Y, H:i"
MONTH = "F Y"


@register.filter(expects_localtime=True)
def day(value: datetime.date | None) -> str:
    """ "Tue 4 Jan 2027" (a datetime: its date, in the zone it carries)."""
    return "" if value is None else dateformat.format(value, DAY)


@register.filter(expects_localtime=True)
def day_time(value: datetime.datetime | None) -> str:
    """ "Tue 4 Jan 2027, 07:30", in the zone the value carries (`|timezone:` first for another)."""
    return "" if value is None else dateformat.format(value, DAY_TIME)


@register.filter(expects_localtime=True)
def month(value: datetime.date | None) -> str:
    """ "January 2027": a month, for a heading."""
    return "" if value is None else dateformat.format(value, MONTH)
