"""Keep month summaries in step with runs. Each event only says which month to recompute: the numbers
come from RunsService, so a duplicate, late or out-of-order event cannot make them wrong."""

from apps.accounts.interface import events as accounts_events
from apps.reports import operations
from apps.runs.interface import events as runs_events
from project.events import registry


def _month_of(event: runs_events.RunRecorded | runs_events.RunUpdated | runs_events.RunDeleted) -> str:
    """What a run event makes reports recompute: the runner's month (a batch of runs refreshes each once)."""
    return f"{event.user_id}:{event.local_date:%Y-%m}"


@registry.subscriber(
    runs_events.RunRecorded, name="reports.refresh_on_run_recorded", in_transaction=False, coalesce=_month_of
)
def refresh_on_run_recorded(event: runs_events.RunRecorded) -> None:
    operations.refresh_summaries(user_id=event.user_id, months=[(event.local_date.year, event.local_date.month)])


@registry.subscriber(
    runs_events.RunUpdated, name="reports.refresh_on_run_updated", in_transaction=False, coalesce=_month_of
)
def refresh_on_run_updated(event: runs_events.RunUpdated) -> None:
    operations.refresh_summaries(user_id=event.user_id, months=[(event.local_date.year, event.local_date.month)])


@registry.subscriber(
    runs_events.RunDeleted, name="reports.refresh_on_run_deleted", in_transaction=False, coalesce=_month_of
)
def refresh_on_run_deleted(event: runs_events.RunDeleted) -> None:
    operations.refresh_summaries(user_id=event.user_id, months=[(event.local_date.year, event.local_date.month)])


@registry.subscriber(accounts_events.UserDeleted, name="reports.delete_data_of_deleted_user")
def delete_data_of_deleted_user(event: accounts_events.UserDeleted) -> None:
    operations.delete_user_data(user_id=event.user_id)
