"""Django choices whose values are a contract's enum: the values live in the interface, a model adds labels."""

from __future__ import annotations

import enum
from typing import Any

from django.db import models


def labelled(values: type[enum.StrEnum], **labels: str) -> Any:
    """A `models.TextChoices` class with the members of `values`, each with its label (every member needs one).
    Typed Any: a class made at run time has members type checkers cannot see."""
    if set(labels) != set(values.__members__):
        raise TypeError(f"labels for {values.__name__} must name exactly {', '.join(values.__members__)}")
    return models.TextChoices(  # type: ignore[call-overload]
        values.__name__, [(name, (member.value, labels[name])) for name, member in values.__members__.items()]
    )
