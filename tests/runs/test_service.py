"""RunsService, every method in both service modes."""

import datetime

import polyline
import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface import contracts, errors
from apps.runs.interface.service import runs_service
from apps.runs.models import BestEffort, Run
from project.events.models import OutboxEvent
from project.rpc.errors import InvalidRequest
from tests.runs.tracks import INTERVAL_SEGMENTS, draft, track

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


@pytest.fixture
def runner():
    return accounts_testing.create_user(email="ada@example.com", timezone="America/New_York")


def manual(user_id, *, start, distance_m=5000.0, elapsed_s=1500.0, source_id="", **fields):
    return contracts.RunDraft(
        user_id=user_id,
        source=contracts.Source.MANUAL,
        source_id=source_id,
        start=start,
        distance_m=distance_m,
        elapsed_s=elapsed_s,
        **fields,
    )


def test_recording_a_track_computes_and_stores_its_stats(service_mode, runner):
    recorded = runs_service.record_run(
        draft=draft(runner.id, track(INTERVAL_SEGMENTS), source_id="a.gpx", name="Intervals")
    )
    run = recorded.run
    assert (recorded.created, recorded.duplicate_of_id) == (True, None)
    assert (run.name, run.sport, run.source, run.source_id) == ("Intervals", "run", "file", "a.gpx")
    assert run.timezone == "Europe/Paris"  # from the first position, not the profile
    assert run.start == datetime.datetime(2026, 5, 10, 7, 0, tzinfo=UTC)
    assert run.local_date == datetime.date(2026, 5, 10)
    assert (run.elapsed_s, run.moving_s, run.distance_m) == (680.0, 680.0, 3000.0)
    assert run.pace_s_per_km == pytest.approx(226.7, abs=0.05)
    assert [(e.distance_key, round(e.elapsed_s)) for e in run.best_efforts] == [
        ("400m", 80),
        ("1k", 200),
        ("1mi", 346),
    ]
    assert [split.index for split in run.splits] == [1, 2, 3]
    assert run.has_streams is True
    assert polyline.decode(run.polyline, 5)[0] == (48.85, 2.35)


def test_a_manual_run_takes_the_runners_time_zone_for_its_local_date(service_mode, runner):
    # 02:30 UTC on 1 March is still 28 February in New York.
    run = runs_service.record_run(draft=manual(runner.id, start=datetime.datetime(2026, 3, 1, 2, 30, tzinfo=UTC))).run
    assert (run.timezone, run.local_date) == ("America/New_York", datetime.date(2026, 2, 28))
    assert (run.distance_m, run.elapsed_s, run.moving_s, run.pace_s_per_km) == (5000.0, 1500.0, 1500.0, 300.0)
    assert (run.has_streams, run.best_efforts, run.splits) == (False, [], [])


def test_recording_the_same_source_id_twice_stores_one_run(service_mode, runner):
    first = runs_service.record_run(draft=draft(runner.id, track(INTERVAL_SEGMENTS), source_id="sha256:abc"))
    again = runs_service.record_run(draft=draft(runner.id, track(INTERVAL_SEGMENTS), source_id="sha256:abc"))
    assert (again.created, again.run.id) == (False, first.run.id)
    assert Run.objects.count() == 1
    assert OutboxEvent.objects.filter(name="runs.run_recorded").count() == 1


def test_the_same_run_from_another_source_is_kept_hidden_as_a_duplicate(service_mode, runner):
    start = datetime.datetime(2026, 5, 10, 7, 0, tzinfo=UTC)
    original = runs_service.record_run(
        draft=draft(runner.id, track(INTERVAL_SEGMENTS), source_id="a.gpx", start=start)
    )
    same = runs_service.record_run(
        draft=manual(
            runner.id, start=start + datetime.timedelta(seconds=45), distance_m=3080, elapsed_s=690, source_id="s1"
        )
    )
    assert (same.created, same.duplicate_of_id, same.run.hidden) == (True, original.run.id, True)
    other = runs_service.record_run(
        draft=manual(
            runner.id, start=start + datetime.timedelta(seconds=45), distance_m=3100, elapsed_s=690, source_id="s2"
        )
    )
    assert (other.duplicate_of_id, other.run.hidden) == (None, False)  # 3.3% longer: another run
    assert [run.id for run in runs_service.list_runs(user_id=runner.id).runs] == [other.run.id, original.run.id]


def test_an_invalid_manual_run_is_refused_and_nothing_is_stored(service_mode, runner):
    start = datetime.datetime(2026, 5, 10, 7, 0, tzinfo=UTC)
    with pytest.raises(errors.InvalidRun) as raised:
        runs_service.record_run(draft=manual(runner.id, start=start, elapsed_s=0))
    assert raised.value.fields == {"elapsed_s": ["must be more than 0 seconds"]}
    with pytest.raises(errors.InvalidRun, match="unknown time zone 'Mars/Olympus'"):
        runs_service.record_run(draft=manual(runner.id, start=start, timezone="Mars/Olympus"))
    # 12.5 m/s is the fastest a runner moves at all (contracts.MAX_SPEED_M_S): 1,609,344 m in 3000 s is a slip.
    with pytest.raises(errors.InvalidRun, match="1609344 m in 3000 s is faster than anyone moves on a run") as raised:
        runs_service.record_run(draft=manual(runner.id, start=start, distance_m=1_609_344, elapsed_s=3000))
    assert raised.value.fields == {"distance_m": ["too far for the time"], "elapsed_s": ["too short for the distance"]}
    assert Run.objects.count() == 0
    assert OutboxEvent.objects.count() == 0


def test_get_run_of_another_user_is_not_found(service_mode, runner):
    run = runs_service.record_run(draft=manual(runner.id, start=datetime.datetime(2026, 5, 1, tzinfo=UTC))).run
    other = accounts_testing.create_user(email="bob@example.com")
    assert runs_service.get_run(user_id=runner.id, run_id=run.id) == run
    with pytest.raises(errors.RunNotFound):
        runs_service.get_run(user_id=other.id, run_id=run.id)


def test_list_runs_filters_by_local_date_and_sport_and_pages_with_a_cursor(service_mode, runner):
    ids = {}
    for day in range(1, 8):
        sport = contracts.Sport.RIDE if day == 4 else contracts.Sport.RUN
        start = datetime.datetime(2026, 4, day, 12, tzinfo=UTC)
        ids[day] = runs_service.record_run(draft=manual(runner.id, start=start, sport=sport)).run.id
    first = runs_service.list_runs(
        user_id=runner.id,
        start_date=datetime.date(2026, 4, 2),
        end_date=datetime.date(2026, 4, 6),
        sports=[contracts.Sport.RUN],
        limit=2,
    )
    assert [run.id for run in first.runs] == [ids[6], ids[5]]
    second = runs_service.list_runs(
        user_id=runner.id,
        start_date=datetime.date(2026, 4, 2),
        end_date=datetime.date(2026, 4, 6),
        sports=[contracts.Sport.RUN],
        cursor=first.next_cursor,
        limit=2,
    )
    assert [run.id for run in second.runs] == [ids[3], ids[2]]
    assert second.next_cursor is None


def test_list_runs_refuses_a_forged_cursor(service_mode, runner):
    with pytest.raises(errors.InvalidCursor):
        runs_service.list_runs(user_id=runner.id, cursor="not-a-cursor")


def test_month_summary_counts_visible_runs_by_local_month(service_mode, runner):
    # New York (UTC-4 in April): the first is 31 March locally; 03:59 UTC on 1 May is still 30 April.
    for start in ["2026-04-01T02:00:00+00:00", "2026-04-01T12:00:00+00:00", "2026-04-30T23:30:00+00:00"]:
        runs_service.record_run(
            draft=manual(runner.id, start=datetime.datetime.fromisoformat(start), elevation_gain_m=12)
        )
    runs_service.record_run(
        draft=manual(
            runner.id, start=datetime.datetime(2026, 5, 1, 3, 59, tzinfo=UTC), distance_m=8000, elapsed_s=2400
        )
    )
    april = runs_service.get_month_summary(user_id=runner.id, year=2026, month=4)
    assert april == contracts.MonthSummary(
        user_id=runner.id,
        year=2026,
        month=4,
        runs=3,
        distance_m=5000 + 5000 + 8000,
        moving_s=1500 + 1500 + 2400,
        elapsed_s=1500 + 1500 + 2400,
        elevation_gain_m=24,
    )
    runs_service.record_run(draft=manual(runner.id, start=datetime.datetime(2026, 5, 1, 4, 0, tzinfo=UTC)))
    assert runs_service.get_month_summary(user_id=runner.id, year=2026, month=5).runs == 1
    empty = runs_service.get_month_summary(user_id=runner.id, year=2025, month=4)
    assert (empty.runs, empty.distance_m) == (0, 0)


def test_the_overview_is_the_months_summary_and_the_last_runs_in_one_call(service_mode, runner):
    for day in range(1, 5):
        runs_service.record_run(draft=manual(runner.id, start=datetime.datetime(2026, 4, day, 7, tzinfo=UTC)))
    ride = manual(runner.id, start=datetime.datetime(2026, 4, 5, 7, tzinfo=UTC), sport=contracts.Sport.RIDE)
    runs_service.record_run(draft=ride)
    running = [contracts.Sport.RUN]
    overview = runs_service.get_overview(user_id=runner.id, year=2026, month=4, sports=running, last=3)
    assert overview == contracts.RunsOverview(
        month=runs_service.get_month_summary(user_id=runner.id, year=2026, month=4, sports=running),
        last_runs=runs_service.list_runs(user_id=runner.id, limit=3).runs,
    )
    assert (overview.month.runs, [run.local_date.day for run in overview.last_runs]) == (4, [5, 4, 3])


def test_personal_records_are_the_fastest_effort_per_distance(service_mode, runner):
    slow = runs_service.record_run(draft=draft(runner.id, track([(900, 3.0)]), source_id="slow")).run
    fast = runs_service.record_run(
        draft=draft(
            runner.id, track(INTERVAL_SEGMENTS), source_id="fast", start=datetime.datetime(2026, 6, 1, tzinfo=UTC)
        )
    ).run
    records = runs_service.list_personal_records(user_id=runner.id)
    assert [(r.distance_key, r.run_id, round(r.elapsed_s)) for r in records] == [
        ("400m", fast.id, 80),
        ("1k", fast.id, 200),
        ("1mi", fast.id, 346),
    ]
    assert slow.id != fast.id
    runs_service.update_run(user_id=runner.id, run_id=fast.id, hidden=True)
    assert [r.run_id for r in runs_service.list_personal_records(user_id=runner.id)] == [slow.id, slow.id, slow.id]


def test_list_best_efforts_gives_a_ranges_efforts_with_their_runs(service_mode, runner):
    may = runs_service.record_run(draft=draft(runner.id, track(INTERVAL_SEGMENTS), source_id="may")).run
    june = runs_service.record_run(
        draft=draft(
            runner.id,
            track([(900, 3.0)]),
            source_id="june",
            start=datetime.datetime(2026, 6, 1, 7, tzinfo=UTC),
            sport=contracts.Sport.TRAIL_RUN,
        )
    ).run
    efforts = runs_service.list_best_efforts(
        user_id=runner.id, start_date=datetime.date(2026, 5, 1), end_date=datetime.date(2026, 6, 30)
    )
    assert [(e.run_id, e.local_date, e.sport, e.distance_key) for e in efforts] == [
        (may.id, datetime.date(2026, 5, 10), "run", "400m"),
        (may.id, datetime.date(2026, 5, 10), "run", "1k"),
        (may.id, datetime.date(2026, 5, 10), "run", "1mi"),
        (june.id, datetime.date(2026, 6, 1), "trail_run", "400m"),
        (june.id, datetime.date(2026, 6, 1), "trail_run", "1k"),
        (june.id, datetime.date(2026, 6, 1), "trail_run", "1mi"),
    ]
    assert [round(e.elapsed_s) for e in efforts[:3]] == [80, 200, 346]
    only_road = runs_service.list_best_efforts(
        user_id=runner.id,
        start_date=datetime.date(2026, 5, 1),
        end_date=datetime.date(2026, 6, 30),
        sports=[contracts.Sport.RUN],
    )
    assert {e.run_id for e in only_road} == {may.id}
    runs_service.update_run(user_id=runner.id, run_id=may.id, hidden=True)
    assert {
        e.run_id
        for e in runs_service.list_best_efforts(
            user_id=runner.id, start_date=datetime.date(2026, 5, 1), end_date=datetime.date(2026, 6, 30)
        )
    } == {june.id}
    with pytest.raises(InvalidRequest, match="a range of 1 to 366 days, got 2026-06-30 to 2026-05-01"):
        runs_service.list_best_efforts(
            user_id=runner.id, start_date=datetime.date(2026, 6, 30), end_date=datetime.date(2026, 5, 1)
        )


def test_list_active_months_counts_visible_runs_per_local_month(service_mode, runner):
    for start in [
        datetime.datetime(2025, 12, 31, 12, tzinfo=UTC),
        datetime.datetime(2026, 3, 1, 3, tzinfo=UTC),  # 28 February, 22:00 in New York
        datetime.datetime(2026, 3, 2, 12, tzinfo=UTC),
    ]:
        runs_service.record_run(draft=manual(runner.id, start=start, timezone=None))
    ride = runs_service.record_run(
        draft=manual(runner.id, start=datetime.datetime(2026, 4, 2, 12, tzinfo=UTC), sport=contracts.Sport.RIDE)
    ).run
    assert [(m.year, m.month, m.runs) for m in runs_service.list_active_months(user_id=runner.id)] == [
        (2025, 12, 1),
        (2026, 2, 1),
        (2026, 3, 1),
        (2026, 4, 1),
    ]
    running = runs_service.list_active_months(user_id=runner.id, sports=[contracts.Sport.RUN])
    assert [(m.year, m.month) for m in running] == [(2025, 12), (2026, 2), (2026, 3)]
    assert ride.sport == "ride"


def test_update_run_changes_only_what_is_given(service_mode, runner):
    run = runs_service.record_run(
        draft=manual(runner.id, start=datetime.datetime(2026, 5, 1, tzinfo=UTC), name="x")
    ).run
    updated = runs_service.update_run(user_id=runner.id, run_id=run.id, notes="windy", sport=contracts.Sport.TRAIL_RUN)
    assert (updated.name, updated.notes, updated.sport) == ("x", "windy", "trail_run")
    assert OutboxEvent.objects.filter(name="runs.run_updated").count() == 1


def test_update_or_delete_of_another_users_run_is_not_found_and_changes_nothing(service_mode, runner):
    run = runs_service.record_run(draft=manual(runner.id, start=datetime.datetime(2026, 5, 1, tzinfo=UTC))).run
    other = accounts_testing.create_user(email="bob@example.com")
    with pytest.raises(errors.RunNotFound):
        runs_service.update_run(user_id=other.id, run_id=run.id, name="mine now")
    with pytest.raises(errors.RunNotFound):
        runs_service.delete_run(user_id=other.id, run_id=run.id)
    assert Run.objects.get().name == ""


def test_deleting_a_run_promotes_its_duplicate(service_mode, runner):
    start = datetime.datetime(2026, 5, 10, 7, 0, tzinfo=UTC)
    original = runs_service.record_run(draft=manual(runner.id, start=start, source_id="a")).run
    duplicate = runs_service.record_run(draft=manual(runner.id, start=start, source_id="b")).run
    assert duplicate.hidden is True
    assert runs_service.delete_run(user_id=runner.id, run_id=original.id) is None
    promoted = runs_service.get_run(user_id=runner.id, run_id=duplicate.id)
    assert (promoted.hidden, promoted.duplicate_of_id) == (False, None)
    assert list(OutboxEvent.objects.filter(name="runs.run_deleted").values_list("payload", flat=True)) == [
        {"run_id": original.id, "user_id": runner.id, "local_date": "2026-05-10"}
    ]
    assert BestEffort.objects.filter(run_id=original.id).count() == 0


def test_find_run_by_source_and_delete_runs_from_source(service_mode, runner):
    start = datetime.datetime(2026, 5, 1, 7, tzinfo=UTC)
    strava = runs_service.record_run(
        draft=contracts.RunDraft(
            user_id=runner.id, source="strava", source_id="123", start=start, elapsed_s=600, distance_m=2000
        )
    ).run
    mine = runs_service.record_run(draft=manual(runner.id, start=start + datetime.timedelta(days=1))).run
    found = runs_service.find_run_by_source(user_id=runner.id, source=contracts.Source.STRAVA, source_id="123")
    assert found.id == strava.id
    with pytest.raises(errors.RunNotFound):
        runs_service.find_run_by_source(user_id=runner.id, source=contracts.Source.STRAVA, source_id="124")
    other = accounts_testing.create_user(email="bob@example.com")
    with pytest.raises(errors.RunNotFound):
        runs_service.find_run_by_source(user_id=other.id, source=contracts.Source.STRAVA, source_id="123")
    assert runs_service.delete_runs_from_source(user_id=runner.id, source=contracts.Source.STRAVA) == 1
    assert [run.id for run in runs_service.list_runs(user_id=runner.id).runs] == [mine.id]
    assert OutboxEvent.objects.filter(name="runs.run_deleted").count() == 1


def test_runs_without_streams_then_attaching_them(service_mode, runner):
    start = datetime.datetime(2026, 5, 1, 7, tzinfo=UTC)
    strava = runs_service.record_run(
        draft=contracts.RunDraft(
            user_id=runner.id,
            source="strava",
            source_id="9",
            start=start,
            elapsed_s=680,
            moving_s=680,
            distance_m=3000,
        )
    ).run
    runs_service.record_run(
        draft=draft(runner.id, track(INTERVAL_SEGMENTS), source_id="f", start=start.replace(day=2))
    )
    missing = runs_service.list_runs_without_streams(user_id=runner.id, source=contracts.Source.STRAVA)
    assert [(run.id, run.source_id) for run in missing] == [(strava.id, "9")]
    detail = runs_service.attach_streams(user_id=runner.id, run_id=strava.id, streams=track(INTERVAL_SEGMENTS))
    assert (detail.has_streams, detail.distance_m, detail.moving_s) == (True, 3000.0, 680.0)
    assert [(e.distance_key, round(e.elapsed_s)) for e in detail.best_efforts] == [
        ("400m", 80),
        ("1k", 200),
        ("1mi", 346),
    ]
    assert runs_service.list_runs_without_streams(user_id=runner.id, source=contracts.Source.STRAVA) == []
    with pytest.raises(errors.InvalidRun):
        runs_service.attach_streams(user_id=runner.id, run_id=strava.id, streams=contracts.Streams(time_s=[0.0]))
    other = accounts_testing.create_user(email="bob@example.com")
    with pytest.raises(errors.RunNotFound):
        runs_service.attach_streams(user_id=other.id, run_id=strava.id, streams=track(INTERVAL_SEGMENTS))
