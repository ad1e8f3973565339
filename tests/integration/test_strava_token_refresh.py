"""An expired Strava token is refreshed once, however many tasks need it at the same moment (PostgreSQL row lock)."""

import datetime
import threading

import pytest
from django.db import connections

from apps.accounts.interface import testing as accounts_testing
from apps.strava import crypto, operations
from apps.strava.models import StravaConnection

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_concurrent_tasks_refresh_an_expired_token_exactly_once(fake_strava):
    fake_strava.add_athlete(905)
    tokens = fake_strava._issue(905)
    user = accounts_testing.create_user(email="ada@example.com")
    connection = StravaConnection.objects.create(
        user_id=user.id,
        athlete_id=905,
        scopes="read,activity:read_all",
        access_token=crypto.seal(tokens["access_token"]),
        refresh_token=crypto.seal(tokens["refresh_token"]),
        expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    )
    start, results, errors = threading.Barrier(8), [], []

    def task():
        try:
            start.wait(5)
            results.append(operations.get_access_token(connection_id=connection.pk))
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=task) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert fake_strava.refresh_calls == 1
    assert len(set(results)) == 1
    assert len(results) == 8
    connection.refresh_from_db()
    assert crypto.unseal(connection.refresh_token) in fake_strava.refresh_tokens
