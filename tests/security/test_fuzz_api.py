"""Schemathesis sends every operation of /api/schema/ valid and invalid data as a signed-in runner: never a 5xx.

The CI run keeps to a few dozen examples per operation and mode; docs/operations.md ("Fuzzing the API") has the
command for the full run of 100 or more per operation against a running server.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from apps.accounts.interface import testing as accounts_testing

EXAMPLES = 30


@pytest.fixture
def token(db):
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    user = get_user_model().objects.get(pk=accounts_testing.create_user(email="fuzz@example.com").id)
    return Token.objects.create(user=user).key


@pytest.fixture
def application():
    """The WSGI app, kept from closing the test's database connection after each request (as the test client)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [GenerationMode.NEGATIVE, GenerationMode.POSITIVE])
def test_no_generated_request_valid_or_not_gets_a_server_error(token, application, mode):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 28
    if mode is GenerationMode.NEGATIVE:  # an operation without parameters or body has nothing to make invalid
        operations = [op for op in operations if op.path_parameters or op.query or op.body]
        assert len(operations) == 22
    tried = []

    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case):
            response = case.call(headers={"Authorization": f"Token {token}"})
            case.validate_response(response, checks=[not_a_server_error])
            tried.append(response.status_code)

        fuzz()
    assert len(tried) >= len(operations)
    assert all(status < 500 for status in tried)
    if mode is GenerationMode.NEGATIVE:  # invalid data is refused (an unknown query parameter is merely ignored)
        assert sum(400 <= status < 500 for status in tried) > 0.9 * len(tried)
