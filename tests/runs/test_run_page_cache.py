"""A run's page draws its charts, zones, splits and laps from the samples once per version of the runner's runs:
seen again, it fetches no samples and reads the same; a change to the run or the profile draws them again."""

import re

import pytest

from apps.accounts.interface import testing as accounts_testing
from apps.runs.interface import contracts
from apps.runs.interface.service import runs_service
from tests.runs.tracks import draft, track

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-Passw0rd"
# The user: the session is read from the cache, and the run (kept under the runner's runs version, as `get_run` is
# a kept read) and what is drawn from its samples are kept. The first time, the run (with whether it has samples),
# its best efforts and its samples too.
QUERIES = 1


@pytest.fixture
def runner(client):
    profile = accounts_testing.create_user(email="ada@example.com", password=PASSWORD, timezone="Europe/London")
    client.login(email="ada@example.com", password=PASSWORD)
    return profile


def _streams(seconds: int = 1800) -> contracts.Streams:
    streams = track([(seconds, 3.0)], elevation=lambda time_s: [100 + (t % 600) / 20 for t in time_s])
    return streams.model_copy(update={"heart_rate": [140 + int(t) % 20 for t in streams.time_s]})


def _without_tokens(content: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content)


def test_a_run_page_seen_again_reads_the_same_without_fetching_the_samples(client, runner, django_assert_num_queries):
    accounts_testing.update_profile(runner.id, resting_heart_rate=50, max_heart_rate=190)
    run = runs_service.record_run(draft=draft(runner.id, _streams())).run
    with django_assert_num_queries(QUERIES + 3):
        first = client.get(f"/runs/{run.id}/").content.decode()
    with django_assert_num_queries(QUERIES):
        again = client.get(f"/runs/{run.id}/").content.decode()
    assert _without_tokens(again) == _without_tokens(first)
    assert 'aria-label="Pace along the run"' in again
    assert "Zone 3 <small>Tempo</small>" in again
    assert again.count("<tr><td>") >= 5 + 5  # zones, and five kilometres of splits
    assert '<script id="run-chart-points" type="application/json">' in again


def test_a_new_sport_draws_the_run_again(client, runner, django_capture_on_commit_callbacks):
    run = runs_service.record_run(draft=draft(runner.id, _streams())).run
    assert 'aria-label="Pace along the run"' in client.get(f"/runs/{run.id}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the write forgets the runner's runs version on commit
        runs_service.update_run(user_id=runner.id, run_id=run.id, sport=contracts.Sport.RIDE)
    content = client.get(f"/runs/{run.id}/").content.decode()
    assert 'aria-label="Speed along the run"' in content
    assert 'aria-label="Pace along the run"' not in content
    assert "<h2>Splits</h2>" not in content  # a ride has none


def test_heart_rates_entered_in_the_profile_show_the_zones_at_once(client, runner):
    run = runs_service.record_run(draft=draft(runner.id, _streams())).run
    assert "Karvonen" not in client.get(f"/runs/{run.id}/").content.decode()
    accounts_testing.update_profile(runner.id, resting_heart_rate=50, max_heart_rate=190)
    content = client.get(f"/runs/{run.id}/").content.decode()
    assert "between your resting (50 bpm) and maximum (190 bpm) heart rates" in content


def test_another_runners_run_drawn_for_them_is_not_found_for_this_runner(client, runner):
    from django.test import Client

    accounts_testing.create_user(email="bob@example.com", password=PASSWORD)
    bob = Client()
    bob.login(email="bob@example.com", password=PASSWORD)
    run = runs_service.record_run(draft=draft(int(bob.session["_auth_user_id"]), _streams())).run
    assert bob.get(f"/runs/{run.id}/").status_code == 200  # drawn, and kept for bob
    assert client.get(f"/runs/{run.id}/").status_code == 404
