"""Where a remote interface call's time goes, without a network: the same ReportsService call
in-process, then through Django's whole HTTP stack by the test client (codec, middleware, view) signed
with HMAC, then with a JWT from the token dealer. p50 of N calls each, in one run.
Run: DJANGO_SETTINGS_MODULE=project.settings.test .venv/bin/python bench/rpc_overhead.py [--quick]
"""

import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
django.setup()

from django.test.utils import override_settings, setup_databases, setup_test_environment, teardown_databases  # noqa: E402

setup_test_environment()
CALLS = 20 if "--quick" in sys.argv else 500  # --quick: for CI, it must keep running


def p50_ms(call) -> float:
    call()
    times = []
    for _ in range(CALLS):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    import logging

    from apps.accounts.interface import testing as accounts_testing
    from apps.reports.interface.service import ReportsService
    from apps.tokendealer import dealing
    from project.rpc import jwt_auth, routing

    logging.disable(logging.INFO)  # one log line per served call would be measured too
    old = setup_databases(verbosity=0, interactive=False)
    try:
        user = accounts_testing.create_user(email="bench@example.com")

        def call():  # the call itself, each time: not an answer its caller keeps (decision 0019)
            return routing.implementation(ReportsService).get_month_report(user_id=user.id, year=2026, month=10)

        figures = {"in-process": p50_ms(call)}
        remote = {
            "SERVICE_ROUTING": {"reports": "http://testserver"},
            "RPC_TRANSPORT": "project.rpc.testing.TestClientTransport",
        }
        with override_settings(**remote):
            routing._implementations.clear()
            figures["test client, HMAC"] = p50_ms(call)
        secret = dealing.client_create(client_id="bench", audiences=["reports"])
        with override_settings(
            **remote,
            RPC_AUTH="project.rpc.jwt_auth.JwtRequestAuth",
            RPC_TOKEN_URL="http://testserver/oauth/token",
            RPC_JWKS_URL="http://testserver/.well-known/jwks.json",
            RPC_CLIENT_ID="bench",
            RPC_CLIENT_SECRET=secret,
        ):
            routing._implementations.clear()
            jwt_auth.tokens.clear()
            jwt_auth.jwks.clear()
            figures["test client, JWT"] = p50_ms(call)
        base = figures["in-process"]
        for name, value in figures.items():
            print(f"{name:20} p50 {value:7.3f} ms   {value / base:5.2f}x")
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
