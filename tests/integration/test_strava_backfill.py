"""A Strava backfill of 1,000 activities through real workers on Redis, within the quota, surviving a crash.

The fake Strava runs in this process on loopback with 10-second rate-limit windows of 5 calls (the
app's quota window is shortened to match), so the 80% rule is exercised in seconds, not hours.
"""

import time

import pytest
import redis

from apps.accounts.interface import testing as accounts_testing
from apps.runs.models import Run
from apps.strava import crypto, tasks
from apps.strava.models import StravaConnection
from tests.fakes.strava.server import FakeStrava

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ATHLETE = 904
WINDOW_S = 10
QUOTA_CACHE = "redis://127.0.0.1:6379/13"


def _wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def fake():
    fake = FakeStrava(window_s=WINDOW_S)
    fake.limit_15min = fake.read_limit_15min = 5
    fake.base = fake.start()
    yield fake
    fake.stop()


def _connected(fake, *, timezone: str = "UTC", backfill: str = "pending"):
    """A runner whose Strava athlete (ATHLETE) is connected with the fake's tokens: (user, connection)."""
    user = accounts_testing.create_user(email="ultra@example.com", timezone=timezone)
    tokens = fake._issue(ATHLETE)
    connection = StravaConnection.objects.create(
        user_id=user.id,
        athlete_id=ATHLETE,
        scopes="read,activity:read_all",
        access_token=crypto.seal(tokens["access_token"]),
        refresh_token=crypto.seal(tokens["refresh_token"]),
        expires_at="2099-01-01T00:00:00Z",
        backfill=backfill,
    )
    return user, connection


def _strava_env(fake) -> dict[str, str]:
    """The workers' settings for the fake Strava, its short window and the quota shared in Redis."""
    return {
        "STRAVA_API_URL": f"{fake.base}/api/v3",
        "STRAVA_OAUTH_URL": f"{fake.base}/oauth",
        "STRAVA_CLIENT_ID": "4242",
        "STRAVA_CLIENT_SECRET": "fake-secret",
        "STRAVA_QUOTA_WINDOW_S": str(WINDOW_S),
        "DJANGO_CACHE_URL": QUOTA_CACHE,
    }


def test_1000_activities_arrive_once_each_within_the_quota_though_a_worker_is_killed(workers, fake):
    redis.Redis.from_url(QUOTA_CACHE).flushdb()
    fake.add_athlete(ATHLETE, activities=1000)
    user, connection = _connected(fake)
    workers.env = {
        **_strava_env(fake),  # the quota is shared by every worker, before and after the crash
        "RUNNERLY_BROKER_VISIBILITY_TIMEOUT": "5",  # the killed worker's task is handed out again after 5 s
        "RUNNERLY_BROKER_RESTORE_INTERVAL": "1",
    }
    first = workers.start()
    tasks.backfill.delay(connection_id=connection.pk)

    def strava_runs():
        return Run.objects.filter(user_id=user.id, source="strava").count()

    assert _wait_for(lambda: strava_runs() >= 200, timeout=60)
    workers.kill(first)
    stored_at_crash = strava_runs()
    assert stored_at_crash < 1000

    workers.start()
    # One solo worker handles the ~2,000 event deliveries of the runs it stored (plans, reports) before the
    # backfill's last page, which marks it done: minutes on a loaded machine (the event storm of issue #16).
    assert _wait_for(
        lambda: StravaConnection.objects.filter(pk=connection.pk, backfill="done").exists(), timeout=300
    ), f"stopped at {strava_runs()} runs"
    assert strava_runs() == 1000
    assert Run.objects.filter(user_id=user.id, source="strava").values("source_id").distinct().count() == 1000
    assert StravaConnection.objects.get(pk=connection.pk).imported == 1000
    per_window = fake.windows()
    assert max(per_window.values()) <= 4  # 80% of 5 calls, in every window
    assert sum(per_window.values()) >= 6  # 5 full pages and the empty one that ends the history
    assert len(per_window) >= 2  # the quota made the backfill wait for a later window


def test_a_1000_activity_history_refreshes_each_month_once_per_page_with_the_right_numbers(workers, fake):
    """The event storm of issue #16: each run's events are folded per month (reports) and per day (plans), so a
    page of 200 activities refreshes each month it touches once, not once per run."""
    import collections
    import datetime

    from apps.reports.models import MonthSummary
    from project.events.models import CoalescedWork, Delivery

    redis.Redis.from_url(QUOTA_CACHE).flushdb()
    fake.add_athlete(ATHLETE, activities=1000)
    fake.down.add("/api/v3/activities/")  # no streams: only the history's pages make events here
    user, connection = _connected(fake, timezone="Europe/Paris")
    workers.env = _strava_env(fake)
    workers.start()
    tasks.backfill.delay(connection_id=connection.pk)

    def settled():
        return (
            StravaConnection.objects.filter(pk=connection.pk, backfill="done").exists()
            and not Delivery.objects.filter(delivered_at=None, subscriber__startswith="reports.").exists()
            and not CoalescedWork.objects.exists()
        )

    assert _wait_for(settled, timeout=300), f"{Run.objects.filter(user_id=user.id).count()} runs stored"
    # The pages are 200 days each, oldest first (one activity a day from 2024-01-01, 06:00 UTC).
    first_day = datetime.date(2024, 1, 1)
    pages_of_month = collections.defaultdict(set)
    for day in range(1000):
        date = first_day + datetime.timedelta(days=day)
        pages_of_month[(date.year, date.month)].add(day // 200)
    expected = collections.defaultdict(lambda: [0, 0.0])
    for local_date, distance in Run.objects.filter(user_id=user.id).values_list("local_date", "distance_m"):
        expected[(local_date.year, local_date.month)][0] += 1
        expected[(local_date.year, local_date.month)][1] += distance
    summaries = {(s.year, s.month): s for s in MonthSummary.objects.filter(user_id=user.id)}
    assert set(summaries) == set(pages_of_month) == set(expected)
    for month, summary in summaries.items():
        assert (summary.runs, summary.distance_m) == (expected[month][0], pytest.approx(expected[month][1])), month
        assert summary.requested <= len(pages_of_month[month]), (month, summary.requested)
    assert sum(s.requested for s in summaries.values()) <= 33 + 4  # 33 months, 4 of them on two pages


def test_a_webhook_event_met_by_a_full_window_is_imported_once_when_the_window_opens(workers, fake, client):
    """Issue #16: no lost Strava event. Strava's window is used up when the event comes; nothing is done by hand."""
    import datetime
    import json

    import requests

    from apps.strava.models import PendingEvent

    redis.Redis.from_url(QUOTA_CACHE).flushdb()
    athlete = fake.add_athlete(ATHLETE)
    athlete.activities.append(fake.activity(ATHLETE, 555, datetime.datetime(2026, 5, 1, 7, tzinfo=datetime.UTC)))
    user, connection = _connected(fake, backfill="done")
    workers.env = _strava_env(fake)
    workers.start()
    headers = {"Authorization": f"Bearer {crypto.unseal(connection.access_token)}"}
    while time.time() % WINDOW_S > 1:  # at the start of a window, so the event meets it full
        time.sleep(0.05)
    while requests.get(f"{fake.base}/api/v3/athlete", headers=headers, timeout=5).status_code != 429:
        pass  # another app of the athlete's uses up Strava's window
    event = {
        "object_type": "activity",
        "object_id": 555,
        "aspect_type": "create",
        "owner_id": ATHLETE,
        "subscription_id": 1,
    }
    response = client.post("/strava/webhook/", data=json.dumps(event), content_type="application/json")
    assert (response.status_code, response.json()) == (200, {"status": "received"})

    def imported():
        return Run.objects.filter(user_id=user.id, source="strava", source_id="555").count() == 1

    assert _wait_for(lambda: PendingEvent.objects.filter(last_error__startswith="Strava's rate limit").exists(), 8)
    assert _wait_for(imported, timeout=3 * WINDOW_S + 10)  # the next window, with no sweep and no command
    assert _wait_for(lambda: not PendingEvent.objects.exists(), timeout=10)
    assert Run.objects.filter(user_id=user.id, source="strava").count() == 1
