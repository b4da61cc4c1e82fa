"""A hospital's file imported again: registered patients (by hospital number) are compared,
the preview lists exactly the changed rows with old -> new, and the confirmed import writes
only those, audited per patient. An export read back is all unchanged."""

import io

import pytest

from consilium.audit.models import AuditEntry
from consilium.network.models import Institution
from consilium.registry import exports
from consilium.registry.demo import load_demo
from consilium.registry.importer import import_csv
from consilium.registry.models import FollowUpEvent, Patient
from tests.registry.csv_samples import HEADER, ROWS, csv_bytes


@pytest.fixture
def run(tmp_path, vnch, personas):
    def run(content: bytes, *, apply: bool = True, name: str = "registry.csv"):
        path = tmp_path / name
        path.write_bytes(content)
        return import_csv(path, vnch, actor=personas["data_manager"], apply=apply)

    return run


def _changed_rows(outcome):
    return {c.row: [f[0] for f in c.fields] for c in outcome.changes}


def test_the_same_file_again_is_all_unchanged_and_writes_nothing(run):
    assert run(csv_bytes()).imported == 3
    before = list(Patient.objects.order_by("pk").values())

    preview = run(csv_bytes(), apply=False)

    assert preview.ok, preview.errors
    assert (preview.new, len(preview.changed), preview.unchanged) == (0, 0, 3)
    again = run(csv_bytes())
    assert (again.imported, again.updated) == (0, 0)
    assert list(Patient.objects.order_by("pk").values()) == before


def test_two_changed_rows_are_exactly_the_two_in_the_preview_and_the_two_written(run):
    run(csv_bytes())
    an = Patient.objects.order_by("pk").first()
    changed = [
        ROWS[0].replace(",alive,2026-06-01", ",dead,2026-06-01"),
        ROWS[1],
        ROWS[2].replace(",III,", ",IV,"),
        # a new patient too
        "BN24-00104,Phạm Thu Hà,2018-05-05,F,Hà Nội,2024-06-01,C71.9,9470,3,7,,,,alive,2026-06-01",
    ]

    preview = run(csv_bytes(changed), apply=False)

    assert preview.ok, preview.errors
    assert (preview.new, len(preview.changed), preview.unchanged) == (1, 2, 1)
    assert _changed_rows(preview) == {2: ["vital_status"], 4: ["stage_value"]}
    assert preview.changes[0].fields == [("vital_status", "alive", "dead")]
    assert preview.changes[1].fields == [("stage_value", "III", "IV")]
    assert Patient.objects.count() == 3  # a preview writes nothing
    assert not AuditEntry.objects.filter(verb="registry.import_updated").exists()

    outcome = run(csv_bytes(changed))

    assert (outcome.imported, outcome.updated) == (1, 2)
    an.refresh_from_db()
    assert an.vital_status == "dead"
    updated = AuditEntry.objects.filter(verb="registry.import_updated")
    assert sorted(e.details["row"] for e in updated) == [2, 4]
    assert [e.details["columns"] for e in updated.order_by("details__row")] == [
        ["vital_status"],
        ["stage_value"],
    ]
    assert run(csv_bytes(changed), apply=False).unchanged == 4


def test_a_changed_identifier_is_named_but_not_shown(run):
    run(csv_bytes())
    renamed = [ROWS[0].replace("Nguyễn Văn An", "Nguyễn Văn Ân"), ROWS[1], ROWS[2]]

    preview = run(csv_bytes(renamed), apply=False)

    assert preview.changes[0].fields == [("name", "", "")]
    assert "Nguyễn" not in str(preview.preview())
    run(csv_bytes(renamed))
    assert Patient.objects.get(pk=preview.changes[0].patient_id).identity.name == "Nguyễn Văn Ân"


def test_another_childs_name_and_birth_under_a_new_number_is_still_refused(run):
    run(csv_bytes())
    same_child = ROWS[0].replace("BN24-00101", "BN24-99999")

    outcome = run(csv_bytes([same_child]))

    assert [(e.row, e.column) for e in outcome.errors] == [(2, "name")]
    assert Patient.objects.count() == 3


def test_a_bad_row_in_a_re_import_writes_nothing(run):
    run(csv_bytes())
    rows = [ROWS[0].replace(",alive,", ",dead,"), ROWS[1].replace("C42.1", "C42.9"), ROWS[2]]

    outcome = run(csv_bytes(rows))

    assert [(e.row, e.column) for e in outcome.errors] == [(3, "topography")]
    assert Patient.objects.filter(vital_status="dead").count() == 0
    assert not AuditEntry.objects.filter(verb="registry.import_updated").exists()


def test_a_relapse_added_in_the_events_sheet_is_a_change_and_updates_survival(run, tmp_path, vnch):
    from openpyxl import Workbook

    def book(events):
        wb = Workbook()
        patients = wb.active
        patients.title = "patients"
        patients.append(HEADER.split(","))
        for row in ROWS:
            patients.append(row.split(","))
        sheet = wb.create_sheet("events")
        sheet.append(["hospital_number", "date", "kind", "death_cause", "note"])
        for event in events:
            sheet.append(event)
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()

    assert run(book([]), name="registry.xlsx").ok
    relapse = ["BN24-00102", "2025-01-10", "relapse", "", ""]

    preview = run(book([relapse]), apply=False, name="registry.xlsx")

    assert preview.ok, preview.errors
    assert [(c.row, c.fields) for c in preview.changes] == [
        (3, [("events", "", "2025-01-10 relapse")])
    ]
    run(book([relapse]), name="registry.xlsx")
    mai = Patient.objects.get(pk=preview.changes[0].patient_id)
    assert FollowUpEvent.objects.filter(patient=mai, kind="relapse").count() == 1
    assert str(mai.first_efs_event_date) == "2025-01-10"
    assert mai.first_efs_event_day == (mai.first_efs_event_date - mai.origin_date).days


def test_the_demo_export_read_back_into_itself_is_all_unchanged(db, tmp_path):
    load_demo()
    demo = Institution.objects.get(code="VNCH")
    out = io.BytesIO()
    exports.write_xlsx(demo, out)
    path = tmp_path / "registry.xlsx"
    path.write_bytes(out.getvalue())

    preview = import_csv(path, demo, actor=None, apply=False)

    assert preview.ok, preview.errors[:5]
    assert preview.changes == []
    assert preview.unchanged == Patient.objects.filter(institution=demo).count()
