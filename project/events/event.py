"""The base of every published event. No Django here: apps' `interface/events.py` build on it.

An event carries ids and values, never objects, and is versioned: a breaking change is a new
event name or version, published alongside the old one until every subscriber has moved.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pydantic

_event_classes: dict[str, type[Event]] = {}


class Event(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True, extra="ignore")

    name: ClassVar[str]
    version: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            raise TypeError(f"event {cls.__name__} must declare name = '<app>.<event>'")
        existing = _event_classes.get(cls.name)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise TypeError(f"event name {cls.name!r} is used by {existing.__qualname__} and {cls.__qualname__}")
        _event_classes[cls.name] = cls


def event_class(name: str) -> type[Event]:
    return _event_classes[name]
