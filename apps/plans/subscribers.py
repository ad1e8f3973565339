"""Runs tick sessions off (recomputed per local day, so events may come twice or in any order); races move plans."""

from apps.accounts.interface import events as accounts_events
from apps.plans import operations
from apps.races.interface import events as races_events
from apps.runs.interface import events as runs_events
from project.events import registry


def _day_of(event: runs_events.RunRecorded | runs_events.RunUpdated | runs_events.RunDeleted) -> str:
    """What a run event makes plans recompute: the runner's day (a batch of runs ticks each day once)."""
    return f"{event.user_id}:{event.local_date.isoformat()}"


@registry.subscriber(
    runs_events.RunRecorded, name="plans.tick_on_run_recorded", in_transaction=False, coalesce=_day_of
)
def tick_on_run_recorded(event: runs_events.RunRecorded) -> None:
    operations.tick_sessions(user_id=event.user_id, local_date=event.local_date)


@registry.subscriber(runs_events.RunUpdated, name="plans.tick_on_run_updated", in_transaction=False, coalesce=_day_of)
def tick_on_run_updated(event: runs_events.RunUpdated) -> None:
    operations.tick_sessions(user_id=event.user_id, local_date=event.local_date)


@registry.subscriber(runs_events.RunDeleted, name="plans.tick_on_run_deleted", in_transaction=False, coalesce=_day_of)
def tick_on_run_deleted(event: runs_events.RunDeleted) -> None:
    operations.tick_sessions(user_id=event.user_id, local_date=event.local_date)


@registry.subscriber(races_events.RaceRescheduled, name="plans.move_on_race_rescheduled", in_transaction=False)
def move_on_race_rescheduled(event: races_events.RaceRescheduled) -> None:
    operations.move_to_race_date(race_id=event.race_id, race_date=event.race_date)


@registry.subscriber(races_events.RaceRenamed, name="plans.rename_on_race_renamed", in_transaction=False)
def rename_on_race_renamed(event: races_events.RaceRenamed) -> None:
    operations.follow_race_name(race_id=event.race_id)


@registry.subscriber(races_events.RaceMerged, name="plans.follow_merged_race")
def follow_merged_race(event: races_events.RaceMerged) -> None:
    operations.follow_merged_race(race_id=event.race_id, into_id=event.into_id)


@registry.subscriber(accounts_events.UserDeleted, name="plans.delete_data_of_deleted_user")
def delete_data_of_deleted_user(event: accounts_events.UserDeleted) -> None:
    operations.delete_user_data(user_id=event.user_id)
