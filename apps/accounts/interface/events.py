"""Events the accounts app publishes."""

from typing import ClassVar

from project.events.event import Event


class UserDeleted(Event):
    """A user and their account are gone; every app deletes what it holds for `user_id`."""

    name: ClassVar[str] = "accounts.user_deleted"
    version: ClassVar[int] = 1

    user_id: int
