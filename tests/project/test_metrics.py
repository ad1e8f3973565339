"""Prometheus metrics: requests per view, service calls by outcome, circuits, the outbox backlog."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from project.rpc import remote
from tests.rpc.echo import echo_service

pytestmark = pytest.mark.django_db


def _samples(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def test_requests_calls_circuits_and_backlog_are_counted(client, settings):
    settings.SERVICE_ROUTING = {"echo": "http://testserver"}
    settings.RPC_TRANSPORT = "project.rpc.testing.TestClientTransport"
    before = _samples(client)
    key = ("runnerly_rpc_calls_total", (("method", "count"), ("outcome", "ok"), ("service", "echo")))
    lost = ("runnerly_rpc_calls_total", (("method", "lose"), ("outcome", "service_error"), ("service", "echo")))
    client.get("/livez")
    echo_service.count()
    with pytest.raises(Exception, match="lost because x"):
        echo_service.lose(reason="x")
    remote.breaker_for("echo")
    after = _samples(client)
    assert after[key] - before.get(key, 0) == 1
    assert after[lost] - before.get(lost, 0) == 1
    livez = ("runnerly_http_request_seconds_count", (("method", "GET"), ("status", "200"), ("view", "livez")))
    assert after[livez] - before.get(livez, 0) == 1
    assert after[("runnerly_rpc_circuit_open", (("service", "echo"),))] == 0.0
    assert after[("runnerly_outbox_backlog", ())] == 0.0


def test_metrics_are_refused_to_a_public_address(client):
    assert client.get("/metrics", REMOTE_ADDR="8.8.8.8").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
