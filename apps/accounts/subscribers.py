from apps.accounts import operations
from apps.accounts.interface import events
from project.events import registry


@registry.subscriber(events.UserDeleted, name="accounts.delete_exports_of_deleted_user")
def delete_exports_of_deleted_user(event: events.UserDeleted) -> None:
    operations.delete_user_exports(user_id=event.user_id)
