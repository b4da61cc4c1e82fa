import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from consilium.library.actions import documents
from consilium.library.actions import treatments as actions
from consilium.library.models import TreatmentProtocol
from tests.library.conftest import pdf_upload, publish


@pytest.fixture
def protocol(partnership, personas, institutions):
    version = documents.create_document(
        actor=personas["coordinator"],
        owner=institutions["VNCH"],
        kind="protocol",
        code="WILMS-VN",
        title="Wilms tumour, adapted",
        language="vi",
    )
    documents.add_file(
        actor=personas["coordinator"], version=version, language="vi", upload=pdf_upload()
    )
    return publish(version, personas)


@pytest.fixture
def treatment(patient, personas):
    from consilium.registry import actions as registry_actions

    return registry_actions.add_treatment(
        actor=personas["clinician"],
        patient=patient,
        start_date=datetime.date(2024, 2, 10),
        modalities=["chemotherapy", "surgery"],
        protocol_name="Wilms (adapted)",
    )


def test_a_treatment_records_the_protocol_version_it_followed(treatment, protocol, personas):
    link = actions.link_protocol(actor=personas["clinician"], treatment=treatment, version=protocol)
    assert link.protocol_version.code == "WILMS-VN-v1"
    assert protocol.treatments.count() == 1


def test_only_published_protocols_and_clinicians_of_the_patient(
    treatment, protocol, partnership, personas, institutions
):
    draft = documents.new_version(
        actor=personas["coordinator"], document=protocol.document, change_summary="v2"
    )
    with pytest.raises(ValidationError):
        actions.link_protocol(actor=personas["clinician"], treatment=treatment, version=draft)
    with pytest.raises(PermissionDenied):
        actions.link_protocol(actor=personas["expert"], treatment=treatment, version=protocol)
    assert not TreatmentProtocol.objects.exists()


def test_the_page_links_a_treatment(treatment, protocol, client_for, patient):
    client = client_for("clinician")
    page = client.get(reverse("library:treatments") + f"?q={patient.pseudonym}")
    assert "WILMS-VN-v1" in page.content.decode()
    client.post(
        reverse("library:treatment_link", args=[treatment.pk]),
        {f"t{treatment.pk}-version": str(protocol.pk)},
    )
    assert TreatmentProtocol.objects.get().protocol_version == protocol
    assert client_for("outsider").get(reverse("library:treatments")).status_code == 403
