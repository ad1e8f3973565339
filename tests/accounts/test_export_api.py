"""The data export over the API: ask, follow, download; an export is its owner's alone (anyone else: 404)."""

import datetime
import io
import json
import uuid
import zipfile

import pytest
from rest_framework.test import APIClient

from apps.accounts import operations
from apps.accounts.interface import testing as accounts_testing
from apps.accounts.models import DataExport
from apps.runs.interface import testing as runs_testing
from project.authentication import TokenScope

pytestmark = pytest.mark.django_db
NOT_FOUND = {"code": "not_found", "message": "No such export.", "fields": {}}


def _token(user_id: int, scope: TokenScope = TokenScope.READ_WRITE) -> str:
    return operations.create_api_token(user_id=user_id, name="script", scope=scope, expires_in_days=30)[1]


def _client(token: str | None = None) -> APIClient:
    client = APIClient()
    if token is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _time(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _body(export: DataExport, download_url: str | None = None) -> dict:
    return {
        "id": str(export.pk),
        "status": export.status,
        "done": export.done,
        "total": export.total,
        "message": export.message,
        "created_at": _time(export.created_at),
        "finished_at": _time(export.finished_at),
        "expires_at": _time(export.expires_at),
        "download_url": download_url,
    }


@pytest.fixture
def ada():
    profile = accounts_testing.create_user(email="ada@example.com")
    runs_testing.record_manual_run(
        user_id=profile.id, start=datetime.datetime(2026, 5, 1, 7, 30, tzinfo=datetime.UTC), name="Lunch run"
    )
    return _client(_token(profile.id))


@pytest.fixture
def bo():
    return _client(_token(accounts_testing.create_user(email="bo@example.com").id))


def test_a_runner_asks_for_an_export_follows_it_and_downloads_the_zip(ada, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as on_commit:
        response = ada.post("/api/v1/exports/")
    queued = DataExport.objects.get()
    assert response.status_code == 202
    assert response.json() == _body(queued)
    assert (queued.status, queued.done, queued.total, queued.finished_at) == ("queued", 0, 0, None)
    for callback in on_commit:  # as the commit would: send the task, which runs eagerly here
        callback()

    export = DataExport.objects.get()
    url = f"http://testserver/api/v1/exports/{export.pk}/download/"
    status = ada.get(f"/api/v1/exports/{export.pk}/")
    assert status.status_code == 200
    assert status.json() == _body(export, download_url=url)
    assert (export.status, export.done, export.total) == ("ready", 1, 1)  # the one run

    download = ada.get(url, HTTP_ACCEPT="application/zip")  # as the schema says, and as generated clients ask
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert (
        download["Content-Disposition"] == f'attachment; filename="runnerly-export-{export.created_at:%Y-%m-%d}.zip"'
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    account = json.loads(archive.read("account.json"))
    assert (account["profile"]["email"], account["email_addresses"][0]["email"]) == (
        "ada@example.com",
        "ada@example.com",
    )


def test_asking_again_while_an_export_is_prepared_answers_that_export(ada):
    first = ada.post("/api/v1/exports/")  # the task waits for the commit, which a test transaction never makes
    again = ada.post("/api/v1/exports/")
    export = DataExport.objects.get()
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json() == again.json() == _body(export)
    assert export.status == "queued"


def test_the_list_holds_the_runners_own_exports_newest_first(ada, bo, django_assert_max_num_queries):
    failed = DataExport.objects.get(pk=ada.post("/api/v1/exports/").json()["id"])
    DataExport.objects.filter(pk=failed.pk).update(status="failed", message="The export could not be prepared (X).")
    failed.refresh_from_db()
    queued = DataExport.objects.get(pk=ada.post("/api/v1/exports/").json()["id"])
    bo.post("/api/v1/exports/")
    with django_assert_max_num_queries(1):  # the exports (the token's user is cached)
        response = ada.get("/api/v1/exports/")
    assert response.status_code == 200
    assert response.json() == {"exports": [_body(queued), _body(failed)]}


def test_a_download_before_the_export_is_ready_answers_409_with_why(ada):
    export = DataExport.objects.get(pk=ada.post("/api/v1/exports/").json()["id"])
    response = ada.get(f"/api/v1/exports/{export.pk}/download/", HTTP_ACCEPT="application/zip")
    assert (response.status_code, response["Content-Type"], response.json()) == (
        409,
        "application/json",
        {
            "code": "export_not_ready",
            "message": "This export is not ready yet; its status says how far it has got.",
            "fields": {},
        },
    )
    DataExport.objects.filter(pk=export.pk).update(status="failed", message="The export could not be prepared (X).")
    response = ada.get(f"/api/v1/exports/{export.pk}/download/")
    assert (response.status_code, response.json()) == (
        409,
        {
            "code": "export_not_ready",
            "message": "The export could not be prepared (X). Ask for a new export.",
            "fields": {},
        },
    )


def test_another_runner_gets_404_for_the_export_and_its_zip(ada, bo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export_id = ada.post("/api/v1/exports/").json()["id"]
    assert DataExport.objects.get().status == "ready"
    for path in (f"/api/v1/exports/{export_id}/", f"/api/v1/exports/{export_id}/download/"):
        response = bo.get(path)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert bo.get("/api/v1/exports/").json() == {"exports": []}
    unknown = uuid.uuid4()  # no different from someone else's: nothing tells whether an id exists
    response = ada.get(f"/api/v1/exports/{unknown}/")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_an_anonymous_request_gets_401_and_starts_nothing(ada):
    export_id = ada.post("/api/v1/exports/").json()["id"]
    anonymous = _client()
    for method, path in [
        ("post", "/api/v1/exports/"),
        ("get", "/api/v1/exports/"),
        ("get", f"/api/v1/exports/{export_id}/"),
        ("get", f"/api/v1/exports/{export_id}/download/"),
    ]:
        response = getattr(anonymous, method)(path)
        assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")
    assert DataExport.objects.count() == 1


def test_a_read_token_may_follow_exports_but_not_ask_for_one(ada):
    user_id = accounts_testing.create_user(email="cy@example.com").id
    reader = _client(_token(user_id, TokenScope.READ))
    response = reader.post("/api/v1/exports/")
    assert (response.status_code, response.json()) == (
        403,
        {
            "code": "token_read_only",
            "message": "This token can only read. Create a token with read and write access to change data.",
            "fields": {},
        },
    )
    assert DataExport.objects.count() == 0
    export = operations.request_export(user_id=user_id)[0]
    assert reader.get("/api/v1/exports/").json() == {"exports": [_body(export)]}
    assert reader.get(f"/api/v1/exports/{export.pk}/").json() == _body(export)
