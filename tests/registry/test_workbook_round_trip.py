"""Everything the registry holds goes out and comes back: the demo registry exported as .xlsx
and as a .zip of CSV files, imported into an empty institution, gives the same patients,
diagnoses, events (with dates and causes of death), treatments, markers and survival facts."""

import io

import pytest
from django.urls import reverse

from consilium.network.models import Institution
from consilium.registry import exports
from consilium.registry.demo import load_demo
from consilium.registry.importer import import_csv
from consilium.registry.models import Patient

from . import snapshot


def _registry(institution: Institution) -> dict[str, tuple]:
    """The institution's registry keyed by hospital number, as comparable values."""
    found = {}
    patients = (
        Patient.objects.filter(institution=institution)
        .select_related("identity")
        .prefetch_related("diagnoses__markers", "events", "treatments")
    )
    for p in patients:
        first = p.diagnoses.all()[0]
        found[p.identity.hospital_number] = (
            (p.identity.name, p.identity.birth_date, p.identity.address, p.identity.phone),
            snapshot.values(p, snapshot.PATIENT_FIELDS),
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


@pytest.mark.parametrize("kind", ["xlsx", "zip"])
def test_it_reads_back_what_it_exports_into_an_empty_registry(demo, kind, tmp_path):
    before = _registry(demo)
    assert any(entry[3] for entry in before.values())  # the demo has follow-up events
    assert any(entry[4] for entry in before.values()) and any(e[5] for e in before.values())
    assert any(e.death_cause for e in _deaths(demo))
    out = io.BytesIO()
    (exports.write_xlsx if kind == "xlsx" else exports.write_zip)(demo, out)
    path = tmp_path / f"registry.{kind}"
    path.write_bytes(out.getvalue())
    empty = Institution.objects.create(code="NEWH", name="A hospital joining the network")

    outcome = import_csv(path, empty, actor=None)

    assert outcome.ok, outcome.errors[:5]
    assert _registry(empty) == before


def _deaths(institution):
    from consilium.registry.models import FollowUpEvent

    return FollowUpEvent.objects.filter(patient__institution=institution, kind="death")


def test_it_downloads_the_workbook_for_a_data_manager(demo, client_for):
    response = client_for("data_manager").get(reverse("registry:export_xlsx", args=["VNCH"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('filename="VNCH-registry.xlsx"')
    body = b"".join(response.streaming_content)
    assert body.startswith(b"PK\x03\x04")
