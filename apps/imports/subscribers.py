from apps.accounts.interface import events as accounts_events
from apps.imports import operations
from project.events import registry


@registry.subscriber(accounts_events.UserDeleted, name="imports.delete_uploads_of_deleted_user")
def delete_uploads_of_deleted_user(event: accounts_events.UserDeleted) -> None:
    operations.delete_user_uploads(user_id=event.user_id)
