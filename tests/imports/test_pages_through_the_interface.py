"""The imports pages and API reach imports only through ImportsService, so they work with imports extracted.

a. Every page and API endpoint, with ImportsService routed over HTTP (the test client): once as is, once with
   imports extracted from the web side (its tables refuse every query there, and answer only inside the service's
   own calls and its worker). Exact names, statuses and counts on the pages.
b. No module of the web side imports imports' internals: tests/architecture/test_web_side.py.
c. With imports extracted and down, every page answers 200 "temporarily unavailable" or 503, the API 503 with
   the error shape, and an upload leaves nothing in storage.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import uuid
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from apps.accounts.interface import testing as accounts_testing
from apps.imports import operations, parsers, uploads
from apps.imports import urls as page_urls
from apps.imports.api import urls as api_urls
from apps.imports.interface import contracts, errors
from apps.imports.interface.service import imports_service
from apps.imports.models import Upload
from apps.runs.interface.service import runs_service
from project.rpc.testing import ServiceSideTestClientTransport, serve_over_test_client
from tests.imports import reference

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"  # accounts_testing.create_user's default
RUN = "gpx11_strava_run_hr.gpx"
TCX = "tcx_garmin_fr410_run_laps_hr.tcx"


def noted(name: str) -> str:
    """The note of an item imported from RUN, a GPX that names no sport."""
    return f"{name}: no sport in the file; taken as a run from its speeds (change it with Edit on the run's page)"


def fixture(name: str) -> bytes:
    return (reference.FIXTURES / name).read_bytes()


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def stored_files(path: str = "uploads") -> set[str]:
    """Every file under `path` in the default storage (the tests' in-memory one outlives a test: compare sets)."""
    try:
        directories, files = default_storage.listdir(path)
    except FileNotFoundError:
        return set()
    return {f"{path}/{name}" for name in files} | {
        name for directory in directories for name in stored_files(f"{path}/{directory}")
    }


@pytest.fixture(params=["over_http", "extracted"])
def remote(request, settings):
    """ImportsService over HTTP; in `extracted`, the web side's own queries on imports' tables raise."""
    serve_over_test_client(settings, "imports", extracted=request.param == "extracted")
    return request.param


@pytest.fixture
def runner(client):
    profile = accounts_testing.create_user(email="ada@example.com")
    assert client.login(email="ada@example.com", password=PASSWORD)
    return profile


@pytest.fixture
def send(client, settings, django_capture_on_commit_callbacks):
    """POST as the browser does; then the imports worker (where imports' tables are) runs what was queued."""

    def post(url, data, **extra):
        web_side = list(settings.EXTRACTED_APPS)
        with (
            override_settings(EXTRACTED_APPS=[]),  # where the queued task runs, once the request is done
            django_capture_on_commit_callbacks(execute=True),
            override_settings(EXTRACTED_APPS=web_side),  # where the request runs
        ):
            return client.post(url, data, **extra)

    return post


def _upload_rows(page: str) -> list[tuple[str, str, str, int, int, int]]:
    """(job id, file name, status, imported, already there, failed) of each row of "Recent imports"."""
    rows = re.findall(
        r'<tr><td><a href="/imports/jobs/([0-9a-f-]+)/">(.*?)</a></td><td>.*? ago</td>'
        r"<td>(\w+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>",
        page,
    )
    return [(id_, html.unescape(name), status, int(a), int(b), int(c)) for id_, name, status, a, b, c in rows]


def _item_rows(page: str) -> list[tuple[str, str, str, str]]:
    """(name, status, run link or "", message) of each file of a job page."""
    rows = re.findall(r"<tr><td>(.*?)</td><td>(\w+)</td><td>(.*?)</td></tr>", page)
    items = []
    for name, status, rest in rows:
        link = re.match(r'<a href="(/runs/\d+/)">See the run</a>', rest)
        message = rest[link.end() :] if link else rest
        items.append((html.unescape(name), status, link.group(1) if link else "", html.unescape(message.strip())))
    return items


def _text(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', page, re.S)
    assert match, element_id
    return html.unescape(re.sub(r"\s+", " ", match.group(1))).strip()


# a. The pages and the API, through the interface over HTTP


def test_the_upload_page_and_the_job_page_through_the_service(remote, client, runner, send):
    page = client.get("/imports/")
    assert (page.status_code, "Nothing imported yet." in page.content.decode()) == (200, True)

    response = send("/imports/", {"files": [SimpleUploadedFile("morning.gpx", fixture(RUN))]})
    assert response.status_code == 302
    job_id = re.fullmatch(r"/imports/jobs/([0-9a-f-]+)/", response.url).group(1)
    [run] = runs_service.list_runs(user_id=runner.id).runs
    page = client.get(response.url).content.decode()
    assert _text(page, "job-status") == "Done"
    assert _text(page, "job-progress") == "1 of 1 files"
    assert _text(page, "job-counts") == "1 imported · 0 already there · 0 failed"
    assert "<h1>Import of morning.gpx</h1>" in page
    assert _item_rows(page) == [("morning.gpx", "imported", f"/runs/{run.id}/", noted("morning.gpx"))]
    assert 'data-finished="1"' in page

    export = zipped({"runs/a.gpx": fixture(RUN), "runs/b.tcx": fixture(TCX), "runs/notes.txt": b"hello"})
    response = send("/imports/", {"files": [SimpleUploadedFile("export.zip", export)]})
    page = client.get(response.url).content.decode()
    assert _text(page, "job-counts") == "1 imported · 1 already there · 0 failed"
    assert _text(page, "job-progress") == "2 of 2 files"  # notes.txt is not an activity file: left alone
    other = next(r for r in runs_service.list_runs(user_id=runner.id).runs if r.id != run.id)
    assert _item_rows(page) == [
        ("runs/a.gpx", "duplicate", f"/runs/{run.id}/", "runs/a.gpx: already imported"),
        ("runs/b.tcx", "imported", f"/runs/{other.id}/", ""),
    ]
    zip_id = re.fullmatch(r"/imports/jobs/([0-9a-f-]+)/", response.url).group(1)

    both = [SimpleUploadedFile("again.gpx", fixture(RUN)), SimpleUploadedFile("notes.docx", b"hello")]
    page = html.unescape(send("/imports/", {"files": both}).content.decode())  # the form again, with its error
    assert "notes.docx: only .gpx, .tcx, .fit and .zip files (or .gz of them) can be imported" in page
    assert "1 other files are being imported." in page
    page = html.unescape(send("/imports/", {}).content.decode())  # Upload pressed with no file chosen
    assert '<ul class="errorlist" id="id_files_error"><li>Choose at least one file to upload.</li></ul>' in page
    rows = _upload_rows(client.get("/imports/").content.decode())
    assert [row[1:] for row in rows] == [
        ("again.gpx", "done", 0, 1, 0),
        ("export.zip", "done", 1, 1, 0),
        ("morning.gpx", "done", 1, 0, 0),
    ]
    assert [row[0] for row in rows[1:]] == [zip_id, job_id]


def test_the_status_the_job_page_polls_through_the_service(remote, client, runner, send):
    response = send("/imports/", {"files": [SimpleUploadedFile("log.zip", zipped({"x.gpx": fixture(RUN)}))]})
    job_id = response.url.split("/")[-2]
    status = client.get(f"/imports/jobs/{job_id}/status.json").json()
    [run] = runs_service.list_runs(user_id=runner.id).runs
    del status["created_at"], status["finished_at"]
    assert status == {
        "id": job_id,
        "file_name": "log.zip",
        "status": "done",
        "total_files": 1,
        "processed_files": 1,
        "imported": 1,
        "duplicates": 0,
        "failed": 0,
        "message": "",
        "items": [{"name": "x.gpx", "status": "imported", "run_id": run.id, "message": noted("x.gpx")}],
    }


def test_another_runners_import_is_not_found_on_every_page(remote, client, runner, send):
    response = send("/imports/", {"files": [SimpleUploadedFile("mine.gpx", fixture(RUN))]})
    job_id = response.url.split("/")[-2]
    accounts_testing.create_user(email="eve@example.com")
    assert client.login(email="eve@example.com", password=PASSWORD)
    for url in [f"/imports/jobs/{job_id}/", f"/imports/jobs/{job_id}/status.json", f"/api/v1/jobs/{job_id}/"]:
        assert client.get(url).status_code == 404, url
    assert client.get(f"/api/v1/jobs/{uuid.uuid4()}/").json()["code"] == "imports.job_not_found"
    assert client.get("/api/v1/jobs/").json() == {"jobs": []}
    assert "Nothing imported yet." in client.get("/imports/").content.decode()


def test_the_api_through_the_service(remote, client, runner, send):
    before = stored_files()
    response = send("/api/v1/uploads/", {"file": SimpleUploadedFile("sf.gpx", fixture(RUN))})
    assert response.status_code == 202
    queued = response.json()
    assert (queued["file_name"], queued["status"], queued["total_files"], queued["items"]) == (
        "sf.gpx",
        "queued",
        0,
        [],
    )
    [stored] = stored_files() - before
    assert re.fullmatch(r"uploads/\d{4}/\d{2}/sf(_\w+)?\.gpx", stored)
    assert default_storage.open(stored).read() == fixture(RUN)

    [run] = runs_service.list_runs(user_id=runner.id).runs
    job = client.get(f"/api/v1/jobs/{queued['id']}/").json()
    assert (job["status"], job["processed_files"], job["imported"], job["duplicates"]) == ("done", 1, 1, 0)
    assert job["items"] == [{"name": "sf.gpx", "status": "imported", "run_id": run.id, "message": noted("sf.gpx")}]
    listed = client.get("/api/v1/jobs/").json()["jobs"]
    assert [(j["id"], j["file_name"], j["status"], j["imported"], j["items"]) for j in listed] == [
        (queued["id"], "sf.gpx", "done", 1, [])
    ]

    refused = send("/api/v1/uploads/", {"file": SimpleUploadedFile("cv.pdf", b"%PDF")})
    assert (refused.status_code, refused.json()["fields"]) == (
        400,
        {"file": ["cv.pdf: only .gpx, .tcx, .fit and .zip files (or .gz of them) can be imported"]},
    )
    assert stored_files() - before == {stored}


class StricterServiceTransport(ServiceSideTestClientTransport):
    """A service whose upload limit is lower than the web side's: it refuses a file the web side has stored."""

    def post(self, url, *, body, headers):
        with override_settings(IMPORTS_MAX_UPLOAD_BYTES=1000):
            return super().post(url, body=body, headers=headers)


def test_a_file_the_service_refuses_or_fails_on_is_deleted_again(remote, client, runner, send, settings, monkeypatch):
    settings.RPC_TRANSPORT = f"{__name__}.StricterServiceTransport"
    before = stored_files()
    page = send("/imports/", {"files": [SimpleUploadedFile("big.gpx", fixture(RUN))]}).content.decode()
    size_mb = len(fixture(RUN)) / 1_000_000
    assert f"big.gpx: {size_mb:.1f} MB is more than the 0 MB limit" in page
    response = send("/api/v1/uploads/", {"file": SimpleUploadedFile("big.gpx", fixture(RUN))})
    assert (response.status_code, response.json()["code"]) == (400, "invalid")

    def crash(**kwargs):
        raise RuntimeError("the service's database fell over")

    monkeypatch.setattr(operations, "take_upload", crash)
    page = send("/imports/", {"files": [SimpleUploadedFile("crash.gpx", fixture(RUN))]}).content.decode()
    assert "crash.gpx was not stored, nor the files after it. Imports are temporarily unavailable" in page
    assert stored_files() == before
    with override_settings(EXTRACTED_APPS=[]):
        assert Upload.objects.count() == 0


def test_start_import_takes_a_stored_file_once_and_only_a_fresh_upload(service_mode, runner):
    data = fixture(RUN)
    name = uploads.store("a.gpx", ContentFile(data))
    job = imports_service.start_import(user_id=runner.id, storage_name=name, size=len(data), original_name="a.gpx")
    assert (job.file_name, job.status, job.items) == ("a.gpx", contracts.JobStatus.QUEUED, [])
    again = imports_service.start_import(user_id=runner.id, storage_name=name, size=len(data), original_name="a.gpx")
    assert again.id == job.id  # a retried call
    upload = Upload.objects.get()
    assert (upload.file.name, upload.size, upload.sha256) == (name, len(data), hashlib.sha256(data).hexdigest())

    eve = accounts_testing.create_user(email="eve@example.com")
    missing = name.rsplit("/", 1)[0] + "/missing.gpx"
    for user_id, storage_name, size, message in [
        (eve.id, name, len(data), "a.gpx: this stored file is another upload's"),
        (eve.id, "accounts/exports/ada.zip", len(data), "a.gpx: not a stored upload ('accounts/exports/ada.zip')"),
        (eve.id, "uploads/../accounts/x.gpx", len(data), "a.gpx: not a stored upload ('uploads/../accounts/x.gpx')"),
        (eve.id, missing, len(data), "a.gpx: the file is not in storage; send it again"),
        (eve.id, "uploads/" + "x" * 100, len(data), "a.gpx: not a stored upload ('uploads/" + "x" * 100 + "')"),
        (eve.id, "uploads/2024/01/a.gpx", 10**9, "a.gpx: 1000.0 MB is more than the 25 MB limit"),
        (eve.id, "uploads/2024/01/a.gpx", 0, "a.gpx: the file is empty"),
    ]:
        with pytest.raises(errors.UploadRefused) as refused:
            imports_service.start_import(user_id=user_id, storage_name=storage_name, size=size, original_name="a.gpx")
        assert refused.value.message == message

    other = uploads.store("b.gpx", ContentFile(data))
    with pytest.raises(errors.UploadRefused) as refused:
        imports_service.start_import(user_id=eve.id, storage_name=other, size=len(data) + 1, original_name="b.gpx")
    assert refused.value.message == f"b.gpx: {len(data)} bytes in storage, not {len(data) + 1}; send it again"
    assert default_storage.exists(other)  # the sender's to delete: the service never deletes what it refused
    assert (Upload.objects.count(), imports_service.list_jobs(user_id=eve.id)) == (1, [])


def test_the_rules_the_web_side_shares_with_the_service():
    assert parsers.EXTENSIONS == contracts.ACTIVITY_EXTENSIONS
    assert Upload._meta.get_field("file").max_length == contracts.STORAGE_NAME_MAX_LENGTH
    assert Upload._meta.get_field("file").upload_to == contracts.UPLOAD_DIRECTORY + "%Y/%m/"
    assert re.fullmatch(r"uploads/\d{4}/\d{2}/passwd\.gpx", uploads.storage_name_for("../../etc/passwd.gpx"))
    assert re.fullmatch(r"uploads/\d{4}/\d{2}/run\.gpx", uploads.storage_name_for("C:\\Users\\ada\\run.gpx"))
    long = uploads.storage_name_for("x" * 1000 + ".gpx")
    assert long.endswith("x.gpx")
    assert len(long) <= len("uploads/2024/01/") + contracts.STORAGE_NAME_MAX_LENGTH


# c. Imports extracted and down

DOWN = [
    ("imports:upload", "get", 200),
    ("imports:upload", "post", 200),
    ("imports:job", "get", 503),
    ("imports:job_status", "get", 503),
    ("api-uploads", "post", 503),
    ("api-jobs", "get", 503),
    ("api-job", "get", 503),
]


def test_every_page_of_the_app_is_in_the_down_table():
    names = {f"imports:{p.name}" for p in page_urls.urlpatterns} | {p.name for p in api_urls.urlpatterns}
    assert {name for name, _, _ in DOWN} == names


@pytest.fixture
def down(settings, refused_url):
    settings.EXTRACTED_APPS = ["imports"]
    settings.SERVICE_ROUTING = {"imports": refused_url}
    settings.RPC_RETRIES = 0


@pytest.mark.parametrize(("url_name", "method", "status"), DOWN, ids=[f"{n}-{m}" for n, m, _ in DOWN])
def test_with_imports_down_every_page_answers_and_stores_nothing(client, runner, down, url_name, method, status):
    kwargs = {"job_id": uuid.uuid4()} if url_name in ("imports:job", "imports:job_status", "api-job") else {}
    url = reverse(url_name, kwargs=kwargs)
    field = "file" if url_name.startswith("api-") else "files"
    before = stored_files()
    if method == "post":
        response = client.post(url, {field: SimpleUploadedFile("morning.gpx", fixture(RUN))})
    else:
        response = client.get(url)
    assert response.status_code == status
    assert stored_files() == before
    if url_name.startswith("api-") or url_name == "imports:job_status":
        body = response.json()
        assert (body["code"], sorted(body)) == ("service_unavailable", ["code", "fields", "message"])
        assert body["message"]
        return
    page = html.unescape(response.content.decode())
    assert "temporarily unavailable" in page
    if url_name == "imports:upload":
        assert 'id="imports-unavailable"' in page  # the list of recent imports
        assert '<input type="file" name="files"' in page  # the form is still there
    if method == "post":
        assert "morning.gpx was not stored, nor the files after it. Imports are temporarily unavailable" in page
