import datetime

import pytest

from consilium.registry import actions
from consilium.registry.validation import ChecksFailed


def test_it_records_a_treatment_with_its_modalities(register, personas):
    patient = register()

    treatment = actions.add_treatment(
        actor=personas["clinician"],
        patient=patient,
        diagnosis=patient.diagnoses.get(),
        protocol_name="SIOPEN HR-NBL2",
        protocol_version="1.0",
        start_date=datetime.date(2024, 2, 10),
        end_date=datetime.date(2024, 10, 1),
        modalities=["chemotherapy", "surgery", "chemotherapy"],
    )

    assert treatment.modalities == ["chemotherapy", "surgery"]
    assert treatment.modality_labels() == ["Chemotherapy", "Surgery"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"modalities": []}, "modalities"),
        ({"modalities": ["magic"]}, "modalities"),
        ({"end_date": datetime.date(2024, 1, 1)}, "end_date"),
        ({"start_date": datetime.date(2999, 1, 1), "end_date": None}, "start_date"),
    ],
)
def test_it_refuses_an_impossible_treatment(register, personas, changes, field):
    patient = register()
    values = {
        "start_date": datetime.date(2024, 2, 10),
        "end_date": None,
        "modalities": ["chemotherapy"],
    } | changes
    with pytest.raises(ChecksFailed) as failed:
        actions.add_treatment(actor=personas["clinician"], patient=patient, **values)
    assert field in {e.field for e in failed.value.errors}
