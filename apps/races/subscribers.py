from apps.accounts.interface import events as accounts_events
from apps.races import operations
from project.events import registry


@registry.subscriber(accounts_events.UserDeleted, name="races.delete_data_of_deleted_user")
def delete_data_of_deleted_user(event: accounts_events.UserDeleted) -> None:
    operations.delete_user_data(user_id=event.user_id)
