"""Schemathesis fuzzes every operation of /api/schema/ as a signed-in runner.

It must find no server error, and no response whose status, content type or body the schema does not describe.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.interface import testing as accounts_testing

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def token(db):
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    user = get_user_model().objects.get(pk=accounts_testing.create_user(email="fuzz@example.com").id)
    return Token.objects.create(user=user).key


@pytest.fixture
def application():
    """The WSGI app, kept from closing the test's database connection after each request.

    Django's test client does the same; without it PostgreSQL loses the connection mid-test.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_the_api_answers_every_generated_request_as_its_schema_says(token, application):
    # Driven by hand rather than through schemathesis's pytest plugin, which does not load on pytest 9.
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 28

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case):
            case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)

        fuzz()
