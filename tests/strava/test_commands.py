import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface.service import runs_service
from apps.strava import crypto, tasks
from apps.strava.models import StravaConnection

pytestmark = pytest.mark.django_db
ATHLETE = 902


@pytest.fixture
def connected(fake_strava):
    """A runner connected to the fake Strava (tokens issued by it), with nothing imported yet."""
    user = accounts_testing.create_user(email="ada@example.com")
    fake_strava.add_athlete(ATHLETE, activities=250)
    tokens = fake_strava._issue(ATHLETE)
    StravaConnection.objects.create(
        user_id=user.id,
        athlete_id=ATHLETE,
        scopes="read,activity:read_all",
        access_token=crypto.seal(tokens["access_token"]),
        refresh_token=crypto.seal(tokens["refresh_token"]),
        expires_at="2099-01-01T00:00:00Z",
    )
    return user


def test_strava_sync_imports_with_progress_and_a_full_resync_stores_nothing_twice(connected, fake_strava):
    out = io.StringIO()
    call_command("strava_sync", user="ada@example.com", stdout=out, no_color=True)
    assert out.getvalue().splitlines() == [
        f"athlete {ATHLETE}: 200 imported so far",
        f"athlete {ATHLETE}: up to date, 250 imported",
    ]
    call_command("strava_sync", full=True, stdout=io.StringIO())
    assert len(runs_service.list_runs(user_id=connected.id, limit=200).runs) == 200
    assert StravaConnection.objects.get().imported == 250


def test_strava_sync_names_an_unknown_runner(fake_strava):
    with pytest.raises(CommandError, match=r"no user with email .nobody@example\.com."):
        call_command("strava_sync", user="nobody@example.com")


def test_strava_webhook_create_list_delete(fake_strava, settings):
    with pytest.raises(CommandError, match="STRAVA_WEBHOOK_PATH_SECRET"):
        call_command("strava_webhook", "create", "https://runnerly.example/strava/webhook/", stdout=io.StringIO())
    settings.STRAVA_WEBHOOK_PATH_SECRET = "s3cret-segment"
    out = io.StringIO()
    call_command("strava_webhook", "create", "https://runnerly.example/strava/webhook/", stdout=out, no_color=True)
    assert out.getvalue().strip() == "subscription 1 created; set STRAVA_SUBSCRIPTION_ID=1"
    out = io.StringIO()
    call_command("strava_webhook", "list", stdout=out)
    assert out.getvalue().strip() == "1  https://runnerly.example/strava/webhook/s3cret-segment/"
    call_command("strava_webhook", "delete", "1", stdout=io.StringIO())
    assert fake_strava.subscriptions == {}


def test_the_safety_sync_reads_what_is_new_for_finished_connections(connected, fake_strava):
    call_command("strava_sync", stdout=io.StringIO())

    fake_strava.athletes[ATHLETE].activities.append(
        fake_strava.activity(ATHLETE, 999_999, datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    )
    assert tasks.safety_sync() == 1
    assert StravaConnection.objects.get().imported == 251


def test_the_safety_sync_takes_up_a_history_import_that_was_never_queued(connected, fake_strava):
    # Connected while the broker was down: the backfill stayed pending, with no task to run it.
    StravaConnection.objects.update(updated_at=timezone.now() - datetime.timedelta(minutes=16))
    assert tasks.safety_sync() == 1
    connection = StravaConnection.objects.get()
    assert (connection.backfill, connection.imported) == (StravaConnection.Backfill.DONE, 250)


def test_the_safety_sync_leaves_a_history_import_in_progress_or_waiting_for_its_window(connected, fake_strava):
    StravaConnection.objects.update(backfill=StravaConnection.Backfill.RUNNING)  # updated just now
    assert tasks.safety_sync() == 0
    later = timezone.now() + datetime.timedelta(minutes=10)
    StravaConnection.objects.update(
        backfill=StravaConnection.Backfill.WAITING,
        next_batch_at=later,
        updated_at=timezone.now() - datetime.timedelta(hours=1),
    )
    assert tasks.safety_sync() == 0
    assert StravaConnection.objects.get().imported == 0
