"""The REST API under /api/v1/: runs, records, uploads and jobs, each scoped to its owner."""

import datetime
import uuid

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface.service import runs_service
from apps.runs.models import Run
from tests.imports import reference
from tests.runs.tracks import INTERVAL_SEGMENTS, draft, track

pytestmark = pytest.mark.django_db


@pytest.fixture
def runner():
    return accounts_testing.create_user(email="ada@example.com")


@pytest.fixture
def api(runner):
    client = APIClient()
    client.force_authenticate(user=_user(runner.id))
    return client


def _user(user_id):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=user_id)


MANUAL = {"start": "2026-05-01T07:30:00+02:00", "distance_m": 10000, "elapsed_s": 3000, "name": "Parkrun x2"}


def test_an_anonymous_request_gets_401_in_the_error_shape():
    response = APIClient().get("/api/v1/runs/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "fields": {},
    }


def test_a_token_authenticates(runner):
    token = Token.objects.create(user=_user(runner.id))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/runs/").json() == {"runs": [], "next_cursor": None}


def test_creating_a_manual_run_and_reading_it_back(api, runner):
    response = api.post("/api/v1/runs/", MANUAL, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["distance_m"], body["pace_s_per_km"], body["start"]) == (
        "Parkrun x2",
        10000.0,
        300.0,
        "2026-05-01T05:30:00Z",
    )
    assert api.get(f"/api/v1/runs/{body['id']}/").json() == body


def test_a_bad_manual_run_gets_400_naming_the_fields(api):
    response = api.post(
        "/api/v1/runs/", {**MANUAL, "elapsed_s": 0, "sport": "swim", "start": "yesterday"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["message"]) == ("invalid", "Some fields are not valid; see fields.")
    assert sorted(body["fields"]) == ["elapsed_s", "sport", "start"]
    assert body["fields"]["sport"] == ['"swim" is not a valid choice.']
    assert Run.objects.count() == 0


def test_a_run_in_the_future_is_refused(api):
    response = api.post("/api/v1/runs/", {**MANUAL, "start": "2999-01-01T00:00:00Z"}, format="json")
    assert response.json()["fields"] == {"start": ["A run cannot start in the future."]}


def test_listing_filters_and_pages_with_a_cursor(api, runner):
    for day in range(1, 6):
        api.post("/api/v1/runs/", {**MANUAL, "start": f"2026-04-0{day}T07:00:00Z", "name": f"d{day}"}, format="json")
    first = api.get("/api/v1/runs/", {"limit": 2, "start_date": "2026-04-02"}).json()
    assert [run["name"] for run in first["runs"]] == ["d5", "d4"]
    second = api.get("/api/v1/runs/", {"limit": 2, "start_date": "2026-04-02", "cursor": first["next_cursor"]}).json()
    assert [run["name"] for run in second["runs"]] == ["d3", "d2"]
    assert second["next_cursor"] is None
    assert api.get("/api/v1/runs/", {"cursor": "garbage"}).json()["code"] == "runs.invalid_cursor"
    assert api.get("/api/v1/runs/", {"limit": 1000}).json()["fields"] == {
        "limit": ["Ensure this value is less than or equal to 200."]
    }


def test_changing_and_deleting_a_run(api, runner):
    run_id = api.post("/api/v1/runs/", MANUAL, format="json").json()["id"]
    changed = api.patch(f"/api/v1/runs/{run_id}/", {"notes": "windy", "sport": "trail_run"}, format="json").json()
    assert (changed["notes"], changed["sport"], changed["name"]) == ("windy", "trail_run", "Parkrun x2")
    assert api.delete(f"/api/v1/runs/{run_id}/").status_code == 204
    assert api.get(f"/api/v1/runs/{run_id}/").status_code == 404


def test_records(api, runner):
    runs_service.record_run(draft=draft(runner.id, track(INTERVAL_SEGMENTS)))
    records = api.get("/api/v1/records/").json()["records"]
    assert [(r["distance_key"], round(r["elapsed_s"])) for r in records] == [("400m", 80), ("1k", 200), ("1mi", 346)]


def test_uploading_a_file_answers_202_with_its_job(api, runner, django_capture_on_commit_callbacks):
    data = (reference.FIXTURES / "gpx11_strava_run_hr.gpx").read_bytes()
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/uploads/", {"file": SimpleUploadedFile("sf.gpx", data)}, format="multipart")
    assert response.status_code == 202
    job_id = response.json()["id"]
    job = api.get(f"/api/v1/jobs/{job_id}/").json()
    assert (job["status"], job["imported"], job["items"][0]["status"]) == ("done", 1, "imported")
    assert [j["id"] for j in api.get("/api/v1/jobs/").json()["jobs"]] == [job_id]


def test_an_upload_of_the_wrong_type_gets_400(api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = api.post("/api/v1/uploads/", {"file": SimpleUploadedFile("cv.pdf", b"%PDF")}, format="multipart")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "file": ["cv.pdf: only .gpx, .tcx, .fit and .zip files (or .gz of them) can be imported"]
    }


def test_a_second_user_can_never_see_change_or_delete_the_first_users_things(
    api, runner, django_capture_on_commit_callbacks
):
    run_id = api.post("/api/v1/runs/", MANUAL, format="json").json()["id"]
    data = (reference.FIXTURES / "gpx11_strava_run_hr.gpx").read_bytes()
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        job_id = api.post("/api/v1/uploads/", {"file": SimpleUploadedFile("a.gpx", data)}, format="multipart").json()[
            "id"
        ]

    intruder = APIClient()
    intruder.force_authenticate(user=_user(accounts_testing.create_user(email="eve@example.com").id))
    for method, url, body in [
        ("get", f"/api/v1/runs/{run_id}/", None),
        ("patch", f"/api/v1/runs/{run_id}/", {"name": "mine"}),
        ("delete", f"/api/v1/runs/{run_id}/", None),
        ("get", f"/api/v1/jobs/{job_id}/", None),
        ("get", f"/api/v1/jobs/{uuid.uuid4()}/", None),
    ]:
        response = getattr(intruder, method)(url, body, format="json")
        assert response.status_code == 404, (method, url)
    assert intruder.get("/api/v1/runs/").json() == {"runs": [], "next_cursor": None}
    assert intruder.get("/api/v1/jobs/").json() == {"jobs": []}
    assert intruder.get("/api/v1/records/").json() == {"records": []}
    assert Run.objects.filter(pk=run_id, name="Parkrun x2").exists()
    assert datetime.date(2026, 5, 1) == Run.objects.get(pk=run_id).local_date


def test_an_unknown_api_url_gets_404_in_the_error_shape(api):
    response = api.get("/api/v1/runs/-5/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No such resource.", "fields": {}}


def test_a_run_before_1980_is_refused_by_the_service_too(api, runner):
    from apps.runs.interface import contracts, errors

    with pytest.raises(errors.InvalidRun) as raised:
        runs_service.record_run(
            draft=contracts.RunDraft(
                user_id=runner.id,
                source="manual",
                start=datetime.datetime(1, 1, 1, tzinfo=datetime.UTC),
                elapsed_s=10,
                distance_m=10,
            )
        )
    assert raised.value.fields == {"start": ["must be between 1980 and today"]}


def test_a_cached_token_stops_working_when_its_user_is_deactivated_or_it_is_deleted(runner):
    user = _user(runner.id)
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/runs/").status_code == 200
    assert client.get("/api/v1/runs/").status_code == 200  # answered from the cache
    user.is_active = False
    user.save()
    assert client.get("/api/v1/runs/").status_code == 401
    user.is_active = True
    user.save()
    token.delete()  # forgets the cached owner on its own
    response = client.get("/api/v1/runs/")
    assert (response.status_code, response.json()["message"]) == (401, "Invalid token.")
