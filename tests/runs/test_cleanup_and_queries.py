import datetime

import pytest
from django.db import connection

from apps.accounts.interface import testing as accounts_testing
from apps.runs import queries
from apps.runs.interface import testing as runs_testing
from apps.runs.interface.service import runs_service
from apps.runs.models import BestEffort, Run, RunStreams
from tests.runs.helpers import bulk_runs
from tests.runs.tracks import INTERVAL_SEGMENTS, draft, track

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [5, 500])
def test_a_page_of_runs_is_one_query_however_many_runs_there_are(django_assert_num_queries, count):
    user = accounts_testing.create_user()
    bulk_runs(user.id, count)
    with django_assert_num_queries(1):
        page = runs_service.list_runs(user_id=user.id, limit=50)
    assert len(page.runs) == min(count, 50)


def test_a_runs_detail_is_two_queries(django_assert_num_queries):
    user = accounts_testing.create_user()
    run = runs_service.record_run(draft=draft(user.id, track(INTERVAL_SEGMENTS))).run
    with django_assert_num_queries(2):
        assert runs_service.get_run(user_id=user.id, run_id=run.id).has_streams is True


def test_personal_records_are_two_queries(django_assert_num_queries):
    user = accounts_testing.create_user()
    runs_service.record_run(draft=draft(user.id, track(INTERVAL_SEGMENTS)))
    with django_assert_num_queries(2):
        assert len(runs_service.list_personal_records(user_id=user.id)) == 3


def test_deleting_an_account_deletes_its_runs_through_the_event(client, django_capture_on_commit_callbacks):
    user = accounts_testing.create_user(email="ada@example.com", password="a-long-enough-Passw0rd")
    other = accounts_testing.create_user(email="bob@example.com")
    runs_service.record_run(draft=draft(user.id, track(INTERVAL_SEGMENTS)))
    kept = runs_testing.record_manual_run(
        user_id=other.id, start=datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC), elapsed_s=600, distance_m=2000
    )
    client.login(email="ada@example.com", password="a-long-enough-Passw0rd")
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/profile/delete/", {"password": "a-long-enough-Passw0rd"})
    assert list(Run.objects.values_list("id", flat=True)) == [kept.id]
    assert RunStreams.objects.count() == 0
    assert BestEffort.objects.count() == 0


def test_a_page_of_runs_is_cached_until_the_runners_runs_change(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    user = accounts_testing.create_user()
    first = runs_service.list_runs(user_id=user.id)
    with django_assert_num_queries(0):
        assert runs_service.list_runs(user_id=user.id) == first
    with django_capture_on_commit_callbacks(execute=True):
        recorded = runs_service.record_run(draft=draft(user.id, track(INTERVAL_SEGMENTS))).run
    assert [run.id for run in runs_service.list_runs(user_id=user.id).runs] == [recorded.id]
    with django_capture_on_commit_callbacks(execute=True):
        runs_service.update_run(user_id=user.id, run_id=recorded.id, name="Renamed")
    assert runs_service.list_runs(user_id=user.id).runs[0].name == "Renamed"
    with django_capture_on_commit_callbacks(execute=True):
        runs_service.delete_run(user_id=user.id, run_id=recorded.id)
    assert runs_service.list_runs(user_id=user.id).runs == []


@pytest.mark.django_db
def test_a_page_after_a_cursor_starts_its_index_scan_at_the_cursor():
    """Keyset paging: the 50th page of ten years reads 51 index entries, not the 2,500 newer runs before it."""
    start = datetime.datetime(2020, 1, 5, 7, tzinfo=datetime.UTC)
    page = queries.list_runs_for_user(user_id=1, cursor=queries.encode_cursor(start=start, run_id=99))
    sql, params = page.values("id")[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # PostgreSQL's planner picks by table statistics, which a test database does not settle: read the
            # bound in the query instead (SQLite's plan below shows an index search uses it).
            assert '"runs_run"."start" <= %s' in sql
            return
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = [row[-1] for row in cursor.fetchall()]
    assert plan == ["SEARCH runs_run USING INDEX runs_user_start (user_id=? AND start<?)"]
