import io

from django.core.management import call_command
from django.urls import reverse

from consilium.consultations.models import ConsultationStatus, Recommendation

FIELDS = {
    "diagnostic_opinion": "High-risk neuroblastoma, MYCN amplified, stage M.",
    "stage_risk_opinion": "High risk (INRG).",
    "recommended_treatment": "Rapid COJEC induction, then surgery; "
    "single HDCT with busulfan-melphalan.",
    "further_investigations": "MIBG after induction; bone marrow.",
    "local_feasibility": "Autologous transplant possible in Hanoi; radiotherapy at K Hospital.",
}


def test_an_expert_finalises_and_the_report_pdf_goes_to_the_team(
    audit_triggers_off_after_test, client_for, consultation, smtp_inbox, personas
):
    client = client_for("expert")
    assert (
        client.post(
            reverse("consultations:act", args=[consultation.pk, "finalise"]), FIELDS
        ).status_code
        == 302
    )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.RECOMMENDED
    assert consultation.follow_up_due_on is not None
    call_command("worker", batch=True, verbosity=0)

    recommendation = Recommendation.objects.get()
    pdf = recommendation.report.read()
    assert pdf.startswith(b"%PDF-")
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    # The clinician reads Vietnamese: the report is in her language where translated.
    assert consultation.patient.pseudonym in text
    assert "COJEC" in text
    assert "Nguy" not in text
    mails = [
        m for m in smtp_inbox.messages if "Recommendation" in str(m["Subject"]) or m.get_payload()
    ]
    to_clinician = [m for m in mails if m["To"] == personas["clinician"].email]
    attached = [part.get_filename() for m in to_clinician for part in m.iter_attachments()]
    assert f"{consultation.patient.pseudonym}-recommendation.pdf" in attached
    assert (
        client_for("clinician").get(reverse("consultations:report", args=[consultation.pk]))[
            "Content-Type"
        ]
        == "application/pdf"
    )


def test_an_expert_who_finalises_without_clicking_accept_has_accepted(client_for, consultation):
    """Answering is accepting: the queue and the archive must not keep showing her as only
    offered the case she has answered."""
    from consilium.consultations.models import AssignmentStatus

    assignment = consultation.assignments.get()
    assert assignment.status == AssignmentStatus.OFFERED
    client_for("expert").post(
        reverse("consultations:act", args=[consultation.pk, "finalise"]), FIELDS
    )
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ACCEPTED
    assert assignment.responded_at is not None
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.RECOMMENDED


def test_a_draft_alone_does_not_accept(client_for, consultation):
    from consilium.consultations.models import AssignmentStatus

    client_for("expert").post(
        reverse("consultations:act", args=[consultation.pk, "draft"]),
        {"diagnostic_opinion": "Likely NB"},
    )
    assert consultation.assignments.get().status == AssignmentStatus.OFFERED


def test_a_final_recommendation_is_never_edited(client_for, consultation):
    client = client_for("expert")
    client.post(reverse("consultations:act", args=[consultation.pk, "finalise"]), FIELDS)
    client.post(
        reverse("consultations:act", args=[consultation.pk, "finalise"]),
        {**FIELDS, "recommended_treatment": "Other"},
    )
    assert Recommendation.objects.get().recommended_treatment == FIELDS["recommended_treatment"]


def test_a_draft_is_kept_and_completed(client_for, consultation):
    client = client_for("expert")
    client.post(
        reverse("consultations:act", args=[consultation.pk, "draft"]),
        {"diagnostic_opinion": "Likely NB"},
    )
    client.post(reverse("consultations:act", args=[consultation.pk, "finalise"]), FIELDS)
    assert Recommendation.objects.count() == 1
    assert Recommendation.objects.get().status == "final"


def test_an_empty_final_recommendation_is_refused(client_for, consultation):
    response = client_for("expert").post(
        reverse("consultations:act", args=[consultation.pk, "finalise"]), {}
    )
    assert response.status_code == 400
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.SUBMITTED


def test_the_requester_cannot_recommend(client_for, consultation):
    client_for("clinician").post(
        reverse("consultations:act", args=[consultation.pk, "finalise"]), FIELDS
    )
    assert not Recommendation.objects.exists()
