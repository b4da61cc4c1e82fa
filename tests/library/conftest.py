"""The library's fixtures: VNCH (the treating hospital) with Institut Curie as its partner
for protocols and molecular diagnostics; Princess Máxima Center stays the outsider."""

import datetime

import pytest
from django.utils import timezone

from consilium.accounts.models import Membership, Profession, Role, User
from consilium.library.actions import adoption as adoption_actions
from consilium.library.actions import compliance as compliance_actions
from consilium.library.actions import documents as document_actions
from consilium.network.models import AreaKind, Institution, PartnershipStatus
from tests.network.conftest import PDF, pdf_upload
from tests.network.helpers import confirmed_partnership

__all__ = ["PDF", "pdf_upload"]


@pytest.fixture
def institutions(personas):
    return {i.code: i for i in Institution.objects.all()}


@pytest.fixture
def partnership(personas, institutions):
    """VNCH and Institut Curie, active, for protocols, infection control and molecular tests."""
    return confirmed_partnership(
        actor=personas["coordinator"],
        title="VNCH – Institut Curie",
        institutions=[institutions["VNCH"], institutions["CURIE"]],
        valid_from=datetime.date(2024, 12, 2),
        # Relative to today: a fixed end date would expire the fixture one day.
        valid_until=timezone.localdate() + datetime.timedelta(days=5 * 365),
        status=PartnershipStatus.ACTIVE,
        areas={
            AreaKind.PROTOCOLS: "Adapted protocols",
            AreaKind.INFECTION_CONTROL: "Infection control",
            AreaKind.MOLECULAR: "MYCN and fusion testing",
        },
    )


def _person(email, name, profession, institution, role) -> User:
    user = User.objects.create_user(
        email, "x" * 12, full_name=name, profession=profession, language="en"
    )
    Membership.objects.create(user=user, institution=institution, role=role)
    return user


@pytest.fixture
def nurses(institutions):
    """Two VNCH nurses (clinical role) who must acknowledge the procedures."""
    return [
        _person(
            "mai.le@vnch.test", "Lê Thị Mai", Profession.NURSE, institutions["VNCH"], Role.CLINICIAN
        ),
        _person(
            "thu.vo@vnch.test", "Võ Thị Thu", Profession.NURSE, institutions["VNCH"], Role.CLINICIAN
        ),
    ]


@pytest.fixture
def curie_lab(institutions):
    """A molecular biologist of Institut Curie's laboratory."""
    return _person(
        "lab@curie.test", "Dr Luc Petit", Profession.TECHNICIAN, institutions["CURIE"], Role.EXPERT
    )


def draft_sop(personas, institutions, code="IC-HAND"):
    version = document_actions.create_document(
        actor=personas["coordinator"],
        owner=institutions["VNCH"],
        kind="sop",
        code=code,
        title="Hand hygiene and central-line bundle",
        language="en",
        change_summary="First version.",
    )
    document_actions.add_file(
        actor=personas["coordinator"], version=version, language="en", upload=pdf_upload()
    )
    return version


def publish(version, personas, reviewer_key="expert"):
    """Through review by the partner's expert to approval by the coordinator."""
    reviewer = personas[reviewer_key]
    document_actions.invite_reviewer(
        actor=personas["coordinator"], version=version, reviewer=reviewer
    )
    document_actions.submit_for_review(actor=personas["coordinator"], version=version)
    document_actions.decide_review(actor=reviewer, version=version, decision="approved")
    return document_actions.approve_version(actor=personas["coordinator"], version=version)


@pytest.fixture
def approved_sop(partnership, personas, institutions):
    return publish(draft_sop(personas, institutions), personas)


@pytest.fixture
def adoption(approved_sop, personas, institutions, nurses):
    return adoption_actions.adopt_version(
        actor=personas["coordinator"],
        institution=institutions["VNCH"],
        version=approved_sop,
        in_force_from=timezone.localdate(),
        roles=[],
        professions=[Profession.NURSE],
    )


@pytest.fixture
def checklist(adoption, approved_sop, personas):
    return compliance_actions.create_checklist(
        actor=personas["coordinator"],
        version=approved_sop,
        title="Central-line bundle",
        items=[
            "Hand hygiene before touching the line",
            "Hub scrubbed for 15 seconds",
            "Dressing clean, dry and dated",
        ],
    )


@pytest.fixture
def patient(personas, institutions):
    """A VNCH child with neuroblastoma, registered through the registry's action."""
    from consilium.registry import actions as registry_actions
    from tests.registry.conftest import diagnosis_data, identity, patient_data

    return registry_actions.register_patient(
        actor=personas["clinician"],
        institution=institutions["VNCH"],
        identity=identity(),
        patient=patient_data(),
        diagnosis=diagnosis_data(),
    )


@pytest.fixture
def sendout(partnership, patient, personas, institutions):
    from consilium.library.actions import sendouts

    return sendouts.request_sendout(
        actor=personas["clinician"],
        patient=patient,
        diagnosis=patient.diagnoses.get(),
        laboratory=institutions["CURIE"],
        test="mycn",
        sample_type="ffpe_block",
        collected_on=datetime.date(2024, 2, 3),
        fixation="formalin",
        tumour_cell_percent=60,
        question="MYCN status for risk stratification (INRG).",
    )
