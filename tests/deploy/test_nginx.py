"""deploy/nginx.conf in a real nginx, in front of a stand-in backend that echoes what it receives:
rate limits answered with 429, body-size limits with 413, the internal endpoint closed, and the
headers the app relies on (X-Request-ID, X-Forwarded-Proto) set."""

import http.server
import json
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.nginx
ROOT = Path(__file__).resolve().parents[2]


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        body = json.dumps({"path": self.path, "headers": dict(self.headers), "length": length}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def proxy(tmp_path):
    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    port = _port()
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    config = config.replace("server web:8000;", f"server 127.0.0.1:{backend.server_port};")
    config = config.replace("server reports:8000;", f"server 127.0.0.1:{backend.server_port};")
    config = config.replace("listen 80;", f"listen 127.0.0.1:{port};")
    config = config.replace("access_log /dev/stdout main;", f"access_log {tmp_path}/access.log main;")
    (tmp_path / "nginx.conf").write_text(config)
    nginx = subprocess.Popen(
        [
            "nginx",
            "-c",
            str(tmp_path / "nginx.conf"),
            "-p",
            str(tmp_path),
            "-e",
            str(tmp_path / "error.log"),
            "-g",
            f"daemon off; pid {tmp_path}/nginx.pid;",
        ],
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(50):
        try:
            requests.get(url + "/livez", timeout=0.5)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    yield url
    nginx.terminate()
    nginx.wait(timeout=10)
    backend.shutdown()


def test_requests_reach_the_app_with_the_headers_it_trusts(proxy):
    response = requests.get(proxy + "/dashboard/", headers={"X-Request-ID": "forged-by-the-client"})
    seen = response.json()["headers"]
    assert response.status_code == 200
    assert len(seen["X-Request-ID"]) == 32  # nginx's own $request_id, not the client's
    assert response.headers["X-Request-ID"] == seen["X-Request-ID"]
    assert seen["X-Forwarded-Proto"] == "http"


def test_logging_in_too_fast_gets_429(proxy):
    statuses = [requests.get(proxy + "/accounts/login/").status_code for _ in range(30)]
    assert statuses[:11] == [200] * 11  # the burst
    assert statuses.count(429) >= 15


def test_bodies_over_the_limit_get_413_except_where_files_are_uploaded(proxy):
    two_megabytes = b"x" * 2_000_000
    assert requests.post(proxy + "/runs/new/", data=two_megabytes).status_code == 413
    uploaded = requests.post(proxy + "/api/v1/uploads/", data=two_megabytes)
    assert (uploaded.status_code, uploaded.json()["length"]) == (200, 2_000_000)


def test_the_internal_endpoint_is_not_reachable_from_outside(proxy):
    assert requests.post(proxy + "/internal/rpc/runs/get_run", data=b"{}").status_code == 403
