"""A second opinion: the requester, or the first opinion's expert once she has accepted, asks
another expert (of the same partner centre or of another active partner of the requesting
hospital) into the same consultation, with her own assignment, clock and recommendation; both
opinions are shown, labelled, on the page, in the API and in the report."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from consilium.accounts.models import Membership, Role, User
from consilium.audit.models import AuditEntry
from consilium.consultations import actions, clock
from consilium.consultations.models import (
    AssignmentStatus,
    ConsultationStatus,
    Recommendation,
    SecondOpinion,
    SecondOpinionStatus,
)
from consilium.network import actions as network_actions
from consilium.network.models import AreaKind, PartnershipStatus
from tests.network.conftest import PDF
from tests.network.helpers import confirmed_partnership

from .fixtures import all_queued_emails, run_queued_tasks

FIRST = {
    "diagnostic_opinion": "High-risk neuroblastoma, MYCN amplified.",
    "recommended_treatment": "Rapid COJEC induction, then surgery.",
}
SECOND = {
    "diagnostic_opinion": "Agree: high-risk neuroblastoma.",
    "recommended_treatment": "GPOH induction if COJEC drugs are short; then tandem HDCT.",
}
QUESTION = "Would you give tandem high-dose chemotherapy here?"


def _expert(email: str, name: str, institution, *, role: str = Role.EXPERT) -> User:
    user = User.objects.create_user(
        email,
        "x",
        full_name=name,
        language="fr",
        time_zone="Europe/Paris",
        specialty="neuroblastoma",
    )
    Membership.objects.create(user=user, institution=institution, role=role)
    return user


def _partnership(personas, institutions, code: str, **kwargs):
    return confirmed_partnership(
        actor=personas["coordinator"],
        title=f"VNCH – {code}",
        institutions=[institutions["VNCH"], institutions[code]],
        valid_from=datetime.date(2024, 12, 2),
        valid_until=timezone.localdate() + datetime.timedelta(days=365),
        signed_on=datetime.date(2024, 12, 2),
        status=PartnershipStatus.ACTIVE,
        areas={AreaKind.TELEMEDICINE: "Case discussion"},
        **kwargs,
    )


@pytest.fixture
def network(personas, institutions, partnership):
    """Robert-Debré, a second partner of VNCH, with its expert; K Hospital, a third partner
    not asked; a colleague of Claire at Curie; UZPHO, only proposed as a partner."""
    debre_partnership = _partnership(personas, institutions, "RDEBRE")
    _partnership(personas, institutions, "KHOSP")
    network_actions.create_partnership(
        actor=personas["coordinator"],
        title="VNCH – UZPHO (proposed)",
        institutions=[institutions["VNCH"], institutions["UZPHO"]],
        valid_from=datetime.date(2024, 12, 2),
        valid_until=None,
        areas={AreaKind.TELEMEDICINE: "Case discussion"},
    )
    return {
        "debre": _expert("anne.leroy@debre.demo", "Dr Anne Leroy", institutions["RDEBRE"]),
        "colleague": _expert("julien.roux@curie.demo", "Dr Julien Roux", institutions["CURIE"]),
        "third": _expert("hung.pham@khosp.demo", "Dr Phạm Hùng", institutions["KHOSP"]),
        "uzpho": _expert("olim.y@uzpho.demo", "Dr Olim Yusupov", institutions["UZPHO"]),
        "debre_coordinator": User.objects.get(email="coordinator@rdebre.demo"),
        "debre_partnership": debre_partnership,
    }


def _said(user: User, text: str) -> str:
    """`text` as the page shows it to `user`, in her language (the personas read Vietnamese)."""
    with translation.override(user.language):
        return translation.gettext(text)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ask(consultation, actor, institution, expert=None, question=QUESTION) -> SecondOpinion:
    return actions.ask_second_opinion(
        actor=actor,
        consultation=consultation,
        expert_institution=institution,
        expert=expert,
        question=question,
    )


def test_it_lets_the_requester_ask_another_centre_and_mails_the_invited_expert(
    consultation, personas, institutions, network, django_capture_on_commit_callbacks
):
    before = len(all_queued_emails())
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(personas["clinician"]).post(
            reverse("consultations:act", args=[consultation.pk, "second-opinion"]),
            {
                "expert_institution": institutions["RDEBRE"].pk,
                "expert": network["debre"].pk,
                "question": QUESTION,
            },
        )
    assert response.status_code == 302
    second = SecondOpinion.objects.get()
    assert second.status == SecondOpinionStatus.INVITED
    assert second.expert_institution == institutions["RDEBRE"]
    assert second.partnership == network["debre_partnership"]
    assert second.invited_by == personas["clinician"]
    # Its own clock, from the partnership's turnaround for a routine request (72 hours).
    assert second.reply_due - second.created_at == datetime.timedelta(hours=72)
    assignment = second.assignments.get()
    assert (assignment.expert, assignment.status) == (network["debre"], AssignmentStatus.OFFERED)
    invitation = next(m for m in all_queued_emails()[before:] if network["debre"].email in m["to"])
    for expected in (QUESTION, consultation.patient.pseudonym, consultation.question, "#accept"):
        assert expected in invitation["body"], expected
    assert "Nguyễn Văn An" not in invitation["body"]
    assert AuditEntry.objects.filter(verb="consultations.second_opinion_asked").exists()


def test_it_offers_the_best_available_expert_when_none_is_chosen(
    consultation, personas, institutions, network
):
    second = _ask(consultation, personas["clinician"], institutions["RDEBRE"])
    assert second.assignments.get().expert == network["debre"]


def test_it_lets_the_accepted_expert_ask_a_colleague_of_her_own_centre(
    consultation, personas, institutions, network
):
    actions.accept(actor=personas["expert"], consultation=consultation)
    second = _ask(consultation, personas["expert"], institutions["CURIE"], network["colleague"])
    assert second.assignments.get().expert == network["colleague"]
    page = _client(network["colleague"]).get(
        reverse("consultations:detail", args=[consultation.pk])
    )
    assert page.status_code == 200
    assert QUESTION in page.content.decode()


@pytest.mark.parametrize(
    "who", ["data_manager", "coordinator", "outsider", "admin", "offered_expert", "second_expert"]
)
def test_it_refuses_who_may_not_ask(consultation, personas, institutions, network, who):
    if who == "second_expert":
        _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
        actions.accept(actor=network["debre"], consultation=consultation)
        actor = network["debre"]
    else:
        actor = personas["expert" if who == "offered_expert" else who]
    count = SecondOpinion.objects.count()
    with pytest.raises(PermissionDenied):
        _ask(consultation, actor, institutions["KHOSP"], network["third"])
    assert SecondOpinion.objects.count() == count


@pytest.mark.parametrize(
    "case",
    [
        "no_partnership",
        "proposed_partnership",
        "own_institution",
        "expert_of_another_centre",
        "expert_already_in_it",
        "empty_question",
        "identifier_in_question",
    ],
)
def test_it_refuses_a_bad_request_and_changes_nothing(
    consultation, personas, institutions, network, case
):
    institution, expert, question = institutions["RDEBRE"], network["debre"], QUESTION
    if case == "no_partnership":
        institution, expert = institutions["PMC"], personas["outsider"]
    elif case == "proposed_partnership":
        institution, expert = institutions["UZPHO"], network["uzpho"]
    elif case == "own_institution":
        institution, expert = institutions["VNCH"], None
    elif case == "expert_of_another_centre":
        expert = network["third"]
    elif case == "expert_already_in_it":
        institution, expert = institutions["CURIE"], personas["expert"]
    elif case == "empty_question":
        question = "  "
    elif case == "identifier_in_question":
        question = "Nguyễn Văn An, BN-2024-77123: tandem HDCT?"
    with pytest.raises(ValidationError) as refused:
        _ask(consultation, personas["clinician"], institution, expert, question)
    assert refused.value.messages
    assert not SecondOpinion.objects.exists()
    assert consultation.assignments.count() == 1


@pytest.mark.parametrize("state", ["closed", "withdrawn", "open_second_opinion"])
def test_it_refuses_a_second_opinion_in_a_closed_case_or_a_second_at_once(
    consultation, personas, institutions, network, state
):
    if state == "withdrawn":
        actions.withdraw(actor=personas["clinician"], consultation=consultation, reason="")
    elif state == "closed":
        actions.save_recommendation(
            actor=personas["expert"], consultation=consultation, fields=FIRST, finalise=True
        )
        actions.answer_follow_up(
            actor=personas["clinician"], consultation=consultation, adherence="fully"
        )
    else:
        _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
    count = SecondOpinion.objects.count()
    with pytest.raises(ValidationError):
        _ask(consultation, personas["clinician"], institutions["CURIE"], network["colleague"])
    assert SecondOpinion.objects.count() == count


def test_the_page_answers_bad_input_with_the_form_and_its_error(
    consultation, personas, institutions, network
):
    client = _client(personas["clinician"])
    url = reverse("consultations:act", args=[consultation.pk, "second-opinion"])
    not_a_partner = client.post(
        url, {"expert_institution": institutions["PMC"].pk, "question": QUESTION}
    )
    assert not_a_partner.status_code == 400
    wrong_centre = client.post(
        url,
        {
            "expert_institution": institutions["RDEBRE"].pk,
            "expert": network["third"].pk,
            "question": QUESTION,
        },
    )
    assert wrong_centre.status_code == 400
    assert (
        _said(personas["clinician"], "This person is not an available expert of that centre.")
        in wrong_centre.content.decode()
    )
    _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
    twice = client.post(
        url,
        {
            "expert_institution": institutions["CURIE"].pk,
            "expert": network["colleague"].pk,
            "question": QUESTION,
        },
    )
    assert twice.status_code == 400
    assert (
        _said(
            personas["clinician"],
            "A second opinion is already asked for in this consultation; wait for its answer.",
        )
        in twice.content.decode()
    )
    assert SecondOpinion.objects.count() == 1


def test_the_second_expert_sees_the_case_and_gives_her_opinion(
    consultation, personas, institutions, network
):
    actions.post_message(
        actor=personas["clinician"],
        consultation=consultation,
        body="The MIBG report.",
        files=[actions.Upload("mibg.pdf", PDF)],
    )
    attachment = consultation.attachments.get()
    second = _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
    client = _client(network["debre"])
    page = client.get(reverse("consultations:detail", args=[consultation.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "The MIBG report." in text and QUESTION in text
    assert "Nguyễn Văn An" not in text and "BN-2024-77123" not in text
    assert (
        client.get(
            reverse("consultations:attachment", args=[consultation.pk, attachment.pk])
        ).status_code
        == 200
    )
    act = reverse("consultations:act", args=[consultation.pk, "accept"])
    assert client.post(act).status_code == 302
    second.refresh_from_db()
    assert second.status == SecondOpinionStatus.ACCEPTED
    actions.post_message(actor=network["debre"], consultation=consultation, body="Bone marrow?")
    finalise = reverse("consultations:act", args=[consultation.pk, "finalise"])
    assert client.post(finalise, SECOND).status_code == 302
    second.refresh_from_db()
    assert second.status == SecondOpinionStatus.GIVEN and second.answered_at
    mine = Recommendation.objects.get(second_opinion=second)
    assert mine.status == "final" and mine.author == network["debre"]
    consultation.refresh_from_db()
    # The first opinion is still awaited: the consultation's own state and clock are its.
    assert consultation.status == ConsultationStatus.SUBMITTED
    assert consultation.first_reply_at is None
    # The first expert still gives hers.
    actions.save_recommendation(
        actor=personas["expert"], consultation=consultation, fields=FIRST, finalise=True
    )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.RECOMMENDED


def test_both_opinions_are_shown_labelled_on_the_page_in_the_api_and_the_report(
    audit_triggers_off_after_test, consultation, personas, institutions, network, settings
):
    actions.save_recommendation(
        actor=personas["expert"], consultation=consultation, fields=FIRST, finalise=True
    )
    # After the first recommendation, the requester wants another view.
    _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
    actions.save_recommendation(
        actor=network["debre"], consultation=consultation, fields=SECOND, finalise=True
    )
    run_queued_tasks("consilium.consultations.tasks.deliver_report")
    page = _client(personas["clinician"]).get(
        reverse("consultations:detail", args=[consultation.pk])
    )
    text = page.content.decode()
    reader = personas["clinician"]
    first_at = text.index(_said(reader, "First opinion"))
    second_at = text.index(_said(reader, "Second opinion"))
    assert first_at < text.index("Rapid COJEC") < second_at
    assert "GPOH induction" in text[second_at:]
    assert "Institut Curie" in text and "Hôpital Robert-Debré" in text
    assert "Dr Anne Leroy" in text and "Dr Claire Martin" in text

    report = _client(personas["clinician"]).get(
        reverse("consultations:report", args=[consultation.pk])
    )
    pdf = b"".join(report.streaming_content)
    words = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "COJEC" in words and "GPOH" in words
    assert "Leroy" in words and "Martin" in words


def test_the_api_lists_the_second_opinion_on_the_consultation(
    consultation, personas, institutions, network
):
    second = _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
    actions.save_recommendation(
        actor=network["debre"], consultation=consultation, fields=SECOND, finalise=True
    )
    for person in (personas["clinician"], network["debre"]):
        response = _client(person).get(f"/api/v1/consultations/{consultation.pk}")
        assert response.status_code == 200
    [listed] = response.json()["second_opinions"]
    assert (listed["id"], listed["expert_institution"], listed["status"]) == (
        second.pk,
        "RDEBRE",
        "given",
    )
    assert listed["experts"] == ["Dr Anne Leroy"]
    assert listed["recommendation"]["recommended_treatment"] == SECOND["recommended_treatment"]
    outsider = _client(network["third"]).get(f"/api/v1/consultations/{consultation.pk}")
    assert outsider.status_code == 404


def test_the_requester_and_the_first_expert_are_told_when_it_arrives(
    consultation, personas, institutions, network, django_capture_on_commit_callbacks
):
    actions.accept(actor=personas["expert"], consultation=consultation)
    _ask(consultation, personas["expert"], institutions["RDEBRE"], network["debre"])
    before = len(all_queued_emails())
    with django_capture_on_commit_callbacks(execute=True):
        actions.save_recommendation(
            actor=network["debre"], consultation=consultation, fields=SECOND, finalise=True
        )
    run_queued_tasks("consilium.consultations.tasks.deliver_report")
    mails = all_queued_emails()[before:]
    told = {address for m in mails for address in m["to"]}
    assert {personas["clinician"].email, personas["expert"].email} <= told
    to_claire = next(m for m in mails if personas["expert"].email in m["to"])
    assert "GPOH induction" in to_claire["body"]
    assert [name for name, *_ in to_claire["stored_attachments"]] == [
        f"{consultation.patient.pseudonym}-recommendation.pdf"
    ]


def test_the_third_centre_and_the_outsider_are_refused(
    consultation, personas, institutions, network
):
    _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
    url = reverse("consultations:detail", args=[consultation.pk])
    for person in (network["third"], personas["outsider"], network["colleague"]):
        assert _client(person).get(url).status_code == 404, person
    refusals = AuditEntry.objects.filter(verb__contains="refus").count()
    assert refusals >= 3
    # The second centre's coordinator sees it, for triage of her own centre only.
    coordinator = _client(network["debre_coordinator"]).get(url)
    assert coordinator.status_code == 200
    assign = reverse("consultations:act", args=[consultation.pk, "assign"])
    assert f'action="{assign}"' not in coordinator.content.decode()
    with pytest.raises(PermissionDenied):
        actions.assign_expert(
            actor=network["debre_coordinator"],
            consultation=consultation,
            expert=network["colleague"],
        )


def test_a_declined_second_opinion_goes_back_to_who_asked_and_ends_her_access(
    consultation, personas, institutions, network, django_capture_on_commit_callbacks
):
    second = _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
    before = len(all_queued_emails())
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(network["debre"]).post(
            reverse("consultations:act", args=[consultation.pk, "decline"]),
            {"reason": "Away at a congress."},
        )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == SecondOpinionStatus.DECLINED
    # Nobody else at Curie is offered the first opinion because of it.
    assert consultation.assignments.filter(second_opinion__isnull=True).count() == 1
    mail = next(m for m in all_queued_emails()[before:] if personas["clinician"].email in m["to"])
    assert "Away at a congress." in mail["body"]
    url = reverse("consultations:detail", args=[consultation.pk])
    assert _client(network["debre"]).get(url).status_code == 404
    # Declined, another may be asked.
    _ask(consultation, personas["clinician"], institutions["CURIE"], network["colleague"])


def test_ending_the_partnership_ends_the_second_centres_access(
    consultation, personas, institutions, network
):
    _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
    url = reverse("consultations:detail", args=[consultation.pk])
    assert _client(network["debre"]).get(url).status_code == 200
    network_actions.end_partnership(
        actor=personas["coordinator"], partnership=network["debre_partnership"], reason="Over."
    )
    assert _client(network["debre"]).get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        actions.save_recommendation(
            actor=network["debre"], consultation=consultation, fields=SECOND, finalise=True
        )


def test_withdrawing_the_consultation_withdraws_its_open_second_opinion(
    consultation, personas, institutions, network
):
    second = _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
    actions.withdraw(actor=personas["clinician"], consultation=consultation, reason="")
    second.refresh_from_db()
    assert second.status == SecondOpinionStatus.WITHDRAWN
    url = reverse("consultations:detail", args=[consultation.pk])
    assert _client(network["debre"]).get(url).status_code == 404


def test_the_clock_reminds_the_second_expert_once(
    consultation, personas, institutions, network, django_capture_on_commit_callbacks
):
    second = _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
    early = second.created_at + datetime.timedelta(hours=10)
    assert clock.run(early)["second_opinions_reminded"] == 0
    late = second.created_at + datetime.timedelta(hours=60)
    before = len(all_queued_emails())
    with django_capture_on_commit_callbacks(execute=True):
        assert clock.run(late)["second_opinions_reminded"] == 1
    assert clock.run(late)["second_opinions_reminded"] == 0
    reminder = next(m for m in all_queued_emails()[before:] if network["debre"].email in m["to"])
    assert QUESTION in reminder["body"]
    # The first opinion's reminder is the first expert's, not hers.
    assert sum(network["debre"].email in m["to"] for m in all_queued_emails()[before:]) == 1


def test_whoever_asked_is_told_once_when_the_second_opinion_is_overdue(
    consultation, personas, institutions, network, django_capture_on_commit_callbacks
):
    """Nobody else is offered it (the asker chose this centre): she decides what next."""
    second = _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
    assert (
        clock.run(second.reply_due - datetime.timedelta(minutes=1))["second_opinions_overdue"] == 0
    )
    before = len(all_queued_emails())
    later = second.reply_due + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert clock.run(later)["second_opinions_overdue"] == 1
    assert clock.run(later + datetime.timedelta(days=1))["second_opinions_overdue"] == 0
    with translation.override(personas["clinician"].language):
        subject = translation.gettext("Second opinion overdue")
    told = [m for m in all_queued_emails()[before:] if subject in m["subject"]]
    assert [m["to"] for m in told] == [[personas["clinician"].email]]
    second.refresh_from_db()
    assert second.overdue_told_at is not None and second.is_open
    assert AuditEntry.objects.filter(verb="consultations.second_opinion_overdue").count() == 1
    # Given in time, or withdrawn: nothing to tell.
    assert consultation.assignments.filter(second_opinion=second).count() == 1


def test_the_second_expert_sees_it_in_her_queue(consultation, personas, institutions, network):
    actions.save_recommendation(
        actor=personas["expert"], consultation=consultation, fields=FIRST, finalise=True
    )
    _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
    queue = _client(network["debre"]).get(reverse("consultations:queue"))
    assert consultation.patient.pseudonym in queue.content.decode()


def test_the_second_expert_answers_from_her_invitation_mail(
    smtp_inbox, consultation, personas, institutions, network
):
    from consilium.consultations.models import InboundStatus

    from .fixtures import deliver, gmail_reply, send_notification

    second = _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
    invitation = send_notification(
        smtp_inbox,
        consultation,
        network["debre"],
        "second_opinion",
        context={"second_opinion": second},
    )
    assert QUESTION in invitation.get_body(preferencelist=("plain",)).get_content()
    text = "#recommend\nDiagnostic : neuroblastome à haut risque.\nTraitement : double HDCT."
    stored = deliver(gmail_reply(invitation, sender=network["debre"].email, text=text))
    assert stored.status == InboundStatus.ACCEPTED, stored.reason
    second.refresh_from_db()
    assert second.status == SecondOpinionStatus.GIVEN
    given = Recommendation.objects.get(second_opinion=second)
    assert given.recommended_treatment == "double HDCT."
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.SUBMITTED  # the first is still awaited


def test_the_digest_carries_both_opinions(consultation, personas, institutions, network):
    """A requester on the daily digest reads both experts' treatments, each under her name,
    not only the one that happened to be found first."""
    from consilium.accounts.models import ConsultationMail
    from consilium.consultations import digest

    clinician = personas["clinician"]
    clinician.consultation_mail = ConsultationMail.DIGEST
    clinician.save(update_fields=["consultation_mail"])
    since = timezone.now() - datetime.timedelta(minutes=1)
    _ask(consultation, clinician, institutions["RDEBRE"], network["debre"])
    actions.save_recommendation(
        actor=network["debre"], consultation=consultation, fields=SECOND, finalise=True
    )
    actions.save_recommendation(
        actor=personas["expert"], consultation=consultation, fields=FIRST, finalise=True
    )
    [item], total = digest.gather(clinician, since=since)
    assert total == 1
    assert [r.author for r in item.recommendations] == [network["debre"], personas["expert"]]
    before = len(all_queued_emails())
    assert digest.send_digest(clinician, since=since)
    [mail] = all_queued_emails()[before:]
    assert SECOND["recommended_treatment"] in mail["body"]
    assert FIRST["recommended_treatment"] in mail["body"]
    assert "Dr Anne Leroy" in mail["body"]


def test_the_asker_withdraws_an_unanswered_second_opinion_and_the_expert_is_told(
    consultation, personas, institutions, network, django_capture_on_commit_callbacks
):
    second = _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
    expert = _client(network["debre"])
    detail = reverse("consultations:detail", args=[consultation.pk])
    assert expert.get(detail).status_code == 200
    clinician = _client(personas["clinician"])
    page = clinician.get(detail).content.decode()
    assert "withdraw-second-opinion" in page
    before = len(all_queued_emails())
    withdraw = reverse("consultations:act", args=[consultation.pk, "withdraw-second-opinion"])
    with django_capture_on_commit_callbacks(execute=True):
        response = clinician.post(withdraw, {"reason": "The tumour board answered it."})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == SecondOpinionStatus.WITHDRAWN
    assert not consultation.assignments.filter(
        second_opinion=second, status__in=["offered", "accepted"]
    ).exists()
    # The first opinion goes on; the invited expert is told why and no longer sees the case.
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.SUBMITTED
    [mail] = [m for m in all_queued_emails()[before:] if network["debre"].email in m["to"]]
    assert "The tumour board answered it." in mail["body"]
    assert detail not in mail["html"]  # no button to a page she can no longer open
    assert "The tumour board answered it." in clinician.get(detail).content.decode()
    assert expert.get(detail).status_code == 404
    entry = AuditEntry.objects.get(verb="consultations.second_opinion_withdrawn")
    # The lists say what last happened: the withdrawal, not the request.
    from consilium.consultations.activity import news_line

    consultation.refresh_from_db()
    with translation.override("en"):
        line = news_line(consultation)
    assert line == (
        f"{personas['clinician'].full_name} withdrew the second opinion request on "
        f"{consultation.patient.pseudonym}"
    )
    assert entry.details["experts"] == [network["debre"].email]
    # A new one may now be asked.
    assert _said(personas["clinician"], "Ask for a second opinion") in (
        clinician.get(detail).content.decode()
    )


@pytest.mark.parametrize("case", ["no_reason", "nothing_open", "given", "invited_expert"])
def test_a_withdrawal_that_cannot_be_made_changes_nothing(
    case, consultation, personas, institutions, network
):
    second = _ask(consultation, personas["clinician"], institutions["RDEBRE"], network["debre"])
    actor, reason = personas["clinician"], "Answered elsewhere."
    if case == "no_reason":
        reason = "  "
    elif case == "nothing_open":
        actions.withdraw_second_opinion(actor=actor, consultation=consultation, reason="Once.")
        second.refresh_from_db()
    elif case == "given":
        actions.save_recommendation(
            actor=network["debre"], consultation=consultation, fields=SECOND, finalise=True
        )
        second.refresh_from_db()
    elif case == "invited_expert":
        actor = network["debre"]
    status = second.status
    entries = AuditEntry.objects.count()
    error = PermissionDenied if case == "invited_expert" else ValidationError
    with pytest.raises(error):
        actions.withdraw_second_opinion(actor=actor, consultation=consultation, reason=reason)
    second.refresh_from_db()
    assert second.status == status
    assert AuditEntry.objects.count() == entries
