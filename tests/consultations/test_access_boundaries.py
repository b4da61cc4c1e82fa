"""Where access ends, pinned by every path: the page, the API, an attachment, the report and
the reply address. A rule moved by a day or a status must fail here."""

import datetime

import pytest
from django.test import TestCase
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.consultations import actions
from consilium.consultations.models import Assignment, AssignmentStatus, InboundStatus
from consilium.network.access import institution_today, telemedicine_partner_ids
from consilium.network.models import Partnership
from tests.consultations.conftest import make_patient
from tests.consultations.dicom_files import phone_photo
from tests.consultations.fixtures import deliver, plain_reply, reply_address, run_queued_tasks

RECOMMENDATION = {
    "diagnostic_opinion": "High-risk neuroblastoma.",
    "stage_risk_opinion": "High risk.",
    "recommended_treatment": "COJEC induction.",
    "further_investigations": "MIBG.",
    "local_feasibility": "Feasible.",
}


@pytest.fixture
def case(personas, partnership, institutions):
    consultation = actions.request_consultation(
        actor=personas["clinician"],
        patient=make_patient(personas),
        expert_institution=institutions["CURIE"],
        question="Is tandem HDCT feasible here?",
        urgency="routine",
        specialty="neuroblastoma",
        summary={"history": "Abdominal mass."},
        files=[actions.Upload(filename="lesion.jpg", data=phone_photo())],
    )
    assert consultation.assignments.filter(expert=personas["expert"]).exists()
    return consultation


def _paths(consultation):
    photo = consultation.attachments.get()
    return {
        "page": reverse("consultations:detail", args=[consultation.pk]),
        "api": f"/api/v1/consultations/{consultation.pk}",
        "attachment": reverse("consultations:attachment", args=[consultation.pk, photo.pk]),
    }


def _assert_no_access(client, consultation, personas, paths):
    for name, url in paths.items():
        assert client.get(url).status_code == 404, name
    stored = deliver(
        plain_reply(
            sender=personas["expert"].email,
            to=reply_address(consultation, personas["expert"]),
            text="I can still answer, can't I?",
        ),
        envelope_from=personas["expert"].email,
    )
    assert stored.status == InboundStatus.BOUNCED
    assert stored.reason.startswith("no access")


def test_an_expert_who_declines_loses_access_at_once(client_for, personas, case):
    client = client_for("expert")
    paths = _paths(case)
    for url in paths.values():
        assert client.get(url).status_code == 200
    actions.decline(actor=personas["expert"], consultation=case, reason="Away for a month")
    _assert_no_access(client, case, personas, paths)


def test_each_file_read_is_audited_with_its_name_and_kind(client_for, personas, case):
    photo = case.attachments.get()
    client_for("expert").get(reverse("consultations:attachment", args=[case.pk, photo.pk]))
    entry = AuditEntry.objects.filter(verb="consultations.file_downloaded").latest("id")
    assert entry.actor == personas["expert"]
    assert [entry.details[key] for key in ("pseudonym", "file", "kind")] == [
        case.patient.pseudonym,
        photo.name,
        "attachment",
    ]


def test_an_expert_loses_access_when_the_request_is_withdrawn(client_for, personas, case):
    actions.accept(actor=personas["expert"], consultation=case)
    actions.withdraw(actor=personas["clinician"], consultation=case, reason="Transferred")
    _assert_no_access(client_for("expert"), case, personas, _paths(case))


@pytest.mark.parametrize("status", [AssignmentStatus.DECLINED, AssignmentStatus.WITHDRAWN])
def test_a_replaced_expert_loses_the_report_too(client_for, personas, case, status):
    """After the recommendation: the expert's assignment ends (replaced on the team)."""
    actions.accept(actor=personas["expert"], consultation=case)
    with TestCase.captureOnCommitCallbacks(execute=True):
        actions.save_recommendation(
            actor=personas["expert"], consultation=case, fields=RECOMMENDATION, finalise=True
        )
    run_queued_tasks("consilium.consultations.tasks.deliver_report")
    client = client_for("expert")
    paths = {**_paths(case), "report": reverse("consultations:report", args=[case.pk])}
    for url in paths.values():
        assert client.get(url).status_code == 200
    Assignment.objects.filter(consultation=case, expert=personas["expert"]).update(status=status)
    _assert_no_access(client, case, personas, paths)


def _set_validity(partnership: Partnership, valid_from, valid_until) -> None:
    Partnership.objects.filter(pk=partnership.pk).update(
        valid_from=valid_from, valid_until=valid_until
    )


def test_a_partnership_gives_access_on_its_first_and_last_day_only(
    client_for, personas, case, partnership, institutions
):
    vnch, curie = institutions["VNCH"], institutions["CURIE"]
    first, last = datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)
    _set_validity(partnership, first, last)
    day = datetime.timedelta(days=1)
    assert telemedicine_partner_ids(vnch.pk, first - day) == set()
    assert telemedicine_partner_ids(vnch.pk, first) == {curie.pk}
    assert telemedicine_partner_ids(vnch.pk, last) == {curie.pk}
    assert telemedicine_partner_ids(vnch.pk, last + day) == set()
    assert telemedicine_partner_ids(curie.pk, last) == {vnch.pk}
    assert telemedicine_partner_ids(curie.pk, last + day) == set()


def test_the_last_day_is_counted_in_the_institutions_time_zone(partnership, institutions):
    """Hanoi is UTC+7: at 20:00 UTC on the last day it is already the next day there, while
    in Paris (UTC+1) it is still the last day, and at 23:30 UTC it is over in both."""
    vnch, curie = institutions["VNCH"], institutions["CURIE"]
    last = datetime.date(2025, 3, 31)
    _set_validity(partnership, datetime.date(2025, 3, 1), last)
    evening = datetime.datetime.combine(last, datetime.time(20, 0), datetime.UTC)
    assert institution_today(vnch.pk, now=evening) == last + datetime.timedelta(days=1)
    assert institution_today(curie.pk, now=evening) == last
    assert telemedicine_partner_ids(vnch.pk, institution_today(vnch.pk, now=evening)) == set()
    assert telemedicine_partner_ids(curie.pk, institution_today(curie.pk, now=evening)) == {vnch.pk}
    night = evening + datetime.timedelta(hours=3, minutes=30)
    assert telemedicine_partner_ids(curie.pk, institution_today(curie.pk, now=night)) == set()
    # Without a date given, the rule uses the institution's own today.
    assert telemedicine_partner_ids(vnch.pk) == set()  # 2025 is long past
