from apps.accounts.interface import events as accounts_events
from apps.strava import operations
from project.events import registry


@registry.subscriber(accounts_events.UserDeleted, name="strava.forget_connection_of_deleted_user")
def forget_connection_of_deleted_user(event: accounts_events.UserDeleted) -> None:
    # Runs are deleted by the runs app on the same event; here Strava is told, then the tokens go.
    operations.forget_connection(user_id=event.user_id)
