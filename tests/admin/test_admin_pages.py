"""The admin staff work in: every page answers, rows name their runner by email (one accounts call per
page), a runner is found by email, the actions do what they say, and an extracted app's pages step aside."""

import datetime
import io
import re
import zipfile

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from apps.accounts import operations as accounts_operations
from apps.accounts.interface import testing as accounts_testing
from apps.accounts.models import DataExport
from apps.imports import operations as imports_operations
from apps.imports.models import ImportJob, Upload
from apps.plans.models import Plan, PlanTemplate
from apps.races.models import Race, Registration
from apps.reports.models import MonthSummary, ReportDelivery
from apps.runs.interface.local import LocalRunsService
from apps.runs.models import BestEffort, Run
from apps.strava.models import PendingEvent, StravaConnection
from apps.tokendealer import keys
from apps.tokendealer.models import ServiceClient
from project.events.models import CoalescedWork, Delivery, InboxEntry, OutboxEvent
from tests.imports import reference
from tests.runs import tracks

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 2, 7, tzinfo=datetime.UTC)


def _runs(user_ids):
    Run.objects.bulk_create(
        Run(
            user_id=user_id,
            source="manual",
            name=f"Run of {user_id}",
            start=START,
            timezone="UTC",
            local_date=START.date(),
            elapsed_s=3700,
            moving_s=3150,
            distance_m=10500,
        )
        for user_id in user_ids
    )


def _uploads(user_ids):
    return Upload.objects.bulk_create(
        Upload(user_id=user_id, original_name=f"{user_id}.gpx", file=f"uploads/{user_id}.gpx", size=2048, sha256="0")
        for user_id in user_ids
    )


def _jobs(user_ids):
    ImportJob.objects.bulk_create(ImportJob(user_id=upload.user_id, upload=upload) for upload in _uploads(user_ids))


def _plans(user_ids):
    template = PlanTemplate.objects.get(slug="10k-beginner")
    Plan.objects.bulk_create(
        Plan(
            user_id=user_id,
            race_id=user_id,
            race_name="Lyon 10K",
            race_date=datetime.date(2026, 6, 7),
            template=template,
            training_days=[1, 3, 5],
        )
        for user_id in user_ids
    )


def _race(name, added_by_id=None):
    return Race(
        name=name,
        starts_at=START,
        timezone="UTC",
        race_date=START.date(),
        distance_m=10000,
        city="Lyon",
        country="France",
        added_by_id=added_by_id,
    )


def _races(user_ids):
    Race.objects.bulk_create(_race(f"Race of {user_id}", user_id) for user_id in user_ids)


def _registrations(user_ids):
    races = Race.objects.bulk_create(_race(f"Race for {user_id}") for user_id in user_ids)
    Registration.objects.bulk_create(
        Registration(race=race, user_id=user_id, finish_s=2712) for race, user_id in zip(races, user_ids, strict=True)
    )


def _summaries(user_ids):
    """Months without runs: a month with runs has a longest run, which the report email shows."""
    MonthSummary.objects.bulk_create(MonthSummary(user_id=user_id, year=2025, month=10) for user_id in user_ids)


def _deliveries(user_ids):
    ReportDelivery.objects.bulk_create(
        ReportDelivery(user_id=user_id, year=2025, month=10, status="sent", claimed_at=START) for user_id in user_ids
    )


def _connections(user_ids):
    StravaConnection.objects.bulk_create(
        StravaConnection(
            user_id=user_id,
            athlete_id=1000 + user_id,
            scopes="read",
            access_token=b"",
            refresh_token=b"",
            expires_at=START,
        )
        for user_id in user_ids
    )


def _exports(user_ids):
    DataExport.objects.bulk_create(
        DataExport(user_id=user_id, status="ready", expires_at=START) for user_id in user_ids
    )


# Every list of a model that holds a runner's id, with how to fill it.
RUNNER_LISTS = {
    DataExport: _exports,
    Run: _runs,
    Upload: _uploads,
    ImportJob: _jobs,
    Plan: _plans,
    Race: _races,
    Registration: _registrations,
    MonthSummary: _summaries,
    ReportDelivery: _deliveries,
    StravaConnection: _connections,
}


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _result_rows(response):
    return re.findall(r'<tr>\s*<td class="action-checkbox">', response.content.decode())


def _users(count):
    return [accounts_testing.create_user() for _ in range(count)]


def test_every_model_that_holds_a_user_id_has_its_list_here():
    holders = {
        model_admin.model
        for model_admin in admin.site._registry.values()
        if model_admin.model._meta.app_label.startswith(
            ("accounts", "runs", "imports", "plans", "races", "reports", "strava")
        )
        and {"user_id", "added_by_id"} & {field.name for field in model_admin.model._meta.fields}
    }
    assert holders == set(RUNNER_LISTS)


@pytest.fixture
def everything(admin_user):
    """A row in every model the admin shows (a model added to the admin needs one here)."""
    maya = accounts_testing.create_user(email="maya@example.com")
    for fill in RUNNER_LISTS.values():
        fill([maya.id])
    Group.objects.create(name="Support")
    Token.objects.create(user=admin_user)
    accounts_operations.create_api_token(user_id=maya.id, name="Watch", scope="read", expires_in_days=None)
    ServiceClient.objects.create(client_id="reports", name="Reports", secret_hash="x", audiences=["runs"])
    keys.rotate()
    event = OutboxEvent.objects.create(name="runs.run_recorded", payload={"user_id": maya.id})
    Delivery.objects.create(event=event, subscriber="reports.refresh_on_run_recorded")
    InboxEntry.objects.create(event_id=event.id, subscriber="reports.refresh_on_run_recorded")
    PendingEvent.objects.create(athlete_id=1000 + maya.id, activity_id=555, kind="create", due_at=START)
    CoalescedWork.objects.create(
        subscriber="reports.refresh_on_run_recorded",
        key=f"{maya.id}:2026-03",
        event_name="runs.run_recorded",
        payload={},
        first_at=START,
        due_at=START,
    )
    return maya


def test_every_list_and_change_page_answers_for_staff(admin_client, everything):
    for model in admin.site._registry:
        assert admin_client.get(_changelist(model)).status_code == 200, model
        obj = model.objects.first()
        assert obj is not None, f"{model.__name__}: no row to open"
        change = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
        assert admin_client.get(change).status_code == 200, model


def test_the_site_is_named_and_has_one_accounts_section(admin_client):
    page = admin_client.get(reverse("admin:index"))
    html = page.content.decode()
    assert "<title>Apps and their data | Runnerly administration</title>" in html
    assert '<div id="site-name"><a href="/admin/">Runnerly administration</a></div>' in html
    assert [app["name"] for app in page.context["app_list"]].count("Accounts") == 1
    accounts = next(app for app in page.context["app_list"] if app["name"] == "Accounts")
    assert [entry["object_name"] for entry in accounts["models"]] == ["ApiToken", "DataExport", "User"]


def test_a_users_page_edits_their_email_addresses(admin_client):
    maya = accounts_testing.create_user(email="maya@example.com")
    page = admin_client.get(reverse("admin:accounts_user_change", args=[maya.id]))
    assert page.status_code == 200
    assert 'value="maya@example.com"' in page.content.decode()
    assert "emailaddress_set-TOTAL_FORMS" in page.content.decode()


@pytest.mark.parametrize("model", list(RUNNER_LISTS), ids=lambda model: model.__name__)
def test_each_list_shows_the_runners_email_and_finds_them_by_it(admin_client, model):
    maya, *others = _users(3)
    RUNNER_LISTS[model]([maya.id, *(other.id for other in others)])
    listed = admin_client.get(_changelist(model)).content.decode()
    user_link = reverse("admin:accounts_user_change", args=[maya.id])
    assert f'<a href="{user_link}">{maya.email}</a>' in listed
    found = admin_client.get(_changelist(model), {"q": maya.email.upper()})
    assert [row.pk for row in found.context["cl"].result_list] == list(
        model.objects.filter(**{"added_by_id" if model is Race else "user_id": maya.id}).values_list("pk", flat=True)
    )
    assert len(_result_rows(found)) == 1


@pytest.mark.parametrize("model", list(RUNNER_LISTS), ids=lambda model: model.__name__)
def test_a_list_runs_as_many_queries_for_100_rows_as_for_5(admin_client, model):
    users = _users(100)
    RUNNER_LISTS[model]([user.id for user in users[:5]])
    with CaptureQueriesContext(connection) as five:
        assert len(_result_rows(admin_client.get(_changelist(model)))) == 5
    RUNNER_LISTS[model]([user.id for user in users[5:]])
    with CaptureQueriesContext(connection) as hundred:
        page = admin_client.get(_changelist(model))
    assert len(_result_rows(page)) == 100
    assert page.content.decode().count("@example.com</a>") == 100
    assert len(hundred) == len(five), "\n".join(query["sql"] for query in hundred.captured_queries)


def test_search_by_email_finds_that_runners_runs_only(admin_client):
    maya = accounts_testing.create_user(email="maya@example.com")
    ben = accounts_testing.create_user(email="ben@example.com")
    _runs([maya.id, maya.id, ben.id])
    found = admin_client.get(_changelist(Run), {"q": "Maya@Example.com"})
    assert sorted(run.user_id for run in found.context["cl"].result_list) == [maya.id, maya.id]
    by_name = admin_client.get(_changelist(Run), {"q": "maya"})
    assert sorted(run.user_id for run in by_name.context["cl"].result_list) == [maya.id, maya.id]
    by_domain = admin_client.get(_changelist(Run), {"q": "example.com"})
    assert len(by_domain.context["cl"].result_list) == 3
    nobody = admin_client.get(_changelist(Run), {"q": "nobody@example.com"})
    assert list(nobody.context["cl"].result_list) == []


def test_a_deleted_runner_shows_as_such(admin_client):
    _runs([987654])
    assert "user 987654 (deleted)" in admin_client.get(_changelist(Run)).content.decode()


def test_runs_read_in_km_clock_time_and_pace(admin_client):
    maya = accounts_testing.create_user(email="maya@example.com")
    _runs([maya.id])
    html = admin_client.get(_changelist(Run)).content.decode()
    headers = re.findall(r'<th scope="col" class="(?:sortable )?column-(\w+)', html)
    assert headers == [
        "id",
        "runner",
        "local_date",
        "name",
        "sport",
        "source",
        "distance",
        "moving_time",
        "pace",
        "hidden",
    ]
    cells = dict(re.findall(r'<td class="field-(distance|moving_time|pace)">([^<]*)</td>', html))
    assert cells == {"distance": "10.50 km", "moving_time": "52:30", "pace": "5:00 /km"}


def test_recompute_rebuilds_a_runs_stats_from_its_streams(admin_client):
    maya = accounts_testing.create_user(email="maya@example.com")
    recorded = LocalRunsService().record_run(draft=tracks.draft(maya.id, tracks.track(tracks.INTERVAL_SEGMENTS))).run
    run = Run.objects.get(pk=recorded.id)
    distance, splits, efforts = (
        run.distance_m,
        run.splits,
        list(run.best_efforts.values_list("distance_key", "elapsed_s")),
    )
    assert efforts  # the 1 km the track holds, at least
    Run.objects.filter(pk=run.pk).update(distance_m=1.0, splits=[])
    BestEffort.objects.filter(run=run).delete()

    response = admin_client.post(_changelist(Run), {"action": "recompute", "_selected_action": [run.pk]}, follow=True)

    assert [str(message) for message in response.context["messages"]] == ["Recomputed 1 run(s)."]
    run.refresh_from_db()
    assert (run.distance_m, run.splits) == (distance, splits)
    assert list(run.best_efforts.values_list("distance_key", "elapsed_s")) == efforts


def _zip(names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, (reference.FIXTURES / name).read_bytes())
    return buffer.getvalue()


def test_retry_runs_a_failed_import_again_from_the_start(admin_client, settings, django_capture_on_commit_callbacks):
    maya = accounts_testing.create_user(email="maya@example.com")
    settings.IMPORTS_MAX_ZIP_FILES = 1
    with django_capture_on_commit_callbacks(execute=True):
        job = imports_operations.create_upload(
            user_id=maya.id, name="two.zip", data=_zip(["gpx11_strava_run_hr.gpx", "gpx11_garmin_connect_run_hr.gpx"])
        )
    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", "two.zip: 2 files, more than the 1 a zip may hold")
    done = imports_operations.create_upload(user_id=maya.id, name="one.gpx", data=_zip(["gpx11_strava_run_hr.gpx"]))
    settings.IMPORTS_MAX_ZIP_FILES = 1000

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            _changelist(ImportJob), {"action": "retry", "_selected_action": [job.pk, done.pk]}, follow=True
        )

    assert [str(message) for message in response.context["messages"]] == [
        "Sent 1 job(s) again.",
        "Left 1 job(s) alone: not failed.",
    ]
    job.refresh_from_db()
    assert (job.status, job.message, job.attempts, job.total_files, job.imported, job.failed) == (
        "done",
        "",
        1,
        2,
        2,
        0,
    )
    assert job.items.count() == 2


def test_job_retry_leaves_a_job_that_did_not_fail_alone(django_capture_on_commit_callbacks):
    maya = accounts_testing.create_user(email="maya@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        job = imports_operations.create_upload(user_id=maya.id, name="two.zip", data=_zip(["gpx11_strava_run_hr.gpx"]))
    job.refresh_from_db()
    assert (job.status, job.imported) == ("done", 1)
    assert imports_operations.retry_job(job_id=job.pk) is False
    job.refresh_from_db()
    assert (job.status, job.imported, job.items.count()) == ("done", 1, 1)


@pytest.mark.parametrize("model", [ReportDelivery, MonthSummary], ids=lambda model: model.__name__)
def test_send_again_sends_a_months_report_to_that_runner_once_more(admin_client, model):
    maya = accounts_testing.create_user(email="maya@example.com", wants_empty_monthly_report=True)
    ben = accounts_testing.create_user(email="ben@example.com", wants_empty_monthly_report=True)
    _summaries([maya.id, ben.id])
    _deliveries([maya.id, ben.id])
    row = model.objects.get(user_id=maya.id)

    response = admin_client.post(
        _changelist(model), {"action": "send_again", "_selected_action": [row.pk]}, follow=True
    )

    assert [str(message) for message in response.context["messages"]] == ["2025-10, maya@example.com: sent."]
    assert [(message.to, message.subject) for message in mail.outbox] == [
        (["maya@example.com"], "Your running in October 2025")
    ]
    delivery = ReportDelivery.objects.get(user_id=maya.id, year=2025, month=10)
    assert (delivery.status, delivery.attempts, delivery.email) == ("sent", 1, "maya@example.com")
    assert ReportDelivery.objects.get(user_id=ben.id).claimed_at == START  # untouched


def test_extracted_apps_step_out_of_the_admin(admin_client, everything, settings):
    settings.EXTRACTED_APPS = ["reports", "strava"]
    index = admin_client.get(reverse("admin:index"))
    assert index.status_code == 200
    shown = {entry["admin_url"] for app in index.context["app_list"] for entry in app["models"]}
    for model, model_admin in admin.site._registry.items():
        url = _changelist(model)
        if model._meta.app_label in settings.EXTRACTED_APPS:
            assert url not in shown
            assert admin_client.get(url).status_code == 403, model
            continue
        assert url in shown, model
        assert admin_client.get(url).status_code == 200, model
        obj = model.objects.first()
        change = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
        assert admin_client.get(change).status_code == 200, model
        if model_admin.has_add_permission(index.wsgi_request):
            assert (
                admin_client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")).status_code
                == 200
            )
    assert admin_client.get("/admin/reports/").status_code == 404


def test_a_search_matching_more_runners_than_it_can_list_says_so(admin_client, settings, monkeypatch):
    from project.web import admin as web_admin

    monkeypatch.setattr(web_admin, "SEARCH_RUNNERS_LIMIT", 3)  # the accounts interface's page, made small
    users = [accounts_testing.create_user(email=f"runner{n}@corp.example") for n in range(4)]
    _runs([user.id for user in users])
    page = admin_client.get(_changelist(Run), {"q": "corp.example"})
    assert len(page.context["cl"].result_list) == 3
    assert [str(message) for message in page.context["messages"]] == [
        "More than 3 runners' emails contain “corp.example”: only the rows of the first 3 are shown. "
        "Search for more of the address."
    ]
    fewer = admin_client.get(_changelist(Run), {"q": "runner1@corp.example"})
    assert (len(fewer.context["cl"].result_list), list(fewer.context["messages"])) == (1, [])


def test_a_runs_change_page_labels_its_numbers_with_their_units(admin_client):
    maya = accounts_testing.create_user(email="maya@example.com")
    _runs([maya.id])
    page = admin_client.get(reverse("admin:runs_run_change", args=[Run.objects.get().pk])).content.decode()
    for label in ["Distance (m)", "Moving (s)", "Elapsed (s)", "Runner (user id)"]:
        assert f">{label}:</label>" in page or f"<label>{label}:</label>" in page, label
    assert "Distance m" not in page


def test_a_run_staff_change_or_delete_reaches_the_month_report(admin_client, rf, django_capture_on_commit_callbacks):
    """The admin goes around the runs service's writes: it announces them as they would, so reports follow."""
    from apps.reports.interface.service import reports_service
    from apps.runs.admin import RunAdmin

    maya = accounts_testing.create_user(email="maya@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        first, second = (
            LocalRunsService()
            .record_run(draft=tracks.draft(maya.id, tracks.track([(1800, 3.0)]), source_id=name, start=start))
            .run
            for name, start in (("a", START), ("b", START + datetime.timedelta(days=1)))
        )

    def month_runs():
        return reports_service.get_month_report(user_id=maya.id, year=2026, month=3).summary.runs

    assert month_runs() == 2
    assert 'name="user_id"' not in admin_client.get(reverse("admin:runs_run_change", args=[first.id])).content.decode()
    run = Run.objects.get(pk=first.id)
    running_efforts = set(BestEffort.objects.filter(run=run).values_list("distance_key", flat=True))
    run.sport = "ride"  # a ride is not counted in a runner's report
    with django_capture_on_commit_callbacks(execute=True):
        RunAdmin(Run, admin.site).save_model(rf.post("/"), run, form=None, change=True)
    assert month_runs() == 1
    riding_efforts = set(BestEffort.objects.filter(run=run).values_list("distance_key", flat=True))
    assert "1k" in running_efforts
    assert riding_efforts != running_efforts  # a ride's efforts, computed anew
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:runs_run_delete", args=[second.id]), {"post": "yes"})
    assert response.status_code == 302
    assert month_runs() == 0
    assert not Run.objects.filter(pk=second.id).exists()


def test_a_race_renamed_or_moved_by_staff_is_renamed_and_moved_in_its_plans(rf, django_capture_on_commit_callbacks):
    from apps.plans.interface.service import plans_service
    from apps.races.admin import RaceAdmin
    from apps.races.interface import testing as races_testing

    maya = accounts_testing.create_user(email="maya@example.com")
    today = datetime.datetime.now(datetime.UTC).date()
    added = races_testing.add_race(added_by_id=maya.id, name="Harbour 10K", race_date=today + datetime.timedelta(70))
    plan = plans_service.create_plan(
        user_id=maya.id, race_id=added.id, template="10k-beginner", training_days=[1, 3, 5]
    )
    race = Race.objects.get(pk=added.id)
    race.name, race.race_date = "Harbour 10K (new course)", race.race_date + datetime.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        RaceAdmin(Race, admin.site).save_model(rf.post("/"), race, form=None, change=True)
    again = plans_service.get_plan(user_id=maya.id, plan_id=plan.id)
    assert (again.race_name, again.race_date) == ("Harbour 10K (new course)", race.race_date)
