"""Every sport in its place: families, their own best efforts and records, and what each page counts."""

import datetime
import io
import re
import zoneinfo

import pytest
from django.core.management import call_command

from apps.accounts.interface import testing as accounts_testing
from apps.reports.interface.service import reports_service
from apps.runs.interface import contracts
from apps.runs.interface.service import runs_service
from tests.runs.tracks import draft, track

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
RUN_3K = [(900, 3000 / 900)]  # 3 km at 5:00/km
RIDE_25K = [(3125, 8.0)]  # 25 km at 28.8 km/h
WALK_6K = [(4000, 1.5)]  # 6 km at 11:06/km


@pytest.fixture
def runner():
    return accounts_testing.create_user(email="ada@example.com", password=PASSWORD, timezone="Europe/Paris")


def _record(user_id, segments, sport, *, start, name=""):
    return runs_service.record_run(
        draft=draft(user_id, track(segments), sport=sport, start=start, name=name, source_id=f"{sport}-{start}")
    ).run


def test_each_sport_is_in_its_family():
    assert {sport: contracts.FAMILY_OF[sport].value for sport in contracts.Sport} == {
        "run": "running",
        "trail_run": "running",
        "treadmill": "running",
        "ride": "cycling",
        "walk": "walking",
        "hike": "walking",
        "other": "other",
    }
    assert contracts.RUNNING_SPORTS == (contracts.Sport.RUN, contracts.Sport.TRAIL_RUN, contracts.Sport.TREADMILL)


def test_the_one_pace_rule_is_moving_time_over_distance():
    assert contracts.pace_s_per_km(distance_m=5000, moving_s=1500) == 300.0
    assert contracts.pace_s_per_km(distance_m=9.9, moving_s=60) is None  # too short to mean anything
    assert contracts.pace_s_per_km(distance_m=5000, moving_s=0) is None
    assert contracts.speed_kmh(distance_m=25000, moving_s=3125) == 28.8


def test_a_ride_gets_cycling_efforts_and_leaves_the_running_records_alone(service_mode, runner):
    start = datetime.datetime(2026, 5, 10, 7, tzinfo=datetime.UTC)
    run = _record(runner.id, RUN_3K, contracts.Sport.RUN, start=start)
    ride = _record(runner.id, RIDE_25K, contracts.Sport.RIDE, start=start + datetime.timedelta(days=1))
    walk = _record(runner.id, WALK_6K, contracts.Sport.HIKE, start=start + datetime.timedelta(days=2))
    assert (ride.family, ride.speed_kmh, ride.splits) == (contracts.Family.CYCLING, 28.8, [])
    assert [(e.distance_key, round(e.elapsed_s)) for e in ride.best_efforts] == [("10k", 1250), ("20k", 2500)]
    assert walk.family == contracts.Family.WALKING
    records = runs_service.list_personal_records(user_id=runner.id)
    assert [(r.family, r.distance_key, round(r.elapsed_s), r.run_id, r.run_sport) for r in records] == [
        ("running", "400m", 120, run.id, "run"),
        ("running", "1k", 300, run.id, "run"),
        ("running", "1mi", 483, run.id, "run"),
        ("cycling", "10k", 1250, ride.id, "ride"),
        ("cycling", "20k", 2500, ride.id, "ride"),
        ("walking", "1k", 667, walk.id, "hike"),
        ("walking", "5k", 3333, walk.id, "hike"),
    ]
    running = runs_service.list_personal_records(user_id=runner.id, family=contracts.Family.RUNNING)
    assert {r.run_id for r in running} == {run.id}


def test_a_run_changed_to_a_ride_gets_a_rides_efforts(service_mode, runner):
    recorded = _record(
        runner.id, RIDE_25K, contracts.Sport.RUN, start=datetime.datetime(2026, 5, 10, tzinfo=datetime.UTC)
    )
    assert [e.distance_key for e in recorded.best_efforts] == ["400m", "1k", "1mi", "5k", "10k", "half"]
    changed = runs_service.update_run(user_id=runner.id, run_id=recorded.id, sport=contracts.Sport.RIDE)
    assert [e.distance_key for e in changed.best_efforts] == ["10k", "20k"]
    assert changed.splits == []
    assert runs_service.list_personal_records(user_id=runner.id, family=contracts.Family.RUNNING) == []
    back = runs_service.update_run(user_id=runner.id, run_id=recorded.id, sport=contracts.Sport.TRAIL_RUN)
    assert [e.distance_key for e in back.best_efforts] == ["400m", "1k", "1mi", "5k", "10k", "half"]
    assert len(back.splits) == 25


def _number(html, label):
    return re.search(rf"<small>{label}</small><strong>([^<]*)</strong>", html).group(1)


def test_the_dashboard_the_report_the_api_and_the_records_agree_on_a_month_with_runs_and_rides(
    client, runner, django_capture_on_commit_callbacks
):
    client.login(email="ada@example.com", password=PASSWORD)
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    today = datetime.datetime.now(paris).date()
    first = datetime.datetime.combine(today, datetime.time(0, 1), tzinfo=paris)  # this month, whatever the day
    with django_capture_on_commit_callbacks(execute=True):  # the reports app hears of each run as it is recorded
        _record(runner.id, RUN_3K, contracts.Sport.RUN, start=first, name="Easy")
        _record(runner.id, [(1500, 5000 / 1500)], contracts.Sport.TRAIL_RUN, start=first + datetime.timedelta(hours=1))
        _record(runner.id, RIDE_25K, contracts.Sport.RIDE, start=first + datetime.timedelta(hours=2), name="Commute")
        _record(runner.id, WALK_6K, contracts.Sport.WALK, start=first + datetime.timedelta(hours=4))

    api = client.get(f"/api/v1/months/{today.year}/{today.month}/").json()
    assert (api["runs"], api["distance_m"], api["moving_s"]) == (2, 8000.0, 2400.0)
    report = reports_service.get_month_report(user_id=runner.id, year=today.year, month=today.month).summary
    assert (report.runs, report.distance_m, report.moving_s) == (2, 8000.0, 2400.0)
    dashboard = client.get("/dashboard/").content.decode()
    assert (_number(dashboard, "Runs"), _number(dashboard, "Distance")) == ("2", "8.00 km")
    assert contracts.COUNTED_LABEL in dashboard
    month_page = client.get(f"/reports/{today.year}-{today.month:02d}/").content.decode()
    assert contracts.COUNTED_LABEL in month_page
    assert "8.00 km" in month_page
    rides = client.get(f"/api/v1/months/{today.year}/{today.month}/?family=cycling").json()
    assert (rides["runs"], rides["distance_m"]) == (1, 25000.0)

    records = client.get("/records/").content.decode()
    running = records[records.index('id="records-running"') : records.index('id="records-cycling"')]
    assert "Commute" not in running
    assert "Easy" in running
    assert re.findall(r"<td>(1 km|10 km|20 km)</td><td>([0-9:]+)</td><td>([^<]+)</td>", records) == [
        ("1 km", "5:00", "5:00 /km"),  # the run's (the trail run's 5 km at the same pace is later)
        ("10 km", "20:50", "28.8 km/h"),
        ("20 km", "41:40", "28.8 km/h"),
        ("1 km", "11:07", "11:07 /km"),
    ]


def test_a_rides_page_names_the_sport_and_shows_speed_not_pace_or_splits(client, runner):
    client.login(email="ada@example.com", password=PASSWORD)
    ride = _record(
        runner.id, RIDE_25K, contracts.Sport.RIDE, start=datetime.datetime(2026, 5, 10, tzinfo=datetime.UTC)
    )
    page = client.get(f"/runs/{ride.id}/").content.decode()
    assert "<h1>Ride</h1>" in page
    assert "<small>Speed</small><strong>28.8 km/h</strong>" in page
    assert 'aria-label="Speed along the run"' in page
    assert "<small>Pace</small>" not in page
    assert "<h2>Splits</h2>" not in page
    assert "<td>10 km</td><td>20:50</td><td>28.8 km/h</td>" in page
    listing = client.get("/runs/?sport=cycling").content.decode()
    assert "<td>Ride</td>" in listing
    assert "28.8 km/h" in listing
    assert client.get("/runs/?sport=running").content.decode().count("<td>Ride</td>") == 0


def test_a_strava_runs_own_distance_and_climb_survive_a_sport_change_and_a_recompute(service_mode, runner):
    start = datetime.datetime(2026, 5, 1, 7, tzinfo=datetime.UTC)
    strava = runs_service.record_run(
        draft=contracts.RunDraft(
            user_id=runner.id,
            source=contracts.Source.STRAVA,
            source_id="7",
            start=start,
            elapsed_s=900,
            moving_s=900,
            distance_m=3050,
            elevation_gain_m=123.0,
        )
    ).run
    runs_service.attach_streams(user_id=runner.id, run_id=strava.id, streams=track(RUN_3K))  # no altitude
    changed = runs_service.update_run(user_id=runner.id, run_id=strava.id, sport=contracts.Sport.HIKE)
    assert (changed.distance_m, changed.elevation_gain_m) == (3050.0, 123.0)
    assert [e.distance_key for e in changed.best_efforts] == ["1k"]  # walking distances now
    call_command("recompute_runs", stdout=io.StringIO())
    again = runs_service.get_run(user_id=runner.id, run_id=strava.id)
    assert (again.distance_m, again.elevation_gain_m, again.sport) == (3050.0, 123.0, "hike")
