"""A model's choices take their values from the contract's enum; the model adds only labels."""

import enum

import pytest

from apps.imports.models import ImportItem, ImportJob
from apps.runs.interface import contracts
from apps.runs.models import Run
from project import choices


class Colour(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


def test_the_choices_are_the_enum_s_values_with_their_labels():
    Choices = choices.labelled(Colour, RED="Red as a fire engine", BLUE="Blue")
    assert Choices.choices == [("red", "Red as a fire engine"), ("blue", "Blue")]
    assert Choices.RED == Colour.RED == "red"
    assert Choices("blue").label == "Blue"


@pytest.mark.parametrize("labels", [{"RED": "Red"}, {"RED": "Red", "BLUE": "Blue", "GREEN": "Green"}])
def test_every_member_and_only_they_need_a_label(labels):
    with pytest.raises(TypeError, match="labels for Colour must name exactly RED, BLUE"):
        choices.labelled(Colour, **labels)


def test_the_models_use_the_contracts_values():
    assert [value for value, _ in Run.Sport.choices] == [sport.value for sport in contracts.Sport]
    assert Run.Sport.TRAIL_RUN.label == "Trail run"
    assert [value for value, _ in ImportJob.Status.choices] == ["queued", "running", "done", "failed"]
    assert ImportItem.Status.DUPLICATE.label == "Already there"
