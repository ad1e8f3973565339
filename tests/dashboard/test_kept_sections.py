"""Each dashboard section is an answer the page keeps until its service forgets the version it was computed under
(project/rpc/versions.py): whatever a runner or another runner changes shows on the next view, never an hour later."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.accounts.interface import testing as accounts_testing
from apps.plans.interface.service import plans_service
from apps.races.interface import contracts as races_contracts
from apps.races.interface import testing as races_testing
from apps.races.interface.service import races_service
from apps.runs.interface import contracts
from apps.runs.interface.service import runs_service

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
ZONE = "Europe/Paris"


@pytest.fixture
def runner(client):
    profile = accounts_testing.create_user(email="ada@example.com", password=PASSWORD, timezone=ZONE)
    client.login(email="ada@example.com", password=PASSWORD)
    return profile


def _today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


def _dashboard(client) -> str:
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return response.content.decode()


def _section(content: str, element_id: str) -> str:
    return re.search(rf'<section[^>]*id="{element_id}".*?</section>', content, re.DOTALL).group(0)


def test_a_run_of_last_month_shows_in_its_report_at_once(client, runner, django_capture_on_commit_callbacks):
    assert "No runs last month." in _section(_dashboard(client), "report-card")
    last_month = _today().replace(day=1) - datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):  # the run's event refreshes the month's summary
        runs_service.record_run(
            draft=contracts.RunDraft(
                user_id=runner.id,
                source=contracts.Source.MANUAL,
                name="Last month",
                start=datetime.datetime.combine(last_month, datetime.time(10), datetime.UTC),
                timezone=ZONE,
                distance_m=8000.0,
                elapsed_s=2400.0,
            )
        )
    report = _section(_dashboard(client), "report-card")
    assert "<strong>1 run</strong>, <strong>8.00 km</strong>" in report


def test_a_plan_chosen_its_sessions_ticked_and_dropped_show_at_once(
    client, runner, django_capture_on_commit_callbacks
):
    race = races_testing.add_race(
        added_by_id=runner.id, name="Harbour Half", race_date=_today() + datetime.timedelta(days=35), timezone=ZONE
    )
    assert "No training plan." in _section(_dashboard(client), "next-sessions")
    with django_capture_on_commit_callbacks(execute=True):
        plan = plans_service.create_plan(
            user_id=runner.id, race_id=race.id, template="half-beginner", training_days=[0, 2, 4, 6]
        )
    sessions = _section(_dashboard(client), "next-sessions")
    assert sessions.count("· for Harbour Half") == 5
    with django_capture_on_commit_callbacks(execute=True):
        plans_service.delete_plan(user_id=runner.id, plan_id=plan.id)
    assert "No training plan." in _section(_dashboard(client), "next-sessions")


def test_races_others_add_and_the_runners_own_show_at_once(client, runner, django_capture_on_commit_callbacks):
    bob = accounts_testing.create_user(email="bob@example.com")
    content = _dashboard(client)
    assert "No upcoming race added by others yet." in content
    assert "No race yet." in content
    with django_capture_on_commit_callbacks(execute=True):  # another runner's write forgets everyone's answer
        race = races_testing.add_race(added_by_id=bob.id, name="Bob's 10K", race_date=_today() + datetime.timedelta(9))
    content = _dashboard(client)
    assert f'<a href="/races/{race.id}/">Bob&#x27;s 10K</a>' in _section(content, "races-card")
    assert "No race yet." in content
    with django_capture_on_commit_callbacks(execute=True):
        races_service.set_running(user_id=runner.id, race_id=race.id, running=True)
        races_service.update_race(
            race_id=race.id,
            user_id=bob.id,
            is_staff=False,
            draft=races_contracts.RaceDraft(
                name="Bob's Harbour 10K",
                race_date=race.race_date,
                start_time=datetime.time(9),
                distance_m=10000.0,
                city="Paris",
                country="France",
                timezone=ZONE,
            ),
        )
    races = _section(_dashboard(client), "races-card")
    # Now among the runner's races, and still among those others added.
    assert re.findall(r"<li><a href=\"/races/\d+/\">([^<]+)</a>", races) == ["Bob&#x27;s Harbour 10K"] * 2
    assert "No race yet." not in races


def test_an_import_that_failed_shows_at_once(client, runner, django_capture_on_commit_callbacks):
    assert "Import of" not in _dashboard(client)
    with django_capture_on_commit_callbacks(execute=True):  # the job runs (eagerly) once the upload commits
        response = client.post("/imports/", {"files": SimpleUploadedFile("broken.gpx", b"<gpx><trk>")})
    assert response.status_code == 302
    assert re.search(r"Import of <a href=\"/imports/jobs/[0-9a-f-]+/\">broken.gpx</a>: failed", _dashboard(client))
