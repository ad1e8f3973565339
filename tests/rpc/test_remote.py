"""The remote transport: the same results and errors as in-process, plus timeouts, retries and a circuit breaker."""

import datetime
import decimal
import http.server
import io
import json
import socket
import threading
import time
import uuid

import pytest
from django.core.management import call_command
from django.db import transaction

from project.rpc import auth
from project.rpc.errors import InvalidRequest, RemoteServiceError, ServiceUnavailable
from tests.rpc.echo import Colour, EchoService, Parcel, ParcelLost, echo_service

PARCEL = Parcel(
    id=uuid.UUID("12345678-1234-5678-1234-567812345678"),
    weight=decimal.Decimal("1.250"),
    sent_at=datetime.datetime(2026, 3, 1, 6, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1))),
    day=datetime.date(2026, 3, 1),
    colour=Colour.BLUE,
    tags=["fragile", "tall"],
    extra={"a": 1},
)


def test_a_call_returns_equal_values_in_both_modes(service_mode):
    assert echo_service.echo(parcel=PARCEL, times=2) == [PARCEL, PARCEL]
    assert echo_service.echo(parcel=PARCEL)[0].sent_at.utcoffset() == datetime.timedelta(hours=1)


def test_remote_mode_really_goes_through_the_remote_implementation(service_mode):
    implementation = echo_service.echo.__self__
    expected = "RemoteEchoService" if service_mode == "remote" else "LocalEchoService"
    assert type(implementation).__name__ == expected


def test_an_anticipated_error_is_raised_again_as_the_same_class(service_mode):
    with pytest.raises(ParcelLost) as raised:
        echo_service.lose(reason="rain")
    assert raised.value.to_dict() == {
        "code": "echo.parcel_lost",
        "message": "lost because rain",
        "fields": {"reason": ["rain"]},
    }


def test_an_unanticipated_remote_failure_becomes_remote_service_error(settings):
    settings.SERVICE_ROUTING = {"echo": "http://testserver"}
    settings.RPC_TRANSPORT = "project.rpc.testing.TestClientTransport"
    with pytest.raises(RemoteServiceError) as raised:
        echo_service.crash()
    assert type(raised.value) is RemoteServiceError
    assert raised.value.remote_code == "internal_error"
    assert raised.value.message == "the service failed; see its logs"


@pytest.mark.django_db
def test_a_remote_call_inside_a_transaction_raises(settings):
    settings.SERVICE_ROUTING = {"echo": "http://testserver"}
    settings.RPC_TRANSPORT = "project.rpc.testing.TestClientTransport"
    in_transaction = r"remote call echo\.count inside an open transaction"
    with transaction.atomic(), pytest.raises(RuntimeError, match=in_transaction):
        echo_service.count()


@pytest.mark.django_db
def test_a_local_call_inside_a_transaction_is_fine(settings):
    settings.SERVICE_ROUTING = {}
    with transaction.atomic():
        assert echo_service.echo(parcel=PARCEL) == [PARCEL]


def _post(client, body, headers):
    return client.generic(
        "POST", "/internal/rpc/echo/echo", data=body, content_type="application/json", headers=headers
    )


def test_an_unsigned_call_gets_401(client):
    response = _post(client, b"{}", {})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_call_signed_with_the_previous_key_is_accepted_during_rotation(client):
    body = json.dumps({"parcel": PARCEL.model_dump(mode="json")}).encode()
    old_key_signer = auth.HmacRequestAuth(keys=["test-rpc-key-old"])
    response = _post(client, body, old_key_signer.sign(service="echo", method="echo", body=body))
    assert response.status_code == 200
    assert Parcel.model_validate(response.json()["result"][0]) == PARCEL


@pytest.mark.parametrize(
    ("signer", "message"),
    [
        (auth.HmacRequestAuth(keys=["an-unknown-key"]), "the signature matches no known key"),
        (
            auth.HmacRequestAuth(keys=["test-rpc-key-new"], clock=lambda: time.time() - 600),
            "the signature has expired",
        ),
    ],
)
def test_a_call_with_a_bad_signature_gets_401(client, signer, message):
    body = b'{"parcel": null}'
    response = _post(client, body, signer.sign(service="echo", method="echo", body=body))
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith(message)


def test_a_signature_for_another_method_is_refused(client):
    body = b"{}"
    response = _post(client, body, auth.HmacRequestAuth().sign(service="echo", method="count", body=body))
    assert response.status_code == 401


def test_invalid_arguments_get_400_with_the_fields_to_fix(client):
    body = json.dumps({"parcel": {"id": "not-a-uuid"}, "surprise": 1}).encode()
    response = _post(client, body, auth.HmacRequestAuth().sign(service="echo", method="echo", body=body))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert sorted(error["fields"]) == [
        "parcel.colour",
        "parcel.day",
        "parcel.id",
        "parcel.sent_at",
        "parcel.tags",
        "parcel.weight",
        "surprise",
    ]


def test_a_caller_deployed_before_a_rename_reaches_the_method_by_its_old_name(client):
    body = json.dumps({"parcel": PARCEL.model_dump(mode="json"), "times": 2}).encode()
    headers = auth.HmacRequestAuth().sign(service="echo", method="repeat", body=body)
    response = client.generic(
        "POST", "/internal/rpc/echo/repeat", data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 200
    assert [Parcel.model_validate(item) for item in response.json()["result"]] == [PARCEL, PARCEL]
    assert EchoService.required_scope("repeat") == "read"  # the scope of the method it leads to
    # The ping lists the methods by their names of today only.
    headers = auth.HmacRequestAuth().sign(service="echo", method="_ping", body=b"{}")
    ping = client.generic(
        "POST", "/internal/rpc/echo/_ping", data=b"{}", content_type="application/json", headers=headers
    )
    assert ping.json()["result"]["methods"] == ["count", "crash", "echo", "lose"]


def test_an_unknown_method_gets_404(client):
    response = client.post("/internal/rpc/echo/nope", data=b"{}", content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "no method echo.nope"


def test_invalid_arguments_are_refused_before_anything_is_sent(settings):
    settings.SERVICE_ROUTING = {"echo": "http://127.0.0.1:9"}
    with pytest.raises(InvalidRequest) as raised:
        echo_service.echo(parcel="not a parcel")
    assert list(raised.value.fields) == ["parcel"]


class ScriptedServer:
    """A real HTTP server on loopback that answers with a script of (status, body) and counts requests."""

    def __init__(self, script):
        self.script = list(script)
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                outer.requests.append((self.path, self.rfile.read(length)))
                status, body = outer.script.pop(0) if outer.script else (500, b"")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_an_idempotent_call_is_retried_after_503_and_succeeds(settings):
    with ScriptedServer([(503, b""), (502, b""), (200, b'{"result": 7}')]) as server:
        settings.SERVICE_ROUTING = {"echo": server.url}
        assert echo_service.count() == 7
    assert [path for path, _ in server.requests] == ["/internal/rpc/echo/count"] * 3


def test_a_non_idempotent_call_is_never_retried(settings):
    with ScriptedServer([(503, b""), (200, b'{"result": null}')]) as server:
        settings.SERVICE_ROUTING = {"echo": server.url}
        with pytest.raises(ServiceUnavailable, match="the echo service answered 503"):
            echo_service.lose(reason="x")
    assert len(server.requests) == 1


def test_retries_are_bounded(settings):
    settings.RPC_RETRIES = 2
    with ScriptedServer([(503, b"")] * 10) as server:
        settings.SERVICE_ROUTING = {"echo": server.url}
        with pytest.raises(ServiceUnavailable):
            echo_service.count()
    assert len(server.requests) == 3


@pytest.fixture
def refused_url():
    """A port held bound but not listening: refused for sure, and no server started meanwhile can get it."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{closed.getsockname()[1]}"


def test_a_service_that_is_down_raises_service_unavailable_then_opens_its_circuit(settings, refused_url):
    settings.SERVICE_ROUTING = {"echo": refused_url}  # nothing listens there
    settings.RPC_RETRIES = 0
    settings.RPC_BREAKER_FAIL_MAX = 3
    for _ in range(2):
        with pytest.raises(ServiceUnavailable, match=r"the echo service is unavailable \(ConnectionError"):
            echo_service.lose(reason="x")
    with pytest.raises(ServiceUnavailable, match=r"circuit open"):
        echo_service.lose(reason="x")  # the third failure trips the breaker
    with ScriptedServer([(200, b'{"result": null}')]) as server:
        settings.SERVICE_ROUTING = {"echo": server.url}
        with pytest.raises(ServiceUnavailable, match="circuit open"):
            echo_service.lose(reason="x")
        assert server.requests == []  # an open circuit sends nothing


def test_a_slow_service_times_out(settings):
    with ScriptedServer([]) as server:
        server.server.RequestHandlerClass.do_POST = lambda handler: time.sleep(1.0)
        settings.SERVICE_ROUTING = {"echo": server.url}
        settings.RPC_READ_TIMEOUT = 0.2
        settings.RPC_RETRIES = 0
        with pytest.raises(ServiceUnavailable, match="ReadTimeout"):
            echo_service.lose(reason="x")


def test_the_services_command_pings_through_the_internal_endpoint(settings):
    settings.SERVICE_ROUTING = {"echo": "http://testserver"}
    settings.RPC_TRANSPORT = "project.rpc.testing.TestClientTransport"
    out = io.StringIO()
    call_command("services", stdout=out, no_color=True)
    lines = out.getvalue().splitlines()
    assert "accounts  local                           in-process (8 methods)" in lines
    assert "echo      http://testserver               answers  circuit closed" in lines


def test_the_services_command_reports_routing_and_whether_remote_services_answer(settings, refused_url):
    dead_url = refused_url
    ping = json.dumps({"result": {"service": "echo", "methods": ["count", "crash", "echo"]}}).encode()
    out = io.StringIO()
    with ScriptedServer([(200, ping)]) as server:
        settings.SERVICE_ROUTING = {"echo": server.url, "accounts": dead_url}
        call_command("services", stdout=out, no_color=True)
    lines = {line.split()[0]: " ".join(line.split()[1:]) for line in out.getvalue().splitlines()}
    assert lines["echo"] == f"{server.url} answers, but lacks lose circuit closed"
    assert lines["accounts"].startswith(f"{dead_url} DOWN: the accounts service is unavailable")
    assert lines["accounts"].endswith("circuit closed")  # one failed ping does not open it
