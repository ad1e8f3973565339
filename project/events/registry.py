"""Who listens to which event. Subscribers live in an app's `subscribers.py`, loaded at start-up:

    @registry.subscriber(accounts_events.UserDeleted, name="runs.delete_runs_of_deleted_user")
    def delete_runs_of_deleted_user(event: accounts_events.UserDeleted) -> None: ...

The name is stable: it keys the inbox that makes a redelivery a no-op, so renaming it would
deliver old events again.

A handler that calls another service (which may be remote) declares `in_transaction=False`: it
then runs outside any transaction, and the inbox is written after it returns. A crash between the
two runs it again, so such a handler must be idempotent (recompute from the source, never add).

A handler that recomputes something from the source may declare `coalesce=key_of_event`: events with
the same key that arrive within `EVENTS_COALESCE_SECONDS` of the first are folded into one run of the
handler, with the latest of them (a history import refreshes each month once, not once per run). The
key must name everything the handler recomputes; the handler runs outside any transaction. See
decision 0018.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from project.events.event import Event

E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class Subscriber:
    name: str
    event_name: str
    handler: Callable[[Any], None]
    in_transaction: bool = True
    coalesce: Callable[[Any], str] | None = None  # the key of events whose handling may be folded into one


_subscribers: dict[str, Subscriber] = {}


def subscriber(
    event: type[E], *, name: str, in_transaction: bool = True, coalesce: Callable[[E], str] | None = None
) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    def register(handler: Callable[[E], None]) -> Callable[[E], None]:
        existing = _subscribers.get(name)
        if existing is not None and existing.handler.__qualname__ != handler.__qualname__:
            raise TypeError(f"subscriber name {name!r} is taken by {existing.handler.__qualname__}")
        _subscribers[name] = Subscriber(
            name=name,
            event_name=event.name,
            handler=handler,
            in_transaction=in_transaction and coalesce is None,
            coalesce=coalesce,
        )
        return handler

    return register


def subscribers_of(event_name: str) -> list[Subscriber]:
    return sorted((s for s in _subscribers.values() if s.event_name == event_name), key=lambda s: s.name)


def get_subscriber(name: str) -> Subscriber:
    return _subscribers[name]


def unregister(name: str) -> None:
    """For tests that register throwaway subscribers."""
    _subscribers.pop(name, None)
