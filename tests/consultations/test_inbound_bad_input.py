"""Real messages as clients and mail systems write them, readdressed to a live reply address:
each gets a clear outcome (stored status, bounce or silence), none is half-stored or crashes."""

import pytest

from consilium.consultations.deid.deidentify import EmptyAttachmentError, NotDicomError
from consilium.consultations.mail import inbound
from consilium.consultations.models import AttachmentKind, InboundEmail, InboundStatus, Message
from tests.consultations.dicom_files import ct_slice
from tests.consultations.fixtures import (
    SEND_EMAIL,
    deliver,
    explanation,
    gmail_reply,
    in_language,
    plain_reply,
    queued_emails,
    reply_address,
    run_queued_tasks,
    sample,
    send_notification,
)


@pytest.fixture
def expert(personas):
    return personas["expert"]


@pytest.fixture
def clinician(personas):
    return personas["clinician"]


@pytest.fixture
def from_expert(consultation, expert):
    def readdress(name):
        return sample(name, sender=expert.email, to=reply_address(consultation, expert))

    return readdress


@pytest.fixture
def from_clinician(consultation, clinician):
    def readdress(name):
        return sample(name, sender=clinician.email, to=reply_address(consultation, clinician))

    return readdress


@pytest.mark.parametrize(
    ("name", "who", "begins"),
    [
        ("gmail_reply_fr.eml", "expert", "Bonjour Docteur Anh,\n\nJe suis d'accord"),
        ("apple_iphone_reply.eml", "expert", "Agree with the plan."),
        ("thunderbird_reply_flowed.eml", "expert", "Thank you for the clear summary."),
        ("outlook_reply_ru.eml", "expert", "Добрый день, коллеги!"),
        ("html_only_reply.eml", "expert", "Dear Dr Anh,\n\nI reviewed the CT images."),
        ("unknown_charset.eml", "expert", "Ça marche, merci."),
        ("gmail_reply_vi_base64.eml", "clinician", "Chào bác sĩ Martin,"),
        ("no_message_id.eml", "clinician", "Neutrophils 1.4 today."),
    ],
)
def test_every_client_shape_lands_in_the_thread_without_its_quote(
    personas, consultation, name, who, begins
):
    person = personas[who]
    raw = sample(name, sender=person.email, to=reply_address(consultation, person))

    stored = deliver(raw)

    assert stored.status == InboundStatus.ACCEPTED, stored.reason
    message = Message.objects.get()
    assert message.author == person
    assert message.body.startswith(begins)
    for quoted in ("wrote:", "a écrit", "đã viết", "> ", "Dear colleagues,\n\nGirl"):
        assert quoted not in message.body


def test_an_html_only_reply_keeps_the_list_and_drops_script_and_quote(from_expert):
    deliver(from_expert("html_only_reply.eml"))

    body = Message.objects.get().body
    assert "- repeat CT after course 4" in body
    assert "tracking" not in body  # the <script>
    assert "Dear colleagues" not in body  # the quoted original


def test_a_forwarded_thread_keeps_the_forwarded_message_as_a_document(from_clinician):
    stored = deliver(from_clinician("forwarded_rfc822.eml"))

    assert stored.status == InboundStatus.ACCEPTED, stored.reason
    message = Message.objects.get()
    assert message.body == "Jean, the radiologist's report is attached as she sent it.\n\nAnh"
    kinds = sorted(a.kind for a in message.attachments.all())
    assert kinds == [AttachmentKind.DOCUMENT, AttachmentKind.PDF]
    # Documents cannot be de-identified automatically: kept, and flagged for the sender.
    assert all(a.needs_review for a in message.attachments.all())


def test_outlooks_winmail_dat_is_kept_as_a_document_to_review(from_expert):
    stored = deliver(from_expert("outlook_winmail.eml"))

    assert stored.status == InboundStatus.ACCEPTED
    [attachment] = Message.objects.get().attachments.all()
    assert attachment.kind == AttachmentKind.DOCUMENT
    assert attachment.needs_review


def test_a_photo_and_a_pdf_from_gmail_arrive_together(from_clinician):
    stored = deliver(from_clinician("attachments_jpeg_pdf.eml"))

    assert stored.status == InboundStatus.ACCEPTED, stored.reason
    kinds = sorted(a.kind for a in Message.objects.get().attachments.all())
    assert kinds == [AttachmentKind.PDF, AttachmentKind.PHOTO]


def test_a_zero_byte_attachment_is_refused_and_the_text_posted_with_a_notice(
    smtp_inbox, from_expert, expert
):
    stored = deliver(from_expert("zero_byte_attachment.eml"))

    assert stored.status == InboundStatus.ACCEPTED
    assert stored.reason.endswith("attachments refused: notes.txt")
    message = Message.objects.get()
    assert message.body == "The notes file is attached."
    assert not message.attachments.exists()
    [notice] = queued_emails()
    assert notice["to"] == [expert.email]
    assert notice["headers"]["Auto-Submitted"] == "auto-replied"
    assert (
        f"- notes.txt: {in_language(expert, EmptyAttachmentError.default_message)}"
        in (notice["body"])
    )
    assert f"/consultations/{message.consultation_id}/" in notice["body"]


def test_a_damaged_mime_message_posts_its_text_and_explains_the_broken_photo(from_clinician):
    stored = deliver(from_clinician("malformed_unclosed_boundary.eml"))

    assert stored.status == InboundStatus.ACCEPTED, stored.reason
    assert Message.objects.get().body == (
        "Bemor ahvoli yaxshi. Kimyoterapiyaning 2-kursi boshlandi."
    )
    assert "attachments refused: rentgen.jpg" in stored.reason
    [notice] = queued_emails()
    assert "rentgen.jpg" in notice["body"]


def test_a_dicom_file_that_is_not_dicom_is_refused_with_its_reason(
    smtp_inbox, consultation, expert
):
    notification = send_notification(smtp_inbox, consultation, expert)
    raw = gmail_reply(
        notification,
        sender=expert.email,
        text="Voici le scanner et une coupe lisible.",
        attachments=[
            ("scanner.dcm", "application/dicom", b"MZ\x90\x00 this is a Windows program"),
            ("coupe.dcm", "application/dicom", ct_slice()),
        ],
    )

    stored = deliver(raw)

    assert stored.status == InboundStatus.ACCEPTED
    assert stored.reason.endswith("attachments refused: scanner.dcm")
    [kept] = Message.objects.get().attachments.all()
    assert kept.kind == AttachmentKind.DICOM and kept.deidentified
    [notice] = queued_emails()
    assert (
        f"- scanner.dcm: {in_language(expert, NotDicomError.default_message)}" in (notice["body"])
    )


def test_only_bad_attachments_and_no_text_is_a_bounce(smtp_inbox, consultation, expert):
    notification = send_notification(smtp_inbox, consultation, expert)
    raw = gmail_reply(
        notification,
        sender=expert.email,
        text="",
        attachments=[("scanner.dcm", "application/dicom", b"not dicom at all")],
    )

    stored = deliver(raw)

    assert stored.status == InboundStatus.BOUNCED
    assert not Message.objects.exists()
    [bounce] = queued_emails()
    assert "scanner.dcm" in bounce["body"]


@pytest.mark.parametrize("name", ["out_of_office.eml", "bounce_mailer_daemon.eml"])
def test_automatic_replies_are_ignored_and_never_answered(consultation, expert, name):
    address = reply_address(consultation, expert).encode()
    raw = sample(name, to=reply_address(consultation, expert))
    # The mailer-daemon's report, as if it had been sent to a reply address.
    raw = raw.replace(b"To: notifications@consilium.example.org", b"To: " + address)

    stored = deliver(raw)

    assert stored.status == InboundStatus.IGNORED
    assert stored.reason.startswith("automatic message: ")
    assert queued_emails() == []
    assert not Message.objects.exists()


def test_a_null_envelope_sender_is_never_answered(consultation, expert):
    raw = plain_reply(sender=expert.email, to=reply_address(consultation, expert), text="x")

    stored = deliver(raw, envelope_from="<>")

    assert stored.status == InboundStatus.IGNORED
    assert "null envelope sender" in stored.reason
    assert queued_emails() == []


def test_a_mail_loop_is_stopped(consultation, expert):
    raw = plain_reply(sender=expert.email, to=reply_address(consultation, expert), text="x")
    hops = b"".join(b"Received: from relay%d.example.org\r\n" % i for i in range(40))

    stored = deliver(hops + raw)

    assert stored.status == InboundStatus.IGNORED
    assert stored.reason == "mail loop: 40 Received headers"
    assert queued_emails() == []


def test_bytes_that_are_not_an_email_are_stored_and_bounced_to_the_envelope_sender(db, smtp_inbox):
    garbage = b"\x00\x01\x02\x03 \xff\xfe binary junk without any header\r\n" * 20

    stored = deliver(garbage, envelope_from="lab@onco.uz")

    assert stored.message_id.endswith("@unparsed.consilium.invalid")
    assert bytes(stored.raw) == garbage  # kept as it came, for whoever investigates
    assert stored.status == InboundStatus.BOUNCED
    assert stored.reason.startswith("unparseable (no-headers)")
    before = len(smtp_inbox.envelopes)
    run_queued_tasks(SEND_EMAIL)
    [bounce] = smtp_inbox.messages[before:]
    assert bounce["To"] == "lab@onco.uz"
    assert explanation(stored) in bounce.get_content()


def test_unreadable_bytes_with_nobody_to_tell_are_kept_with_the_reason(db):
    stored = deliver(b"\x00garbage\x00" * 10)

    assert stored.status == InboundStatus.IGNORED
    assert stored.reason == "unparseable (no-headers), not answered: no sender address"
    assert queued_emails() == []


def test_unreadable_bytes_from_a_null_sender_are_ignored(db):
    stored = deliver(b"\x00garbage\x00" * 10, envelope_from="<>")

    assert stored.status == InboundStatus.IGNORED
    assert queued_emails() == []


def test_a_message_over_the_size_limit_is_bounced(settings, consultation, expert):
    settings.CONSILIUM_MAX_ATTACHMENT_MB = 1
    raw = gmail_reply_with_big_file(consultation, expert, size=3 * 1024 * 1024)

    stored = deliver(raw, envelope_from=expert.email)

    assert stored.status == InboundStatus.BOUNCED
    assert stored.reason.startswith("unparseable (too-large)")
    [bounce] = queued_emails()
    assert bounce["to"] == [expert.email]
    assert explanation(stored) in bounce["body"]


def gmail_reply_with_big_file(consultation, expert, *, size):
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = expert.email
    msg["To"] = reply_address(consultation, expert)
    msg["Subject"] = "Re: scans"
    msg["Message-ID"] = "<big-file@curie.demo>"
    msg.set_content("All the slices.")
    msg.add_attachment(b"\x00" * size, maintype="application", subtype="octet-stream")
    return msg.as_bytes()


def test_the_same_message_without_a_message_id_is_stored_once(from_clinician):
    raw = from_clinician("no_message_id.eml")

    first, created = inbound.store(raw)
    _again, created_again = inbound.store(b"Received: from mx2.onco.uz\r\n" + raw)

    assert (created, created_again) == (True, False)
    assert first.message_id.endswith("@generated.consilium.invalid")
    assert InboundEmail.objects.count() == 1
