"""A FHIR R4 Bundle of the shape the registry exports comes back in through the import's own
rows, checks and preview: export -> import into an empty registry gives the same registry
(survival facts and figures included); a broken Bundle is refused, every problem named by its
entry, resource and field, nothing imported."""

import datetime
import json

import pytest
from django.utils import translation
from fhir.resources.R4B.bundle import Bundle

from consilium.network.models import Institution
from consilium.outcomes import aggregates, groupings
from consilium.outcomes.endpoints import Endpoint
from consilium.registry import fhir, survival_facts
from consilium.registry.demo import load_demo
from consilium.registry.importer import import_csv
from consilium.registry.models import Patient

from . import snapshot


def _registry(institution: Institution, *, source: bool | None = None) -> dict[str, tuple]:
    """The registry keyed by pseudonym at the ``source`` (the hospital number once imported),
    as far as the pseudonymised Bundle carries it: no name, no full birth date."""
    found = {}
    patients = (
        Patient.objects.filter(institution=institution)
        .select_related("identity")
        .prefetch_related("diagnoses__markers", "events", "treatments")
    )
    if source is None:
        source = institution.code == "VNCH"
    for p in patients:
        key = p.pseudonym if source else p.identity.hospital_number
        first = p.diagnoses.all()[0]
        found[key] = (
            snapshot.values(
                p,
                (
                    "sex",
                    "birth_year",
                    "birth_month",
                    "vital_status",
                    "last_contact",
                    # A child without its consent cannot be shared in a consultation.
                    "region",
                    "consent_status",
                    "consent_date",
                    *survival_facts.FIELDS,
                ),
            ),
            snapshot.values(first, snapshot.DIAGNOSIS_FIELDS),
            snapshot.events(p),
            snapshot.treatments(p),
            snapshot.markers(first),
        )
    return found


@pytest.fixture
def demo(db):
    load_demo()
    return Institution.objects.get(code="VNCH")


def _bundle(institution) -> str:
    return "".join(fhir.bundle_chunks(institution))


def _import(tmp_path, text, *, apply=True, name="bundle.json"):
    path = tmp_path / name
    path.write_text(text if isinstance(text, str) else json.dumps(text), encoding="utf-8")
    institution, _ = Institution.objects.get_or_create(
        code="NEWH", defaults={"name": "A hospital joining the network"}
    )
    return import_csv(path, institution, actor=None, apply=apply), institution


def _survival(institution):
    return {
        endpoint: aggregates.life_tables(endpoint, groupings.by_all(), [institution.pk]).tables
        for endpoint in Endpoint
    }


def test_the_export_carries_dates_of_death_events_and_last_contact(demo):
    bundle = Bundle.model_validate_json(_bundle(demo))  # still valid FHIR R4
    resources = [e.resource for e in bundle.entry]
    dead = [r for r in resources if r.__resource_type__ == "Patient" and r.deceasedDateTime]
    assert dead and all(isinstance(r.deceasedDateTime, datetime.date) for r in dead)
    statuses = [
        r
        for r in resources
        if r.__resource_type__ == "Observation" and r.code.coding[0].code == "97509-4"
    ]
    assert statuses and all(r.effectiveDateTime for r in statuses)
    assert any(
        ext.url == fhir.EXT["last-contact"]
        for r in resources
        if r.__resource_type__ == "Patient"
        for ext in (r.extension or [])
    )


def test_it_reads_back_what_it_exports_into_an_empty_registry(demo, tmp_path):
    before = _registry(demo)
    assert all(any(entry[n] for entry in before.values()) for n in (2, 3, 4))  # markers too

    outcome, empty = _import(tmp_path, _bundle(demo))

    assert outcome.ok, outcome.errors[:5]
    assert outcome.preview()["fhir"]  # the preview says what stands in for identifiers
    assert _registry(empty) == before
    assert _survival(empty) == _survival(demo)
    waived = Patient.objects.filter(institution=empty, consent_status="waived")
    assert waived.exists()
    assert all("kept there" in p.consent_waiver_reason for p in waived)
    with translation.override("vi"):
        assert "được lưu ở đó" in waived[0].consent_waiver_reason_shown


def test_it_previews_a_second_import_of_the_same_bundle_as_unchanged(demo, tmp_path):
    text = _bundle(demo)
    first, empty = _import(tmp_path, text)
    assert first.ok

    again, _ = _import(tmp_path, text, apply=False)

    assert again.ok, again.errors[:5]
    assert again.new == 0 and not again.changed
    assert again.unchanged == Patient.objects.filter(institution=empty).count()


def _small(demo):
    return json.loads(_bundle(demo))


def _messages(outcome):
    return [(e.sheet, e.column, e.message) for e in outcome.errors]


def test_it_names_unknown_resources_and_broken_references_and_imports_nothing(demo, tmp_path):
    bundle = _small(demo)
    bundle["entry"].insert(0, {"resource": {"resourceType": "Encounter", "id": "e1"}})
    condition = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Condition"
    )
    condition["subject"]["reference"] = "urn:uuid:nobody"
    procedure = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Procedure"
    )
    procedure["reasonReference"] = [{"reference": "Condition/missing"}]

    outcome, institution = _import(tmp_path, bundle)

    assert not outcome.ok
    found = _messages(outcome)
    assert (
        "Bundle entry 1 (Encounter/e1)",
        "resourceType",
        "Unknown resource “Encounter”: a registry Bundle holds Patient, Condition,"
        " Observation, Procedure, MedicationStatement.",
    ) in found
    assert any(
        sheet.endswith(f"(Condition/{condition['id']})")
        and column == "subject.reference"
        and message == "“urn:uuid:nobody” is not a Patient of this Bundle."
        for sheet, column, message in found
    )
    assert any(
        sheet.endswith(f"(Procedure/{procedure['id']})")
        and column == "reasonReference.0.reference"
        and "is not a Condition" in message
        for sheet, column, message in found
    )
    assert not Patient.objects.filter(institution=institution).exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "This is not valid JSON"),
        ('{"resourceType": "Patient"}', "not a FHIR Bundle"),
        ('{"resourceType": "Bundle", "entry": {}}', "is not a list"),
        (
            '{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Observation",'
            ' "subject": {"reference": "Patient/x"}}}]}',
            "is not a Patient of this Bundle",
        ),
    ],
)
def test_it_refuses_a_broken_bundle_with_a_clear_message(db, tmp_path, text, message):
    outcome, institution = _import(tmp_path, text)
    assert not outcome.ok
    assert any(message in e.message for e in outcome.errors), outcome.errors
    assert not Patient.objects.filter(institution=institution).exists()


def test_it_runs_a_bundles_rows_through_the_same_checks_as_a_spreadsheet(demo, tmp_path):
    # A death before the diagnosis: the import's own check, on the row the Bundle became.
    bundle = _small(demo)
    death = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["valueCodeableConcept"]["coding"][0]["code"] == "death"
    )
    death["effectiveDateTime"] = "1990-01-01"

    outcome, institution = _import(tmp_path, bundle)

    assert not outcome.ok
    assert any(e.sheet == "events" and e.column == "date" for e in outcome.errors), outcome.errors
    assert not Patient.objects.filter(institution=institution).exists()


def test_its_own_bundle_is_refused_by_the_registry_it_came_from_not_doubled(demo, tmp_path):
    # The Bundle knows its children by pseudonym only: read back into VNCH it would register
    # every child a second time under a "hospital number" that is the pseudonym.
    path = tmp_path / "vnch.json"
    path.write_text(_bundle(demo), encoding="utf-8")
    before = Patient.objects.filter(institution=demo).count()

    outcome = import_csv(path, demo, actor=None, apply=True)

    assert not outcome.ok
    assert outcome.imported == 0
    assert len(outcome.errors) == before  # each child named, none skipped silently
    first = outcome.errors[0]
    assert first.column == "hospital_number"
    assert "this registry's own patient" in first.message
    assert Patient.objects.filter(institution=demo).count() == before
