import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from consilium.library import compliance
from consilium.library.actions import compliance as actions
from consilium.library.models import AuditRound, Observation

DAY = datetime.date(2025, 3, 10)


def _observations(checklist, *results):
    items = list(checklist.items.all())
    return [(items[n % len(items)].pk, result) for n, result in enumerate(results)]


def test_it_records_a_round_and_computes_compliance_without_not_applicable(
    checklist, personas, institutions
):
    actions.record_round(
        actor=personas["clinician"],
        checklist=checklist,
        institution=institutions["VNCH"],
        unit="Oncology ward 3",
        audited_on=DAY,
        observations=_observations(
            checklist, "compliant", "non_compliant", "not_applicable", "compliant"
        ),
    )
    [point] = compliance.rounds(checklist, institutions["VNCH"])
    assert (point.compliant, point.non_compliant, point.not_applicable) == (2, 1, 1)
    # 2 of 3 applicable, not 2 of 4.
    assert point.percent == 66.7


def test_a_round_with_nothing_applicable_has_no_percentage(checklist, personas, institutions):
    actions.record_round(
        actor=personas["clinician"],
        checklist=checklist,
        institution=institutions["VNCH"],
        unit="Day unit",
        audited_on=DAY,
        observations=_observations(checklist, "not_applicable"),
    )
    [point] = compliance.rounds(checklist, institutions["VNCH"])
    assert point.percent is None


def test_an_item_of_another_checklist_is_refused_and_nothing_saved(
    checklist, approved_sop, personas, institutions
):
    other = actions.create_checklist(
        actor=personas["coordinator"], version=approved_sop, title="Hand hygiene", items=["Rub"]
    )
    stranger = other.items.get().pk
    mine = checklist.items.first().pk
    for bad in (stranger, 999_999):
        with pytest.raises(ValidationError) as caught:
            actions.record_round(
                actor=personas["clinician"],
                checklist=checklist,
                institution=institutions["VNCH"],
                unit="Oncology ward 3",
                audited_on=DAY,
                observations=[(mine, "compliant"), (bad, "compliant")],
            )
        assert f"Item {bad} is not on the checklist" in caught.value.messages[0]
    assert not AuditRound.objects.exists()
    assert not Observation.objects.exists()


def test_bad_results_and_future_dates_are_refused(checklist, personas, institutions):
    with pytest.raises(ValidationError) as caught:
        actions.record_round(
            actor=personas["clinician"],
            checklist=checklist,
            institution=institutions["VNCH"],
            unit=" ",
            audited_on=timezone.localdate() + datetime.timedelta(days=3),
            observations=_observations(checklist, "maybe"),
        )
    assert set(caught.value.error_dict) == {"unit", "audited_on", "observations"}
    assert not AuditRound.objects.exists()


def test_rounds_are_recorded_only_where_the_procedure_is_in_force(
    checklist, personas, institutions
):
    # Institut Curie has not adopted it; the outsider has no business here at all.
    for key, code in (("expert", "CURIE"), ("outsider", "PMC"), ("clinician", "UZPHO")):
        with pytest.raises(PermissionDenied):
            actions.record_round(
                actor=personas[key],
                checklist=checklist,
                institution=institutions[code],
                unit="Ward",
                audited_on=DAY,
                observations=_observations(checklist, "compliant"),
            )


def test_checklists_come_from_procedures(partnership, personas, institutions):
    from consilium.library.actions import documents

    protocol = documents.create_document(
        actor=personas["coordinator"],
        owner=institutions["VNCH"],
        kind="protocol",
        code="WILMS-VN",
        title="Wilms",
        language="en",
    )
    with pytest.raises(ValidationError, match="standard operating procedures"):
        actions.create_checklist(
            actor=personas["coordinator"], version=protocol, title="x", items=["a"]
        )


def test_the_round_form_records_one_result_per_item(checklist, client_for, institutions):
    data = {
        "institution": institutions["VNCH"].pk,
        "unit": "Oncology ward 3",
        "audited_on": DAY.isoformat(),
    }
    for item in checklist.items.all():
        data[f"item_{item.pk}"] = "compliant"
    response = client_for("clinician").post(reverse("library:round_new", args=[checklist.pk]), data)
    assert response.status_code == 302
    assert Observation.objects.count() == 3
