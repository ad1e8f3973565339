"""The dashboard asks each service once, in a fixed number of queries whatever the runner has; what it keeps is
forgotten as soon as a run changes; its navigation marks the page's section."""

import datetime
import re

import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.races.interface import testing as races_testing
from apps.races.interface.service import races_service
from apps.runs.interface import contracts
from apps.runs.interface.service import runs_service

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
# The user (the session is read from the cache): every section is an answer its caller keeps until its service
# forgets the version it was computed under (project/rpc/versions.py). The first time, the runs section (month so
# far and last runs, two queries), last month's report, next sessions, the runner's races and others' (two), and
# unfinished imports.
QUERIES = 1
FIRST_QUERIES = QUERIES + 7


@pytest.fixture
def runner(client):
    profile = accounts_testing.create_user(email="ada@example.com", password=PASSWORD, timezone="Europe/Paris")
    client.login(email="ada@example.com", password=PASSWORD)
    return profile


def _today() -> datetime.date:
    return datetime.datetime.now(datetime.UTC).date()


def _record(runner, days_ago: int, name: str, distance_m: float = 5000.0) -> contracts.RunDetail:
    start = datetime.datetime.combine(_today() - datetime.timedelta(days=days_ago), datetime.time(12), datetime.UTC)
    draft = contracts.RunDraft(
        user_id=runner.id,
        source=contracts.Source.MANUAL,
        name=name,
        start=start,
        timezone="Europe/Paris",
        distance_m=distance_m,
        elapsed_s=1500.0,
    )
    return runs_service.record_run(draft=draft).run


def _races(runner, *, others: int, running: int) -> None:
    bob = accounts_testing.create_user(email="bob@example.com")
    for days in range(1, others + 1):
        races_testing.add_race(added_by_id=bob.id, name=f"Race {days}", race_date=_today() + datetime.timedelta(days))
    for days in range(1, running + 1):
        race = races_testing.add_race(
            added_by_id=bob.id, name=f"Mine {days}", race_date=_today() + datetime.timedelta(days=40 + days)
        )
        races_service.set_running(user_id=runner.id, race_id=race.id, running=True)


def test_the_dashboard_makes_the_same_queries_with_many_runs_and_races(client, runner, django_assert_num_queries):
    for day in range(12):
        _record(runner, day, f"Run {day}")
    _races(runner, others=7, running=3)
    with django_assert_num_queries(FIRST_QUERIES):
        first = client.get("/dashboard/")
    with django_assert_num_queries(QUERIES):
        again = client.get("/dashboard/")
    assert first.status_code == again.status_code == 200
    content = again.content.decode()
    assert content.count('href="/runs/') - content.count('href="/runs/"') - content.count('href="/runs/new/"') >= 10
    assert re.findall(r"<li><a href=\"/races/\d+/\">(Mine \d)</a>", content) == ["Mine 1", "Mine 2", "Mine 3"]
    assert re.findall(r"<li><a href=\"/races/\d+/\">(Race \d)</a>", content) == [f"Race {n}" for n in range(1, 6)]


def test_a_run_recorded_after_the_dashboard_was_seen_is_on_it_at_once(
    client, runner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _record(runner, 0, "Before")
    assert ">Before</a>" in client.get("/dashboard/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the write forgets the runner's cached runs on commit
        _record(runner, 0, "After", distance_m=7000.0)
    content = client.get("/dashboard/").content.decode()
    assert ">After</a>" in content
    assert "<div><small>Runs</small><strong>2</strong></div>" in content
    assert "<div><small>Distance</small><strong>12.00 km</strong></div>" in content


def test_the_races_overview_answers_as_the_runners_races_and_the_search_do(runner, django_assert_num_queries):
    _races(runner, others=7, running=2)
    with django_assert_num_queries(2):
        overview = races_service.get_overview(user_id=runner.id, others=5)
    assert overview.running == races_service.list_races_of_runner(user_id=runner.id)
    assert overview.others == races_service.find_races(exclude_added_by=runner.id, limit=5).races
    assert [race.runners for race in overview.running] == [1, 1]


@pytest.mark.parametrize(
    ("path", "current"),
    [("/dashboard/", "/dashboard/"), ("/runs/", "/runs/"), ("/races/", "/races/"), ("/profile/", "/profile/")],
)
def test_each_copy_of_the_navigation_marks_the_pages_section_and_only_it(client, runner, path, current):
    content = client.get(path).content.decode()
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', content) == [current] * 3
    assert content.count('<li><a href="/strava/">Strava</a></li>') == 3
