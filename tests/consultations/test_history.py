"""The bulk history action: the single actions' rules, rows and audit entries, in batches."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consilium.audit.actions import verify_chain
from consilium.audit.models import AuditEntry
from consilium.consultations.history import (
    PastConsultation,
    PastMessage,
    record_past_consultations,
)
from consilium.consultations.models import (
    Assignment,
    AssignmentStatus,
    Consultation,
    ConsultationStatus,
    FollowUpAnswer,
    Message,
    Recommendation,
)

from .conftest import make_patient

DAY = datetime.timedelta(days=1)


def _case(personas, institutions, patient, **changes) -> PastConsultation:
    start = timezone.now() - 90 * DAY
    fields = {
        "requested_by": personas["clinician"],
        "patient": patient,
        "expert_institution": institutions["CURIE"],
        "expert": personas["expert"],
        "question": "Tandem high-dose chemotherapy here?",
        "urgency": "routine",
        "created_at": start,
        "accepted_at": start + DAY,
        "messages": [
            PastMessage(author=personas["expert"], body="Send the MRI.", at=start + 2 * DAY),
            PastMessage(author=personas["clinician"], body="Attached.", at=start + 3 * DAY),
        ],
        "recommendation": {"recommended_treatment": "One course of busulfan-melphalan."},
        "recommended_at": start + 4 * DAY,
        "adherence": "partly",
        "reasons": ["drug_unavailable"],
        "answered_at": start + 60 * DAY,
    }
    return PastConsultation(**{**fields, **changes})


def test_it_writes_the_whole_discussion_with_its_audit_entries(personas, partnership, institutions):
    patient = make_patient(personas)
    [consultation] = record_past_consultations(cases=[_case(personas, institutions, patient)])
    consultation = Consultation.objects.get(pk=consultation.pk)
    assert consultation.status == ConsultationStatus.CLOSED
    assert consultation.partnership == partnership
    # The first expert message is the first reply, as post_message would have set it.
    assert consultation.first_reply_at == consultation.created_at + 2 * DAY
    assert Assignment.objects.get(consultation=consultation).status == AssignmentStatus.ACCEPTED
    assert Message.objects.filter(consultation=consultation).count() == 2
    assert Recommendation.objects.get(consultation=consultation).status == "final"
    assert FollowUpAnswer.objects.get(consultation=consultation).adherence == "partly"
    verbs = list(
        AuditEntry.objects.filter(
            object_type="consultations.consultation", object_id=str(consultation.pk)
        )
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "consultations.requested",
        "consultations.offered",
        "consultations.accepted",
        "consultations.message_posted",
        "consultations.message_posted",
        "consultations.recommendation_finalised",
        "consultations.follow_up_answered",
    ]
    posted = AuditEntry.objects.filter(verb="consultations.message_posted").order_by("id")
    assert [e.details["message"] for e in posted] == list(
        Message.objects.order_by("created_at").values_list("pk", flat=True)
    )
    assert verify_chain().ok


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"expert_institution": "PMC"}, "no active partnership"),
        ({"expert": "outsider"}, "not an available expert"),
        ({"requested_by": "expert"}, "not on the patient's clinical team"),
        ({"urgency": "soon"}, "Choose the urgency"),
        ({"question": "  "}, "Ask a question"),
        ({"adherence": "partly", "reasons": []}, "Say why it was not fully followed"),
        ({"created_at": timezone.now() + DAY}, "in the past and in order"),
    ],
)
def test_it_refuses_a_batch_with_one_bad_case_and_writes_nothing(
    personas, partnership, institutions, change, problem
):
    patient = make_patient(personas)
    resolved = {}
    for key, value in change.items():
        if key == "expert_institution":
            value = institutions[value]
        elif key in ("expert", "requested_by"):
            value = personas[value]
        resolved[key] = value
    good = _case(personas, institutions, patient)
    bad = _case(personas, institutions, patient, **resolved)
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as raised:
        record_past_consultations(cases=[good, bad])
    assert list(raised.value.message_dict) == ["cases[1]"]
    assert problem in " ".join(raised.value.message_dict["cases[1]"])
    assert not Consultation.objects.exists()
    assert AuditEntry.objects.count() == before


def test_it_refuses_a_patient_without_consent(personas, partnership, institutions):
    patient = make_patient(personas, consent="unknown")
    with pytest.raises(ValidationError, match="consent"):
        record_past_consultations(cases=[_case(personas, institutions, patient)])
    assert not Consultation.objects.exists()
