"""Replies to real notifications, in the shapes real mail clients write them, land in the
thread as their author; commands on the first line act on the consultation."""

import io

import pytest
from PIL import Image

from consilium.accounts.models import Membership, Role, User
from consilium.consultations import actions
from consilium.consultations.mail import inbound
from consilium.consultations.models import (
    Assignment,
    AssignmentStatus,
    AttachmentKind,
    ConsultationStatus,
    FollowUpAnswer,
    InboundEmail,
    InboundStatus,
    Message,
    MessageSource,
    Recommendation,
    RecommendationStatus,
)
from tests.consultations.dicom_files import phone_photo
from tests.consultations.fixtures import (
    apple_reply,
    deliver,
    gmail_reply,
    outlook_reply,
    persona_address,
    queued_emails,
    send_notification,
)


@pytest.fixture
def expert(personas):
    return personas["expert"]


@pytest.fixture
def clinician(personas):
    return personas["clinician"]


def test_it_adds_a_french_gmail_reply_to_the_thread_as_the_expert(smtp_inbox, consultation, expert):
    notification = send_notification(smtp_inbox, consultation, expert)
    raw = gmail_reply(
        notification,
        sender=persona_address(expert),
        text="Bonjour,\n\nJe suis d'accord avec l'induction COJEC.\n\nClaire",
        language="fr",
    )

    stored = deliver(raw)

    assert stored.status == InboundStatus.ACCEPTED
    assert stored.consultation == consultation
    assert stored.processed_at is not None
    message = Message.objects.get()
    assert message.author == expert
    assert message.source == MessageSource.EMAIL
    assert message.body == "Bonjour,\n\nJe suis d'accord avec l'induction COJEC.\n\nClaire"
    assert message.email_message_id == stored.message_id
    # Answering is accepting, and it starts nothing twice.
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.ACCEPTED
    assert consultation.first_reply_at is not None
    assert queued_emails() == []  # no bounce, no notice


def test_it_takes_a_russian_outlook_reply_in_koi8r_from_the_next_expert(
    smtp_inbox, personas, consultation, expert
):
    curie = consultation.expert_institution
    ivan = User.objects.create_user(
        "i.petrov@curie.demo", full_name="Иван Петров", language="ru", languages=["ru", "en"]
    )
    Membership.objects.create(user=ivan, institution=curie, role=Role.EXPERT)
    # Claire declines by email; the consultation is offered to the next expert of Curie.
    offer = send_notification(smtp_inbox, consultation, expert)
    declined = deliver(
        gmail_reply(offer, sender=expert.email, text="#decline En congé jusqu'au 15 juin.")
    )
    assert declined.status == InboundStatus.ACCEPTED
    assert Assignment.objects.get(expert=expert).decline_reason == "En congé jusqu'au 15 juin."
    assert Assignment.objects.get(expert=ivan).status == AssignmentStatus.OFFERED

    notification = send_notification(smtp_inbox, consultation, ivan)
    raw = outlook_reply(
        notification,
        sender=persona_address(ivan),
        text="Добрый день!\n\nРекомендую провести МИБГ-сцинтиграфию до начала лечения.\n\nИван",
    )
    assert b"koi8-r" in raw

    stored = deliver(raw)

    assert stored.status == InboundStatus.ACCEPTED, stored.reason
    message = Message.objects.get()
    assert message.author == ivan
    assert message.body == (
        "Добрый день!\n\nРекомендую провести МИБГ-сцинтиграфию до начала лечения.\n\nИван"
    )


def test_an_iphone_reply_brings_a_photo_de_identified(smtp_inbox, consultation, expert):
    notification = send_notification(smtp_inbox, consultation, expert)
    photo = phone_photo()
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)  # GPS in the original
    raw = apple_reply(
        notification,
        sender=persona_address(expert),
        text="Voici la photo de la lésion.",
        attachments=[("IMG_0042.jpeg", "image/jpeg", photo)],
    )

    stored = deliver(raw)

    assert stored.status == InboundStatus.ACCEPTED, stored.reason
    message = Message.objects.get()
    assert message.body == "Voici la photo de la lésion."
    [attachment] = message.attachments.all()
    assert attachment.kind == AttachmentKind.PHOTO
    assert attachment.deidentified
    assert "IMG_0042" not in attachment.name  # file names carry patients' names: neutral
    kept = Image.open(attachment.file.open("rb"))
    assert not kept.getexif().get_ifd(0x8825)  # GPS gone
    assert 0x010F not in kept.getexif()  # camera make gone
    assert queued_emails() == []


def test_it_takes_a_vietnamese_gmail_reply_in_base64_from_the_clinician(
    smtp_inbox, consultation, clinician, expert
):
    notification = send_notification(
        smtp_inbox, consultation, clinician, "accepted", context={"expert": expert}
    )
    raw = gmail_reply(
        notification,
        sender=persona_address(clinician),
        text="Cảm ơn bác sĩ. Chúng tôi sẽ gửi kết quả MIBG vào thứ Hai.\n\nLan",
        language="vi",
    )
    assert b"Content-Transfer-Encoding: base64" in raw

    stored = deliver(raw)

    assert stored.status == InboundStatus.ACCEPTED, stored.reason
    message = Message.objects.get()
    assert message.author == clinician
    assert message.body == "Cảm ơn bác sĩ. Chúng tôi sẽ gửi kết quả MIBG vào thứ Hai.\n\nLan"
    consultation.refresh_from_db()
    assert consultation.first_reply_at is None  # the requester does not stop the clock


def test_an_expert_accepts_by_email(smtp_inbox, consultation, expert):
    notification = send_notification(smtp_inbox, consultation, expert)

    stored = deliver(gmail_reply(notification, sender=expert.email, text="#accept", language="fr"))

    assert stored.status == InboundStatus.ACCEPTED
    assert stored.reason.startswith(f"accept by {expert.email}")  # "(sender not verified)"
    assert Assignment.objects.get(expert=expert).status == AssignmentStatus.ACCEPTED
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.ACCEPTED
    assert not Message.objects.exists()


def test_text_below_accept_is_posted_as_the_first_message(smtp_inbox, consultation, expert):
    notification = send_notification(smtp_inbox, consultation, expert)

    deliver(
        gmail_reply(
            notification,
            sender=expert.email,
            text="#Accept\nMerci. Pouvez-vous envoyer le compte rendu d'anatomopathologie ?",
        )
    )

    assert Assignment.objects.get(expert=expert).status == AssignmentStatus.ACCEPTED
    message = Message.objects.get()
    assert message.body == "Merci. Pouvez-vous envoyer le compte rendu d'anatomopathologie ?"
    consultation.refresh_from_db()
    assert consultation.first_reply_at is not None


def test_an_expert_gives_the_recommendation_by_email_with_french_labels(
    smtp_inbox, consultation, expert
):
    notification = send_notification(smtp_inbox, consultation, expert)
    text = (
        "#recommend\n"
        "Diagnostic : neuroblastome surrénalien gauche, MYCN amplifié.\n"
        "Stade : INRGSS M, haut risque.\n"
        "Traitement : induction rapid COJEC,\n"
        "puis chirurgie et chimiothérapie à haute dose.\n"
        "Examens : scintigraphie MIBG avant la chirurgie.\n"
        "Faisabilité : le busulfan manque sur place ; melphalan seul possible."
    )

    stored = deliver(gmail_reply(notification, sender=expert.email, text=text, language="fr"))

    assert stored.status == InboundStatus.ACCEPTED, stored.reason
    recommendation = Recommendation.objects.get()
    assert recommendation.status == RecommendationStatus.FINAL
    assert recommendation.source == MessageSource.EMAIL
    assert recommendation.author == expert
    assert recommendation.diagnostic_opinion == ("neuroblastome surrénalien gauche, MYCN amplifié.")
    assert recommendation.stage_risk_opinion == "INRGSS M, haut risque."
    assert recommendation.recommended_treatment == (
        "induction rapid COJEC,\npuis chirurgie et chimiothérapie à haute dose."
    )
    assert recommendation.further_investigations == "scintigraphie MIBG avant la chirurgie."
    assert recommendation.local_feasibility == (
        "le busulfan manque sur place ; melphalan seul possible."
    )
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.RECOMMENDED


def test_a_recommendation_in_russian_labels_also_works(smtp_inbox, consultation, expert):
    notification = send_notification(smtp_inbox, consultation, expert)
    text = "#recommend\nДиагноз: нейробластома.\nЛечение: индукция по протоколу COJEC."

    stored = deliver(gmail_reply(notification, sender=expert.email, text=text))

    assert stored.status == InboundStatus.ACCEPTED, stored.reason
    recommendation = Recommendation.objects.get()
    assert recommendation.diagnostic_opinion == "нейробластома."
    assert recommendation.recommended_treatment == "индукция по протоколу COJEC."


def test_the_clinician_answers_the_follow_up_by_email(
    smtp_inbox, personas, consultation, expert, clinician
):
    actions.save_recommendation(
        actor=expert,
        consultation=consultation,
        fields={"diagnostic_opinion": "Neuroblastoma", "recommended_treatment": "COJEC"},
        finalise=True,
    )
    consultation.refresh_from_db()
    notification = send_notification(smtp_inbox, consultation, clinician, "follow_up")
    assert "#followed" in notification.get_body(("plain",)).get_content()

    stored = deliver(
        gmail_reply(
            notification,
            sender=clinician.email,
            text="#followed partly drug cost\nBusulfan was not available; melphalan alone.",
            language="vi",
        )
    )

    assert stored.status == InboundStatus.ACCEPTED, stored.reason
    answer = FollowUpAnswer.objects.get()
    assert answer.adherence == "partly"
    assert answer.reasons == ["drug_unavailable", "cost"]
    assert answer.note == "Busulfan was not available; melphalan alone."
    assert answer.answered_by == clinician
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.CLOSED


def test_processing_the_same_stored_email_twice_does_nothing_the_second_time(
    smtp_inbox, consultation, expert
):
    notification = send_notification(smtp_inbox, consultation, expert)
    stored, created = inbound.store(gmail_reply(notification, sender=expert.email, text="OK"))
    assert created

    first = inbound.process(stored)
    second = inbound.process(stored.pk)

    assert first.status == second.status == InboundStatus.ACCEPTED
    assert second.processed_at == first.processed_at
    assert Message.objects.count() == 1


def test_the_same_message_id_twice_is_stored_once(smtp_inbox, consultation, expert):
    notification = send_notification(smtp_inbox, consultation, expert)
    raw = gmail_reply(notification, sender=expert.email, text="Une seule fois, s'il vous plaît.")

    first, created_first = inbound.store(raw, envelope_to=["a@x.org"])
    # The same message delivered again, with another trace header on top.
    again, created_again = inbound.store(b"Received: from relay.curie.fr\r\n" + raw)

    assert (created_first, created_again) == (True, False)
    assert again.pk == first.pk
    assert InboundEmail.objects.count() == 1
    inbound.process(again)
    inbound.process(first)
    assert Message.objects.count() == 1
