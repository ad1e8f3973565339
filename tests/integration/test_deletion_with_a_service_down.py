"""Deleting an account while an extracted app is down leaves nothing once it is back (issue #13).

The reports service (its own gunicorn, database, worker and queue, as in test_extraction.py) holds
month summaries and a sent report of the runner; every other app holds something too. With the
service stopped, the account is deleted through the page: the monolith's apps delete what they hold
at once, and reports' delivery waits. Once the service is started again, every model of every app
with a runner id (found by introspection, in the database the router puts it in) has no row of
the runner, and storage has no file of theirs.
"""

import datetime

import psycopg2
import pytest
from django.apps import apps as django_apps
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, router
from psycopg2 import sql

from apps.accounts import operations as accounts_operations
from apps.accounts.interface import testing as accounts_testing
from apps.plans.interface.service import plans_service
from apps.races import operations as races_operations
from apps.races.interface import testing as races_testing
from apps.races.interface.service import races_service
from apps.reports.interface.service import reports_service
from apps.runs.interface.testing import record_manual_run
from apps.strava.interface.service import strava_service
from project import authentication
from project.celery import app as celery_app
from project.events.models import Delivery
from project.rpc import remote
from tests.imports.reference import FIXTURES
from tests.integration.test_extraction import PASSWORD, _wait_for, reports_database, split  # noqa: F401 (fixtures)
from tests.system.test_deletion_everywhere import _files_of, _runner_fields

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ATHLETE = 905
STRAVA_SETTINGS = ("STRAVA_API_URL", "STRAVA_OAUTH_URL", "STRAVA_CLIENT_ID", "STRAVA_CLIENT_SECRET")


@pytest.fixture
def split_with_strava(workers, fake_strava, settings, request):
    """The split deployment of test_extraction.py, the monolith's worker pointed at the fake Strava."""
    workers.queue_env["celery"] = {name: str(getattr(settings, name)) for name in STRAVA_SETTINGS}
    return request.getfixturevalue("split")


def _rows_of(user_id: int, service_databases: dict[str, str]) -> dict[str, int]:
    """Rows holding this runner's id in every model of every app, each counted where the router keeps it:
    the monolith's database, or the database of the service an extracted app runs as."""
    found = {}
    for model in django_apps.get_models():
        label = model._meta.app_label
        in_monolith = router.allow_migrate(DEFAULT_DB_ALIAS, label, model_name=model._meta.model_name)
        for name in _runner_fields(model):
            if in_monolith:
                count = model._default_manager.filter(**{name: user_id}).count()
            else:  # the monolith may not query it (project/routers.py): ask the service's own database
                with psycopg2.connect(service_databases[label]) as database, database.cursor() as cursor:
                    cursor.execute(
                        sql.SQL("SELECT count(*) FROM {} WHERE {} = %s").format(
                            sql.Identifier(model._meta.db_table), sql.Identifier(model._meta.get_field(name).column)
                        ),
                        [user_id],
                    )
                    count = cursor.fetchone()[0]
                database.close()
            if count:
                found[f"{label}.{model._meta.object_name}.{name}"] = count
    return found


def _athletes_with_tokens(fake_strava) -> set[int]:
    return {athlete for athlete, _ in fake_strava.access_tokens.values()}


def _waiting() -> list[str]:
    return sorted(Delivery.objects.filter(delivered_at=None).values_list("subscriber", flat=True))


def test_deleting_an_account_while_reports_is_down_leaves_nothing_once_it_is_back(
    split_with_strava, client, fake_strava, tmp_path
):
    reports, _ = split_with_strava
    services = {"reports": reports.env["DATABASE_URL"]}
    runner = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    other = accounts_testing.create_user(email="bo@example.com")
    client.login(email="ada@example.com", password=PASSWORD)

    # Something of the runner in every app: an upload, a Strava-linked run, a manual run, races, a plan...
    with (FIXTURES / "gpx11_strava_run_hr.gpx").open("rb") as gpx:
        assert client.post("/api/v1/uploads/", {"file": gpx}).status_code == 202
    fake_strava.add_athlete(ATHLETE, activities=2)
    fake_strava.codes["code-ada"] = ATHLETE
    strava_service.complete_connection(user_id=runner.id, code="code-ada", scopes="read,activity:read_all")
    assert _wait_for(lambda: strava_service.get_connection_status(user_id=runner.id).backfill == "done")
    ran = record_manual_run(
        user_id=runner.id, start=datetime.datetime(2026, 10, 4, 8, tzinfo=datetime.UTC), distance_m=10000.0
    )
    own = races_testing.add_race(
        added_by_id=runner.id, name="Harbour 10K", race_date=datetime.date.today() + datetime.timedelta(days=84)
    )
    shared = races_testing.add_race(
        added_by_id=other.id, name="City 10K", race_date=datetime.date(2026, 10, 4), timezone="UTC"
    )
    races_service.set_running(user_id=runner.id, race_id=shared.id, running=True)
    races_operations.confirm_result(user_id=runner.id, race_id=shared.id, run_id=ran.id)
    plans_service.create_plan(user_id=runner.id, race_id=own.id, template="10k-beginner", training_days=[1, 3, 5])
    accounts_operations.create_api_token(
        user_id=runner.id, name="watch", scope=authentication.TokenScope.READ, expires_in_days=None
    )
    # ...month summaries and a send log line in the reports service, and an export built by the worker.
    assert _wait_for(
        lambda: reports_service.get_month_report(user_id=runner.id, year=2026, month=10).summary.runs == 1
    )
    # A line of the send log, written by the service's worker as it sends the report (links to the site's pages).
    celery_app.send_task(
        "reports.send_report", kwargs={"user_id": runner.id, "year": 2026, "month": 10}, queue="reports"
    )
    assert _wait_for(
        lambda: (
            [(s.year, s.month, s.status) for s in reports_service.export_user_data(user_id=runner.id).send_log]
            == [(2026, 10, "sent")]
        )
    )
    assert client.post("/profile/export/").status_code == 302
    assert _wait_for(lambda: len(_files_of(runner.id)) == 2)  # the upload and the export
    assert _wait_for(lambda: _waiting() == [])
    before = _rows_of(runner.id, services)
    assert set(before) >= {
        "account.EmailAddress.user_id",
        "accounts.ApiToken.user_id",
        "accounts.DataExport.user_id",
        "imports.Upload.user_id",
        "imports.ImportJob.user_id",
        "runs.Run.user_id",
        "runs.BestEffort.user_id",
        "strava.StravaConnection.user_id",
        "races.Race.added_by_id",
        "races.Registration.user_id",
        "plans.Plan.user_id",
        "reports.MonthSummary.user_id",
        "reports.ReportDelivery.user_id",
    }
    assert before["runs.Run.user_id"] == 4  # the upload's, Strava's two, the manual one
    assert before["reports.ReportDelivery.user_id"] == 1
    assert ATHLETE in _athletes_with_tokens(fake_strava)
    files = _files_of(runner.id)
    assert all(default_storage.exists(name) for name in files)

    # Reports down: the account goes, the monolith's apps delete theirs, reports' delivery waits.
    reports.stop()
    remote.reset_breakers()
    response = client.post("/profile/delete/", {"password": PASSWORD})
    assert (response.status_code, response["Location"]) == (302, "/")
    assert _wait_for(lambda: _waiting() == ["reports.delete_data_of_deleted_user"])
    left = _rows_of(runner.id, services)
    assert left == {
        "reports.MonthSummary.user_id": before["reports.MonthSummary.user_id"],
        "reports.ReportDelivery.user_id": 1,
    }
    assert [name for name in files if default_storage.exists(name)] == []
    assert ATHLETE not in _athletes_with_tokens(fake_strava)  # Strava was told before the tokens went

    # Reports back: its delivery arrives, and nothing of the runner is left anywhere.
    reports.start()
    remote.reset_breakers()
    assert _wait_for(lambda: _waiting() == [], timeout=60), _waiting()
    assert _rows_of(runner.id, services) == {}
    assert [path.name for path in tmp_path.rglob("*") if path.is_file()] == []
    assert races_service.get_race(race_id=own.id).added_by_id is None  # a race stays, without who added it
