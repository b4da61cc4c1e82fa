import datetime

import pytest

from consilium.registry import actions
from consilium.registry.validation import ChecksFailed


def test_it_records_a_typed_marker_result(register, personas):
    diagnosis = register().diagnoses.get()

    marker = actions.add_marker(
        actor=personas["clinician"],
        diagnosis=diagnosis,
        marker="MYCN",
        result="detected",
        method="fish",
        lab="Institut Curie",
        date=datetime.date(2024, 2, 20),
    )

    assert diagnosis.markers.get() == marker
    assert marker.get_result_display().startswith("Detected")


def test_it_needs_the_name_of_an_other_marker(register, personas):
    diagnosis = register().diagnoses.get()
    with pytest.raises(ChecksFailed):
        actions.add_marker(
            actor=personas["clinician"],
            diagnosis=diagnosis,
            marker="other",
            result="detected",
            method="ngs",
        )
