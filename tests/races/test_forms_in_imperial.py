"""The race forms take distances in the runner's units: miles for an imperial runner, km otherwise."""

import pytest

from apps.races.forms import FinderForm, RaceForm

RACE = {
    "name": "Trail 26", "date": "2027-05-02", "start_time": "09:00", "timezone": "Europe/Paris",
    "distance": "other", "other_distance_km": "26.2", "city": "Lyon", "country": "France",
}  # fmt: skip


def test_another_distance_is_read_in_miles_for_an_imperial_runner():
    form = RaceForm(RACE, units="imperial")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["distance_m"] == pytest.approx(42164.8128)  # 26.2 x 1609.344
    assert form.fields["other_distance_km"].label == "Other distance (mi)"
    assert [label for _, label in form.fields["distance"].choices] == [
        "5K",
        "10K",
        "Half marathon",
        "Marathon",
        "Other distance",
    ]


def test_another_distance_is_read_in_km_for_a_metric_runner():
    form = RaceForm(RACE)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["distance_m"] == pytest.approx(26200.0)
    assert form.fields["other_distance_km"].label == "Other distance (km)"


def test_the_finder_radius_is_in_the_runner_s_units():
    position = {"latitude": "45.76", "longitude": "4.84", "radius_km": "10"}
    imperial = FinderForm(position, units="imperial")
    assert imperial.is_valid(), imperial.errors
    assert imperial.radius_in_km() == pytest.approx(16.09344)
    assert imperial.fields["radius_km"].label == "Within (mi)"
    metric = FinderForm(position)
    assert metric.is_valid(), metric.errors
    assert metric.radius_in_km() == pytest.approx(10.0)
