"""StravaService, every method in both service modes (the pages call it, so it can run elsewhere)."""

import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface.service import runs_service
from apps.strava.interface import contracts, errors
from apps.strava.interface.service import strava_service

pytestmark = pytest.mark.django_db
ATHLETE = 902


def test_completing_a_connection_imports_then_disconnecting_deletes(
    service_mode, fake_strava, django_capture_on_commit_callbacks
):
    runner = accounts_testing.create_user(email="ada@example.com")
    fake_strava.add_athlete(ATHLETE, activities=12)
    fake_strava.codes["code-1"] = ATHLETE
    with django_capture_on_commit_callbacks(execute=True):
        status = strava_service.complete_connection(user_id=runner.id, code="code-1", scopes="read,activity:read_all")
    assert (status.state, status.athlete_id) == (contracts.ConnectionState.ACTIVE, ATHLETE)
    after = strava_service.get_connection_status(user_id=runner.id)
    assert (after.backfill, after.imported) == ("done", 12)
    assert len(runs_service.list_runs(user_id=runner.id, include_hidden=True).runs) == 12
    with django_capture_on_commit_callbacks(execute=True):
        assert strava_service.disconnect(user_id=runner.id) == 12
    assert runs_service.list_runs(user_id=runner.id, include_hidden=True).runs == []
    assert strava_service.get_connection_status(user_id=runner.id).state == contracts.ConnectionState.NOT_CONNECTED
    assert strava_service.disconnect(user_id=runner.id) == 0


def test_a_connection_without_the_scope_or_with_a_bad_code_is_refused(service_mode, fake_strava):
    runner = accounts_testing.create_user(email="ada@example.com")
    fake_strava.add_athlete(ATHLETE)
    with pytest.raises(errors.MissingScope, match="Runnerly needs to see all your activities"):
        strava_service.complete_connection(user_id=runner.id, code="x", scopes="read")
    with pytest.raises(errors.StravaRefused, match="Strava did not accept the connection"):
        strava_service.complete_connection(user_id=runner.id, code="never-issued", scopes="read,activity:read_all")
    assert strava_service.get_connection_status(user_id=runner.id).state == contracts.ConnectionState.NOT_CONNECTED
