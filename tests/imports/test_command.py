"""manage.py import_activities: what it prints."""

import io

import pytest
from django.core.management import call_command

from apps.accounts.interface import testing as accounts_testing
from tests.imports import reference

pytestmark = pytest.mark.django_db


def test_the_command_prints_the_notes_of_imported_activities_and_the_failures():
    accounts_testing.create_user(email="ada@example.com")
    out = io.StringIO()
    call_command(
        "import_activities",
        str(reference.FIXTURES / "gpx10_expertgps_mtb_multisegment.gpx"),
        str(reference.FIXTURES / "gpx11_bikerouter_route_no_timestamps.gpx"),
        user="ada@example.com",
        stdout=out,
    )
    lines = out.getvalue().splitlines()
    assert lines[0] == "Imported 3, duplicates 0, failed 1."
    notes = [line for line in lines if line.startswith("  note: ")]
    assert len(notes) == 3
    assert all("no sport in the file; taken as a ride from its speeds" in note for note in notes)
    assert lines[-1].startswith("  failed: gpx11_bikerouter_route_no_timestamps.gpx: the GPX file has no timestamps")
