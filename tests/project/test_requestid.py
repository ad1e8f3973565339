"""Request ids: made up for a browser, taken from a trusted proxy or a service call, carried onward."""

import logging

import pytest

from project import requestid
from tests.rpc.echo import echo_service

pytestmark = pytest.mark.django_db


def test_a_browser_request_gets_a_fresh_id_and_cannot_choose_it(client):
    response = client.get("/livez", headers={"X-Request-ID": "chosen-by-the-client"})
    assert response["X-Request-ID"] != "chosen-by-the-client"
    assert len(response["X-Request-ID"]) == 32


def test_behind_a_trusted_proxy_its_id_is_kept(client, settings):
    settings.REQUEST_ID_TRUSTED = True
    assert client.get("/livez", headers={"X-Request-ID": "nginx-4f2a"})["X-Request-ID"] == "nginx-4f2a"
    assert client.get("/livez", headers={"X-Request-ID": "bad id;"})["X-Request-ID"] != "bad id;"


def test_the_id_travels_with_a_service_call_and_appears_in_the_callees_log_lines(settings, caplog):
    settings.SERVICE_ROUTING = {"echo": "http://testserver"}
    settings.RPC_TRANSPORT = "project.rpc.testing.TestClientTransport"
    token = requestid.current.set("upload-1234")
    try:
        with caplog.at_level(logging.INFO, logger="project.rpc.views"):
            assert echo_service.count() >= 1
    finally:
        requestid.current.reset(token)
    served = [r for r in caplog.records if r.getMessage() == "rpc.served"]
    assert [(r.service, r.method, r.request_id) for r in served] == [("echo", "count", "upload-1234")]
    assert requestid.current.get() == ""


def test_a_task_published_during_a_request_carries_its_id():
    headers: dict = {}
    token = requestid.current.set("abc123")
    try:
        requestid._stamp_task(headers=headers)
    finally:
        requestid.current.reset(token)
    assert headers == {"request_id": "abc123"}
