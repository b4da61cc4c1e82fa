import datetime
import json

from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from consilium.audit.models import AuditEntry
from consilium.registry import actions
from consilium.registry.importer import import_csv
from consilium.registry.models import Patient

# What a treated patient (_treated) exports as: surgery and radiotherapy are procedures,
# chemotherapy a medication statement.
TREATED_KINDS = [
    "Patient",
    "Condition",
    "Observation",
    "Procedure",
    "Procedure",
    "MedicationStatement",
]


def _csv(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def _treated(register, personas):
    patient = register()
    actions.add_treatment(
        actor=personas["clinician"],
        patient=patient,
        diagnosis=patient.diagnoses.get(),
        protocol_name="SIOPEN HR-NBL2",
        protocol_version="1.0",
        start_date=datetime.date(2024, 2, 10),
        end_date=datetime.date(2024, 9, 30),
        modalities=["chemotherapy", "surgery", "radiotherapy"],
    )
    return patient


def test_it_exports_a_pseudonymised_csv_by_default(register, client_for):
    patient = register()

    text = _csv(client_for("data_manager").get(reverse("registry:export_csv", args=["VNCH"])))

    header, row = text.splitlines()
    assert header.startswith("pseudonym,birth_year,birth_month,sex")
    assert row.startswith(f"{patient.pseudonym},2019,3,male")
    for identifier in ("Văn An", "BN24-00042", "2019-03-14", "912 345"):
        assert identifier not in text
    entry = AuditEntry.objects.get(verb="registry.exported")
    assert entry.details["identifiers"] is False


def test_it_exports_identifiers_on_request_in_the_import_format(
    register, client_for, tmp_path, personas
):
    from consilium.network.models import Institution

    register()
    text = _csv(
        client_for("data_manager").get(
            reverse("registry:export_csv", args=["VNCH"]), {"identifiers": "1"}
        )
    )
    assert "Nguyễn Văn An" in text and "BN24-00042" in text

    # What one registry exports, another imports.
    path = tmp_path / "export.csv"
    path.write_text(text, encoding="utf-8-sig")
    outcome = import_csv(path, Institution.objects.get(code="UZPHO"), actor=personas["admin"])
    assert outcome.ok, outcome.errors
    assert Patient.objects.get(institution__code="UZPHO").identity.name == "Nguyễn Văn An"


def test_it_exports_a_valid_fhir_bundle_without_identifiers(register, personas, client_for):
    patient = _treated(register, personas)
    actions.record_event(
        actor=personas["clinician"],
        patient=patient,
        kind="death",
        date=datetime.date(2025, 1, 9),
        death_cause="disease",
    )

    response = client_for("data_manager").get(reverse("registry:export_fhir", args=["VNCH"]))

    assert response["Content-Type"].startswith("application/fhir+json")
    assert response.streaming  # a patient at a time, whatever the registry's size
    text = b"".join(response.streaming_content).decode()
    bundle = Bundle.model_validate_json(text)  # fhir.resources parses it back
    resources = [entry.resource for entry in bundle.entry]
    kinds = [r.__resource_type__ for r in resources]
    # The death comes last, as a dated disease status (fhir_in reads it back).
    assert kinds == [*TREATED_KINDS, "Observation"]
    fhir_patient = resources[0]
    assert [i.value for i in fhir_patient.identifier] == [patient.pseudonym]
    assert fhir_patient.name is None and fhir_patient.address is None
    # Year and month of birth, never the day; the date of death, not only that there was one.
    assert str(fhir_patient.birthDate) == f"2019-{patient.birth_month:02d}"
    assert fhir_patient.deceasedDateTime == datetime.date(2025, 1, 9)
    death = resources[-1]
    assert death.meta.profile[0].endswith("mcode-cancer-disease-status")
    assert death.valueCodeableConcept.coding[0].code == "death"
    assert death.effectiveDateTime == datetime.date(2025, 1, 9)
    condition = resources[1]
    assert condition.code.coding[0].code == "9500/3"
    assert condition.bodySite[0].coding[0].code == "C74.9"
    assert condition.meta.profile[0].endswith("mcode-primary-cancer-condition")
    assert resources[2].valueCodeableConcept.text == "L2"
    assert resources[3].meta.profile[0].endswith("mcode-cancer-related-surgical-procedure")
    assert resources[4].meta.profile[0].endswith("mcode-radiotherapy-course-summary")
    references = {e.fullUrl for e in bundle.entry}
    assert condition.subject.reference in references
    for identifier in ("Văn An", "BN24-00042", "2019-03-14", "Bắc Ninh, ", "912 345"):
        assert identifier not in text
    json.loads(text)


def test_the_bundle_read_in_small_chunks_is_the_same_bundle(register, personas, vnch):
    """Patients are read a chunk at a time and their rows grouped by hand: a chunk boundary
    must neither drop nor mix anybody's diagnoses, treatments or events."""
    from consilium.registry import fhir
    from tests.registry.conftest import identity

    treated = _treated(register, personas)
    actions.record_event(
        actor=personas["clinician"],
        patient=treated,
        kind="remission",
        date=datetime.date(2024, 10, 2),
    )
    for n in range(4):
        register(identity=identity(name=f"Child {n}", hospital_number=f"BN-{n}"))

    def entries(chunk):
        return [e for r in fhir._records(vnch, chunk=chunk) for e in fhir.patient_entries(r)]

    whole = entries(500)
    assert entries(2) == whole and entries(1) == whole
    assert (
        len(
            {e["resource"]["subject"]["reference"] for e in whole[1:] if "subject" in e["resource"]}
        )
        == 5
    )
    kinds = [e["resource"]["resourceType"] for e in whole[:6]]
    assert kinds == TREATED_KINDS
    assert whole[1]["resource"]["clinicalStatus"]["coding"][0]["code"] == "remission"


def test_an_empty_registry_exports_a_valid_bundle_with_no_entry(personas, client_for):
    response = client_for("data_manager").get(reverse("registry:export_fhir", args=["VNCH"]))

    text = b"".join(response.streaming_content).decode()
    assert json.loads(text) == {"resourceType": "Bundle", "type": "collection"}
    assert Bundle.model_validate_json(text).entry is None


def test_it_refuses_exports_to_anyone_but_the_clinical_team(register, client_for):
    register()
    for persona in ("coordinator", "expert", "outsider", "admin"):
        client = client_for(persona)
        for name in ("registry:export_csv", "registry:export_fhir"):
            response = client.get(reverse(name, args=["VNCH"]), {"identifiers": "1"})
            assert response.status_code == 404, (persona, name)
            assert b"Nguy" not in response.content
    assert not AuditEntry.objects.filter(verb="registry.exported").exists()
