from apps.accounts.interface import events as accounts_events
from apps.runs import operations
from project.events import registry


@registry.subscriber(accounts_events.UserDeleted, name="runs.delete_runs_of_deleted_user")
def delete_runs_of_deleted_user(event: accounts_events.UserDeleted) -> None:
    operations.delete_user_runs(user_id=event.user_id)
