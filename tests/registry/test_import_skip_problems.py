"""A file with problems imports nothing, unless the data manager chooses to leave out the rows
that have them: then every other row is imported, and of each patient left out nothing at all
(not the good rows of their events, which would tell a wrong story)."""

import datetime

from consilium.registry.importer import import_csv
from consilium.registry.models import FollowUpEvent, ImportJob, Patient
from tests.registry.csv_samples import ROWS, csv_bytes
from tests.registry.test_import_workbook import DEATH, PATIENT, RELAPSE, _xlsx

D = datetime.date


def _file(tmp_path, content: bytes, name: str = "registry.xlsx"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _mixed() -> bytes:
    """BN-1 clean, with a relapse and a death; BN-2 whose relapse has a date that is not
    one; BN-3 whose own row is wrong; an event for a hospital number nobody has."""
    return _xlsx(
        {
            "patients": [
                PATIENT,
                PATIENT | {"hospital_number": "BN-2", "name": "Trần Thị Mai"},
                PATIENT | {"hospital_number": "BN-3", "name": "Lê Minh Dũng", "sex": "?"},
            ],
            "events": [
                RELAPSE,
                DEATH,
                RELAPSE | {"hospital_number": "BN-2", "date": "sometime"},
                DEATH | {"hospital_number": "BN-2"},
                DEATH | {"hospital_number": "BN-9"},
            ],
        }
    )


def test_without_the_choice_a_file_with_problems_imports_nothing(tmp_path, vnch):
    outcome = import_csv(_file(tmp_path, _mixed()), vnch, actor=None)

    assert Patient.objects.count() == 0
    assert not outcome.applied
    assert outcome.skippable
    assert outcome.skipped == {3, 4}  # BN-2 (its event) and BN-3 (its row), not BN-1
    assert [(e.sheet, e.row) for e in outcome.errors] == [
        ("events", 4),
        ("patients", 4),
        ("events", 6),
    ]
    assert (outcome.new, outcome.preview()["skipped_rows"]) == (1, [3, 4])


def test_leaving_out_the_rows_with_problems_imports_the_others_whole(tmp_path, vnch):
    outcome = import_csv(_file(tmp_path, _mixed()), vnch, actor=None, skip_problems=True)

    assert outcome.applied and outcome.imported == 1
    patient = Patient.objects.get()
    assert patient.identity.hospital_number == "BN-1"
    assert sorted(FollowUpEvent.objects.values_list("kind", flat=True)) == ["death", "relapse"]
    assert patient.death_date == D(2025, 1, 9)
    # BN-2's death row was fine, but BN-2 is left out whole; BN-9's death has nobody.
    assert FollowUpEvent.objects.count() == 2
    job = ImportJob.objects.get()
    assert (job.status, job.rows_imported, job.error_count) == ("done", 1, 3)


def test_a_problem_of_the_whole_file_cannot_be_left_out(tmp_path, vnch):
    content = _xlsx({"patients": [PATIENT]}, columns={"patients": ["hospital_number", "name"]})

    outcome = import_csv(_file(tmp_path, content), vnch, actor=None, skip_problems=True)

    assert outcome.whole_file and not outcome.skippable and not outcome.applied
    assert Patient.objects.count() == 0


def test_a_broken_quote_stops_the_reading_so_nothing_is_imported(tmp_path, vnch):
    # The reader cannot find the rows after a broken quote: the rows before it are not the
    # file, and importing them alone would lose the rest without a word.
    broken = ROWS[1].replace("Trần Thị Mai", '"Trần "Thị Mai')
    path = _file(tmp_path, csv_bytes([ROWS[0], broken, ROWS[2]]), "registry.csv")

    outcome = import_csv(path, vnch, actor=None, skip_problems=True)

    assert [(e.row, e.ends_file) for e in outcome.errors] == [(3, True)]
    assert "quotation mark" in outcome.errors[0].message
    assert not outcome.skippable and Patient.objects.count() == 0


def test_a_file_where_every_row_has_a_problem_offers_nothing_to_import(tmp_path, vnch):
    rows = [
        row.replace(",M,", ",?,").replace(",male,", ",?,").replace(",F,", ",?,") for row in ROWS
    ]
    path = _file(tmp_path, csv_bytes(rows), "registry.csv")

    outcome = import_csv(path, vnch, actor=None, skip_problems=True)

    assert outcome.error_count == 3 and not outcome.skippable
    assert Patient.objects.count() == 0


def test_a_registered_patient_whose_new_row_has_a_problem_is_not_updated(tmp_path, vnch):
    assert import_csv(_file(tmp_path, csv_bytes(), "first.csv"), vnch, actor=None).applied
    changed = [
        ROWS[0].replace("alive,2026-06-01", "alive,2026-07-01"),  # a later contact
        ROWS[1].replace("2026-05-20", "2026-07-02").replace("C42.1", "C42.9"),  # bad code
        ROWS[2],
    ]
    path = _file(tmp_path, csv_bytes(changed), "again.csv")

    preview = import_csv(path, vnch, actor=None, apply=False)
    assert (preview.new, len(preview.changed), preview.unchanged) == (0, 1, 1)
    assert preview.skipped == {3}
    outcome = import_csv(path, vnch, actor=None, skip_problems=True)

    assert (outcome.applied, outcome.updated) == (True, 1)
    contacts = dict(Patient.objects.values_list("identity__hospital_number", "last_contact"))
    assert contacts == {
        "BN24-00101": D(2026, 7, 1),
        "BN24-00102": D(2026, 5, 20),  # its row had a problem: left as it was
        "BN24-00103": D(2026, 4, 2),
    }
