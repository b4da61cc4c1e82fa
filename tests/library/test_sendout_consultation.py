"""A send-out may carry the consultation that asked for it, of the same patient only."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from consilium.library.actions import sendouts as actions
from consilium.network import actions as network_actions
from consilium.network.models import AreaKind, PartnershipStatus


@pytest.fixture
def consultation(partnership, patient, personas, institutions):
    from consilium.consultations.actions import request_consultation

    network_actions.add_area(
        actor=personas["coordinator"], partnership=partnership, kind=AreaKind.TELEMEDICINE
    )
    assert partnership.status == PartnershipStatus.ACTIVE
    return request_consultation(
        actor=personas["clinician"],
        patient=patient,
        expert_institution=institutions["CURIE"],
        question="Is MYCN testing needed before surgery?",
        urgency="routine",
    )


def _request(personas, institutions, patient, consultation):
    return actions.request_sendout(
        actor=personas["clinician"],
        patient=patient,
        diagnosis=patient.diagnoses.get(),
        laboratory=institutions["CURIE"],
        test="mycn",
        sample_type="ffpe_block",
        collected_on=datetime.date(2024, 2, 3),
        fixation="formalin",
        consultation=consultation,
    )


def test_it_links_the_consultation_of_the_same_patient(
    consultation, personas, institutions, patient
):
    sendout = _request(personas, institutions, patient, consultation)
    assert sendout.consultation == consultation
    assert list(consultation.sendouts.all()) == [sendout]


def test_it_refuses_a_consultation_about_another_patient(
    consultation, personas, institutions, patient
):
    from consilium.registry import actions as registry_actions
    from tests.registry.conftest import diagnosis_data, identity, patient_data

    other = registry_actions.register_patient(
        actor=personas["clinician"],
        institution=institutions["VNCH"],
        identity=identity(name="Trần Thị Bình", hospital_number="BN24-00077"),
        patient=patient_data(),
        diagnosis=diagnosis_data(),
    )
    with pytest.raises(ValidationError) as caught:
        _request(personas, institutions, other, consultation)
    assert "consultation" in caught.value.error_dict
