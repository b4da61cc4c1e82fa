"""The repeated rows an import keeps between its two passes (events, treatments, markers by
hospital number; each row's digests and warnings) come back from disk as they went in."""

import datetime

from consilium.registry.repeated import Event, Kept, MarkerRow, TreatmentRow
from consilium.registry.sheets import RowError

DAY = datetime.date(2024, 3, 1)


def _kept() -> Kept:
    kept = Kept()
    kept.add("H-2", "events", Event(2, "relapse", DAY, "", 'é, "quoted"'))
    kept.add("H-1", "events", Event(3, "death", DAY, "disease", ""))
    kept.add(
        "H-1",
        "treatments",
        TreatmentRow(2, DAY, None, ("surgery", "chemotherapy"), "curative", "SIOP", "=2001"),
    )
    kept.add("ORPHAN", "treatments", TreatmentRow(3, DAY, DAY, ("surgery",), "palliative", "", ""))
    kept.add("H-1", "markers", MarkerRow(2, "other", "TP53", "detected", "ngs", "Lab", None))
    kept.finish()
    return kept


def test_it_gives_back_each_patients_rows_as_they_were_read():
    kept = _kept()

    one = kept.get("H-1")

    assert one.events == [Event(3, "death", DAY, "disease", "")]
    assert one.treatments == [
        TreatmentRow(2, DAY, None, ("surgery", "chemotherapy"), "curative", "SIOP", "=2001")
    ]
    assert one.markers == [MarkerRow(2, "other", "TP53", "detected", "ngs", "Lab", None)]
    assert kept.get("H-1", events_only=True).treatments == []
    assert kept.get("nobody") is None
    assert set(kept.many(["H-1", "H-2", "nobody", ""])) == {"H-1", "H-2"}
    assert kept.many(["H-2"])["H-2"].events[0].note == 'é, "quoted"'
    kept.close()


def test_it_names_the_rows_of_a_hospital_number_no_patient_has():
    kept = _kept()
    errors: list[RowError] = []

    kept.unmatched({"H-1", "H-2"}, errors.append)

    assert [(e.sheet, e.row, e.column) for e in errors] == [("treatments", 3, "hospital_number")]
    kept.close()


def test_it_keeps_each_rows_digests_and_warnings():
    kept = Kept()
    kept.check(2, ("n2", "h2"), [("code", "warning", "grade", "Check the grade.")])
    kept.check(3, ("n3", ""), None)

    digests, warnings = kept.checked([2, 3, 4])

    assert digests == {2: ("n2", "h2"), 3: ("n3", "")}
    assert warnings == {2: [("code", "warning", "grade", "Check the grade.")]}
    kept.close()
