"""The expert's invitation carries what she needs to answer from her phone; a later message
mail carries the message in full and one line of context."""

from consilium.consultations import actions
from consilium.network.models import ResourceProfile

from .fixtures import all_queued_emails


def test_it_puts_the_clinical_summary_in_the_invitation(
    personas, partnership, patient, institutions, django_capture_on_commit_callbacks
):
    before = len(all_queued_emails())
    with django_capture_on_commit_callbacks(execute=True):
        actions.request_consultation(
            actor=personas["clinician"],
            patient=patient,
            expert_institution=institutions["CURIE"],
            question="MYCN amplified: is tandem HDCT feasible here?",
            urgency="routine",
            summary={"history": "Abdominal mass for 4 weeks.", "imaging": "MIBG avid, M."},
        )
    invitation = next(
        m for m in all_queued_emails()[before:] if personas["expert"].email in m["to"]
    )
    body = invitation["body"]
    for expected in (
        patient.pseudonym,
        "MYCN amplified: is tandem HDCT feasible here?",
        "Abdominal mass for 4 weeks.",
        "MIBG avid, M.",
        "9500/3",  # the code beside the words
        "C74.0" if "C74.0" in body else "C740",
        "#recommend",
    ):
        assert expected in body, expected
    assert "Neuroblastome" in body or "Neuroblastoma" in body  # words, in French for Claire
    assert "Diagnostic: …" in body  # the reply labels taught in her language
    assert "Nguyễn Văn An" not in body and "BN-2024-77123" not in body
    has_profile = ResourceProfile.objects.filter(institution=patient.institution).exists()
    assert (institutions["VNCH"].name in body) or not has_profile


def test_it_sends_a_later_message_in_full_with_one_line_of_context(
    consultation, personas, django_capture_on_commit_callbacks
):
    before = len(all_queued_emails())
    text = "Please send the MRI.\nAnd the bone marrow report, both sides."
    with django_capture_on_commit_callbacks(execute=True):
        actions.post_message(actor=personas["clinician"], consultation=consultation, body=text)
    mail = next(m for m in all_queued_emails()[before:] if personas["expert"].email in m["to"])
    assert text in mail["body"]
    assert "3-year-old boy, abdominal mass" not in mail["body"]  # no full summary again
    assert consultation.patient.pseudonym in mail["body"]


def test_the_summary_words_are_in_the_experts_language_not_the_requesters(
    personas, partnership, patient, institutions, django_capture_on_commit_callbacks
):
    # Found in the browser walk: the request is made in the clinician's Vietnamese session,
    # and the French expert's mail read the child's sex and marker results in Vietnamese.
    from django.utils import translation

    before = len(all_queued_emails())
    with translation.override("vi"), django_capture_on_commit_callbacks(execute=True):
        actions.request_consultation(
            actor=personas["clinician"],
            patient=patient,
            expert_institution=institutions["CURIE"],
            question="MYCN amplified: is tandem HDCT feasible here?",
            urgency="routine",
        )
    invitation = next(
        m for m in all_queued_emails()[before:] if personas["expert"].email in m["to"]
    )
    assert personas["expert"].language == "fr"
    assert "(Masculin)" in invitation["body"]
    assert "(Nam)" not in invitation["body"]
