"""One date format across the site: "Tue 4 Jan 2027", "Tue 4 Jan 2027, 07:30" (project/web/templatetags/dates.py).

Templates show dates through the `day`, `day_time` and `month` filters; `|date:` is left for ISO values that a
machine reads (a date input's value="2027-01-04"), and `|time:` for a time of day, "07:30".
"""

import datetime
import pathlib
import re
import zoneinfo

import pytest
from django.template import Context, Template

from project.web.templatetags import dates

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEMPLATES = sorted(
    path
    for folder in [ROOT / "project" / "templates", *(ROOT / "apps").glob("*/templates")]
    for path in folder.rglob("*")
    if path.suffix in (".html", ".txt")
)
FORMATTED = re.compile(r"\|\s*(date|time)\b(?:\s*:\s*(\"[^\"]*\"|'[^']*'|[\w.]+))?")
ALLOWED = {"date": "Y-m-d", "time": "H:i"}


def test_templates_are_found():
    names = {path.relative_to(ROOT).as_posix() for path in TEMPLATES}
    assert {"apps/plans/templates/plans/detail.html", "apps/reports/templates/reports/email.txt"} <= names
    assert len(TEMPLATES) > 30


def test_no_template_writes_a_date_in_a_format_of_its_own():
    found = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}: {match.group(0)}"
        for path in TEMPLATES
        for text in [path.read_text()]
        for match in FORMATTED.finditer(text)
        if (match.group(2) or "").strip("\"'") != ALLOWED[match.group(1)]
    ]
    assert found == []


def test_the_rule():
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    assert dates.day(datetime.date(2027, 1, 4)) == "Mon 4 Jan 2027"
    assert dates.day(datetime.date(2026, 12, 25)) == "Fri 25 Dec 2026"
    assert dates.day_time(datetime.datetime(2027, 1, 4, 7, 30, tzinfo=paris)) == "Mon 4 Jan 2027, 07:30"
    assert dates.month(datetime.date(2027, 1, 4)) == "January 2027"
    assert (dates.day(None), dates.day_time(None), dates.month(None)) == ("", "", "")


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("{{ value|day }}", "Mon 4 Jan 2027"),  # the current zone (UTC here) as Django's |date would
        ("{{ value|day_time }}", "Mon 4 Jan 2027, 06:30"),
        ("{{ value|timezone:'Pacific/Auckland'|day_time }}", "Mon 4 Jan 2027, 19:30"),
        ("{% timezone 'America/New_York' %}{{ value|day_time }}{% endtimezone %}", "Mon 4 Jan 2027, 01:30"),
    ],
)
def test_in_a_template_a_datetime_is_shown_in_the_zone_in_force(source, shown):
    value = datetime.datetime(2027, 1, 4, 6, 30, tzinfo=datetime.UTC)
    assert Template("{% load dates tz %}" + source).render(Context({"value": value})) == shown
