"""Pages made of sections: remote ones load at once on the shared pool, local ones in the request's thread."""

import datetime
import logging
import threading

import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.races.interface.service import races_service
from apps.runs.interface import contracts
from apps.runs.interface.service import runs_service
from project import requestid
from project.rpc import interface
from project.rpc.errors import ServiceUnavailable
from project.web.sections import Section, load_sections

PASSWORD = "a-long-enough-Passw0rd"


@pytest.fixture
def fan_out(settings):
    settings.PAGE_SECTION_WORKERS = 8
    settings.SERVICE_ROUTING = {"runs": "http://runs.internal", "races": "http://races.internal"}
    return settings


def test_remote_sections_load_at_the_same_time(fan_out):
    together = threading.Barrier(3, timeout=5)  # broken, and the test failed, if they ran one after the other

    def meet():
        together.wait()
        return threading.current_thread().name

    loaded = load_sections({"a": Section("runs", meet), "b": Section("races", meet), "c": Section("runs", meet)})
    assert [section["unavailable"] for section in loaded.values()] == [False, False, False]
    assert all(section["value"].startswith("section") for section in loaded.values())


def test_local_sections_load_in_the_requests_thread_one_after_the_other(fan_out):
    order = []

    def local(name):
        order.append((name, threading.current_thread() is threading.main_thread()))
        return name

    loaded = load_sections({"x": Section("plans", lambda: local("x")), "y": Section("imports", lambda: local("y"))})
    assert (order, [s["value"] for s in loaded.values()]) == ([("x", True), ("y", True)], ["x", "y"])


def test_a_section_late_for_the_deadline_is_unavailable_and_the_others_are_kept(fan_out, caplog):
    fan_out.PAGE_SECTIONS_DEADLINE_SECONDS = 0.2
    release = threading.Event()

    def down():
        raise ServiceUnavailable("the races service is unavailable")

    with caplog.at_level(logging.WARNING):
        loaded = load_sections(
            {
                "slow": Section("runs", lambda: release.wait(10)),
                "quick": Section("runs", lambda: 42),
                "down": Section("races", down),
                "local": Section("plans", lambda: "here"),
            }
        )
    release.set()
    assert loaded == {
        "slow": {"value": None, "unavailable": True},
        "quick": {"value": 42, "unavailable": False},
        "down": {"value": None, "unavailable": True},
        "local": {"value": "here", "unavailable": False},
    }
    assert sorted(r.message for r in caplog.records if r.name == "project.web.sections") == [
        "page.section_late",
        "page.section_unavailable",
    ]


def test_each_section_carries_the_pages_request_id(fan_out):
    token = requestid.current.set("page-request-1")
    try:
        loaded = load_sections({"a": Section("runs", requestid.outgoing_headers)})
    finally:
        requestid.current.reset(token)
    assert loaded["a"]["value"] == {requestid.HEADER: "page-request-1"}


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_with_every_service_remote_loads_its_sections_on_the_pool(client, fan_out, live_server):
    fan_out.SERVICE_ROUTING = {}
    runner = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    runs_service.record_run(
        draft=contracts.RunDraft(
            user_id=runner.id,
            source="manual",
            start=datetime.datetime.now(datetime.UTC),
            elapsed_s=1500,
            distance_m=5000,
            name="Dawn",
        )
    )
    client.login(email="ada@example.com", password=PASSWORD)
    fan_out.SERVICE_ROUTING = {name: live_server.url for name in interface.registered_services()}
    fan_out.RPC_TRANSPORT = "project.rpc.remote.HttpTransport"
    content = client.get("/dashboard/").content.decode()
    assert "temporarily unavailable" not in content
    assert "Dawn" in content


@pytest.mark.django_db(transaction=True)
def test_remote_sections_kept_load_in_the_requests_thread_and_the_others_on_the_pool(fan_out, live_server):
    """A kept section found in the cache needs no thread; one not found there, or not kept, goes to the pool."""
    runner = accounts_testing.create_user(email="ada@example.com", password=PASSWORD)
    fan_out.SERVICE_ROUTING = {"runs": live_server.url, "races": live_server.url}
    fan_out.RPC_TRANSPORT = "project.rpc.remote.HttpTransport"

    def overview():
        races_service.get_overview(user_id=runner.id)
        return threading.current_thread().name

    def races():
        races_service.find_races(limit=5)  # not a kept read
        return threading.current_thread().name

    def page():
        loaded = load_sections({"kept": Section("races", overview, kept=True), "other": Section("races", races)})
        return {name: section["value"] for name, section in loaded.items()}

    first, again = page(), page()
    assert first["kept"].startswith("section")  # nothing kept yet
    assert first["other"].startswith("section")
    assert again["kept"] == threading.current_thread().name
    assert again["other"].startswith("section")
