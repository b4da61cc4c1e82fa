"""What mutation testing of the mail parser (`make mutate`, issue 22) found untested: the
refusals' wording (the sender's only guidance), the bounds, every header and client word the
patterns list, and the HTML rules of each client. test_mail_parse.py and
test_mail_reply_clients.py hold the parser's main cases; these pin the details."""

from __future__ import annotations

import logging
from email.message import EmailMessage

import pytest

from consilium.consultations.mail import parse
from consilium.consultations.mail.parse import (
    InboundMessage,
    ParseWarning,
    UnparseableMessage,
    parse_inbound,
)


def simple(headers: str = "", body: str = "Agreed.\n", *, subject: str = "Re: case 42") -> bytes:
    return (
        "From: Jean Martin <jean.martin@curie.fr>\n"
        "To: reply+abc@consilium.example.org\n"
        f"Subject: {subject}\n"
        "Date: Mon, 3 Jun 2024 10:00:00 +0200\n"
        "Message-ID: <simple-1@curie.fr>\n"
        f"{headers}"
        "\n"
        f"{body}"
    ).encode()


def refusal(data: bytes, **kwargs) -> UnparseableMessage:
    with pytest.raises(UnparseableMessage) as excinfo:
        parse_inbound(data, **kwargs)
    return excinfo.value


# --------------------------------------------------------------------------- refusals


def test_each_refusal_says_why_in_the_words_the_bounce_quotes():
    too_large = refusal(simple(), max_bytes=50)
    assert (too_large.code, str(too_large)) == (
        "too-large",
        "The message is too large. Please send large files on the website instead.",
    )
    empty = refusal(b"\r\n \t\r\n")
    assert (empty.code, str(empty.message)) == ("empty", "The message is empty.")
    headless = refusal(b"X-Mailer: a script\n\nbody\n")
    assert (headless.code, str(headless.message)) == (
        "no-headers",
        "This is not an email message: it has no From, To, Subject or Date header.",
    )


def test_a_parser_failure_is_a_refusal_with_its_cause_logged(monkeypatch, caplog):
    def broken(msg, raw):
        raise RuntimeError("a bug in the MIME walk")

    monkeypatch.setattr(parse, "_build", broken)
    with caplog.at_level(logging.WARNING, logger=parse.__name__):
        error = refusal(simple())
    assert error.code == "broken-mime"
    assert str(error) == (
        "The structure of the message is damaged and it could not be read. Please send it "
        "again, or paste the text into a new message."
    )
    assert isinstance(error.__cause__, RuntimeError)
    [record] = caplog.records
    assert record.getMessage() == "inbound mail could not be parsed"
    assert record.exc_info and record.exc_info[0] is RuntimeError


def test_a_message_of_exactly_the_limit_is_read():
    data = simple()
    assert parse_inbound(data, max_bytes=len(data)).reply_text == "Agreed."
    assert refusal(data, max_bytes=len(data) - 1).code == "too-large"


def test_the_default_limit_is_50_mib():
    # Blank bytes: refused as empty when within the limit, as too large beyond it.
    assert refusal(b" " * (50 * 1024 * 1024)).code == "empty"
    assert refusal(b" " * (50 * 1024 * 1024 + 1)).code == "too-large"


def test_only_bytes_are_parsed():
    with pytest.raises(TypeError, match=r"^parse_inbound\(\) expects the raw message as bytes$"):
        parse_inbound("From: a@b.org\n\ntext")  # type: ignore[arg-type]
    assert parse_inbound(bytearray(simple())).reply_text == "Agreed."
    assert parse_inbound(memoryview(simple())).reply_text == "Agreed."


@pytest.mark.parametrize(
    "header",
    [
        "From: Jean Martin <jean.martin@curie.fr>",
        "To: reply+abc@consilium.example.org",
        "Cc: board@nhp.org.vn",
        "Subject: Re: case 42",
        "Date: Mon, 3 Jun 2024 10:00:00 +0200",
        "Message-ID: <one-header@curie.fr>",
        "MIME-Version: 1.0",
        "Received: from mx.curie.fr by mail.nhp.org.vn; Mon, 3 Jun 2024 10:00:01 +0200",
        "Return-Path: <jean.martin@curie.fr>",
        "Delivered-To: reply+abc@consilium.example.org",
        "Sender: jean.martin@curie.fr",
        "Reply-To: jean.martin@curie.fr",
        "In-Reply-To: <consult-42@consilium.example.org>",
        "References: <consult-42@consilium.example.org>",
    ],
)
def test_one_header_of_an_email_is_enough_to_read_it(header):
    # A relay or a script may strip the rest; what is left is still mail, and it is answered.
    msg = parse_inbound(f"X-Spam-Score: 0.1\n{header}\n\nAgreed.\n".encode())
    assert msg.reply_text == "Agreed."


# --------------------------------------------------------------------------- headers


def test_a_message_without_from_has_no_sender_name_either():
    msg = parse_inbound(simple().replace(b"From: Jean Martin <jean.martin@curie.fr>\n", b""))
    assert (msg.from_name, msg.from_address) == ("", "")
    assert ParseWarning("no-sender", "") in msg.warnings


def test_warnings_without_a_detail_have_an_empty_one():
    msg = parse_inbound(simple().replace(b"Message-ID: <simple-1@curie.fr>\n", b""))
    assert ParseWarning("no-message-id", "") in msg.warnings
    assert ParseWarning("no-message-id") == ("no-message-id", "")


def test_the_loop_header_is_spelt_as_older_installations_sent_it():
    # A bounce sent before an upgrade must still be recognised when it comes back.
    assert parse.LOOP_HEADER == "X-Consilium-Loop"
    msg = parse_inbound(simple("X-Consilium-Loop: bounce\n"))
    assert parse.is_auto_reply(msg) == "X-Consilium-Loop present (our own message came back)"


def test_every_value_of_a_repeated_header_is_read_whatever_its_case():
    msg = parse_inbound(
        simple(
            "Received: from mx2.nhp.org.vn by mail.nhp.org.vn; Mon, 3 Jun 2024 10:00:03 +0200\n"
            "RECEIVED: from mx.curie.fr by mx2.nhp.org.vn; Mon, 3 Jun 2024 10:00:02 +0200\n"
        )
    )
    assert msg.header_all("Received") == [
        "from mx2.nhp.org.vn by mail.nhp.org.vn; Mon, 3 Jun 2024 10:00:03 +0200",
        "from mx.curie.fr by mx2.nhp.org.vn; Mon, 3 Jun 2024 10:00:02 +0200",
    ]
    assert msg.header("received").startswith("from mx2.nhp.org.vn")
    assert msg.header_all("X-Missing") == []
    assert msg.header("X-Missing") is None


def test_a_message_built_from_its_fields_has_no_warnings():
    # How the gateway describes a message the parser gave up on (inbound._stub_message).
    msg = InboundMessage(
        message_id="x@generated.consilium.invalid",
        message_id_generated=True,
        from_address="jean.martin@curie.fr",
        from_name="",
        to_addresses=(),
        cc_addresses=(),
        delivered_to=(),
        subject="",
        date=None,
        in_reply_to=None,
        references=(),
        reply_text="",
        full_text="",
        attachments=(),
        content_type="text/plain",
        headers=(),
    )
    assert msg.warnings == ()


def test_mail_is_refused_with_the_default_sentence_only_when_no_other_is_given():
    assert str(UnparseableMessage("x")) == "This message could not be read as an email."
    assert str(UnparseableMessage("x", "Another reason.")) == "Another reason."


def _nested(depth: int) -> bytes:
    """A text part inside ``depth`` multipart/mixed containers (the top one included)."""
    inner = EmailMessage()
    inner.set_content("Deep answer.")
    for _ in range(depth):
        outer = EmailMessage()
        outer.make_mixed()
        outer.attach(inner)
        inner = outer
    inner["From"] = "jean.martin@curie.fr"
    inner["Subject"] = "Re: case 42"
    return inner.as_bytes()


def test_parts_are_read_to_25_levels_deep_and_no_deeper():
    msg = parse_inbound(_nested(25))
    assert msg.reply_text == "Deep answer."
    assert "too-deep" not in {w.code for w in msg.warnings}
    msg = parse_inbound(_nested(26))
    assert msg.reply_text == ""
    assert ParseWarning("too-deep", "") in msg.warnings


def test_the_first_of_two_authors_is_the_sender():
    # RFC 5322 allows several authors in From (with a Sender); the first one answers.
    msg = parse_inbound(
        simple().replace(
            b"From: Jean Martin <jean.martin@curie.fr>",
            b"From: Jean Martin <jean.martin@curie.fr>, Anh Nguyen <anh@nhp.org.vn>\n"
            b"Sender: jean.martin@curie.fr",
        )
    )
    assert (msg.from_name, msg.from_address) == ("Jean Martin", "jean.martin@curie.fr")


def test_a_message_without_date_or_subject_has_none_and_no_warning():
    data = simple().replace(b"Date: Mon, 3 Jun 2024 10:00:00 +0200\n", b"")
    msg = parse_inbound(data.replace(b"Subject: Re: case 42\n", b""))
    assert (msg.date, msg.subject) == (None, "")
    assert msg.warnings == ()


def test_the_recipient_headers_of_each_mail_server_are_read():
    # Delivered-To (Postfix's local delivery, Gmail), X-Original-To (Postfix), Envelope-to (Exim).
    msg = parse_inbound(
        simple(
            "Envelope-to: reply+abc@consilium.example.org\n"
            "X-Original-To: <Reply+Exim@Consilium.example.org>\n"
            "Delivered-To: reply+abc@consilium.example.org\n"
            "X-Original-To: reply+postfix@consilium.example.org\n"
        )
    )
    assert msg.delivered_to == (
        "reply+abc@consilium.example.org",
        "reply+exim@consilium.example.org",
        "reply+postfix@consilium.example.org",
    )
    envelope_only = parse_inbound(simple("Envelope-to: reply+exim@consilium.example.org\n"))
    assert envelope_only.delivered_to == ("reply+exim@consilium.example.org",)


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        ("@curie.fr", "delivered-to: @curie.fr"),
        ("jean@localhost", "delivered-to: jean@localhost"),
        ("jean martin@curie.fr", "delivered-to: jean martin@curie.fr"),
        ("jean\x7f@curie.fr", "delivered-to: jean\x7f@curie.fr"),
    ],
)
def test_an_address_that_cannot_be_answered_is_left_out_with_a_warning(value, detail):
    msg = parse_inbound(simple(f"Delivered-To: {value}\n"))
    assert msg.delivered_to == ()
    assert msg.warnings == (ParseWarning("bad-address", detail),)


def test_a_long_bad_address_is_cut_in_its_warning():
    local = "x" * 120
    msg = parse_inbound(simple(f"Delivered-To: {local}@localhost\n"))
    assert msg.warnings == (ParseWarning("bad-address", f"delivered-to: {local[:100]}"),)


def test_an_upper_case_address_keeps_its_letters():
    # Exchange writes addresses as the directory has them; an X at either end is a letter.
    msg = parse_inbound(
        simple("Delivered-To: <REPLY+ABCX@CONSILIUM.EXAMPLE.ORG>\n").replace(
            b"Jean Martin <jean.martin@curie.fr>", b"XAVIER DUPONT <XAVIER.DUPONT@CURIE.FR>"
        )
    )
    assert msg.from_address == "xavier.dupont@curie.fr"
    assert msg.delivered_to == ("reply+abcx@consilium.example.org",)


def test_in_reply_to_with_two_ids_threads_on_the_first():
    msg = parse_inbound(simple("In-Reply-To: <consult-42@consilium.example.org> <x@curie.fr>\n"))
    assert msg.in_reply_to == "consult-42@consilium.example.org"


@pytest.mark.parametrize(
    ("message_id", "kept"),
    [
        ("<" + "a" * 494 + "@x.org>", True),  # 500 characters
        ("<" + "a" * 495 + "@x.org>", False),
        ("<case\x7f42@curie.fr>", False),
        ("bare-id@curie.fr", True),
    ],
)
def test_a_message_id_is_kept_only_if_short_and_printable(message_id, kept):
    msg = parse_inbound(
        simple().replace(b"<simple-1@curie.fr>", message_id.encode()), max_bytes=10_000
    )
    assert (msg.message_id == message_id.strip("<>")) is kept
    assert msg.message_id_generated is not kept


@pytest.mark.parametrize(
    "header",
    [
        "From: Anh <anh@nhp.org.vn>",
        "To: reply+other@consilium.example.org",
        "Cc: board@nhp.org.vn",
        "Subject: Re: case 43",
        "Date: Mon, 3 Jun 2024 10:00:01 +0200",
        "In-Reply-To: <consult-43@consilium.example.org>",
    ],
)
def test_a_generated_id_tells_apart_messages_that_differ_in_what_the_sender_wrote(header):
    data = (
        "From: Jean Martin <jean.martin@curie.fr>\n"
        "To: reply+abc@consilium.example.org\n"
        "Cc: tumour-board@nhp.org.vn\n"
        "Subject: Re: case 42\n"
        "Date: Mon, 3 Jun 2024 10:00:00 +0200\n"
        "In-Reply-To: <consult-42@consilium.example.org>\n"
        "\nAgreed.\n"
    )
    name = header.split(":")[0]
    changed = "\n".join(
        header if line.startswith(f"{name}:") else line for line in data.split("\n")
    )
    assert changed != data
    first, second = parse_inbound(data.encode()), parse_inbound(changed.encode())
    assert first.message_id_generated and second.message_id_generated
    assert first.message_id != second.message_id


def test_a_generated_id_is_40_hex_digits_at_the_invalid_domain():
    msg = parse_inbound(simple().replace(b"Message-ID: <simple-1@curie.fr>\n", b""))
    local, _at, domain = msg.message_id.partition("@")
    assert domain == "generated.consilium.invalid"
    assert len(local) == 40 and int(local, 16) >= 0


@pytest.mark.parametrize(
    ("subject", "read"),
    [
        ("Re: consultation 42 \u2014 Đồng ý".encode(), "Re: consultation 42 \u2014 Đồng ý"),
        (b"Re: 50 \x80", "Re: 50 \ufffd"),  # a euro sign in undeclared windows-1252
        (b"Re: RCP L'Ha\xff-les-Roses", "Re: RCP L'Ha\ufffd-les-Roses"),  # latin-1
    ],
)
def test_undeclared_8bit_headers_are_read_as_utf8(subject, read):
    # RFC 6532 mail carries UTF-8 headers as they are; other 8-bit bytes become U+FFFD.
    data = simple().replace(b"Subject: Re: case 42", b"Subject: " + subject)
    data = data.replace(b"Jean Martin <", "Jean Martín <".encode())
    msg = parse_inbound(data)
    assert msg.subject == read
    assert msg.from_name == "Jean Martín"


# --------------------------------------------------------------------------- MIME structure


def reply(**headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Jean Martin <jean.martin@curie.fr>"
    msg["To"] = "reply+abc@consilium.example.org"
    msg["Subject"] = "Re: [Consilium] Case VN-0042"
    msg["Message-ID"] = "<structure@curie.fr>"
    msg["Date"] = "Mon, 03 Jun 2024 10:05:00 +0200"
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    return msg


def signed(signature_type: str) -> bytes:
    """A signed reply as Thunderbird (PGP/MIME) or Outlook (S/MIME) sends it."""
    msg = reply()
    msg.set_content("Agreed: start induction on Monday.")
    msg.make_mixed()
    maintype, subtype = signature_type.split("/")
    msg.add_attachment(b"0\x82\x06\x1f...signature...", maintype=maintype, subtype=subtype)
    msg.replace_header("Content-Type", f'multipart/signed; protocol="{signature_type}"')
    msg.set_boundary("signed-boundary")
    return msg.as_bytes()


@pytest.mark.parametrize(
    "signature_type",
    ["application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature"],
)
def test_a_signature_part_is_not_an_attachment(signature_type):
    msg = parse_inbound(signed(signature_type))
    assert msg.reply_text == "Agreed: start induction on Monday."
    assert msg.attachments == ()


def test_text_on_both_sides_of_an_inline_photo_is_one_reply():
    # Apple Mail and K-9 split the text around an image placed in the middle of it.
    msg = reply()
    msg.make_mixed()
    first = EmailMessage()
    first.set_content("Here is the lesion today:")
    photo = EmailMessage()
    photo.set_content(b"\xff\xd8\xff\xe0photo\xff\xd9", maintype="image", subtype="jpeg")
    photo.add_header("Content-Disposition", "inline", filename="IMG_0042.jpg")
    last = EmailMessage()
    last.set_content("It has grown 2 mm since Monday.")
    for part in (first, photo, last):
        msg.attach(part)
    parsed = parse_inbound(msg.as_bytes())
    assert parsed.reply_text == "Here is the lesion today:\n\nIt has grown 2 mm since Monday."
    assert [a.filename for a in parsed.attachments] == ["IMG_0042.jpg"]


def test_a_text_part_after_the_quoted_history_is_history_too():
    msg = reply()
    msg.make_mixed()
    answer = EmailMessage()
    answer.set_content(
        "Agreed.\n\nOn Mon, 3 Jun 2024 at 10:00, Anh <anh@nhp.org.vn> wrote:\n> Start on Monday?\n"
    )
    tail = EmailMessage()
    tail.set_content("Sent to the tumour board list: 25% blasts on day 8.")
    msg.attach(answer)
    msg.attach(tail)
    parsed = parse_inbound(msg.as_bytes())
    assert parsed.reply_text == "Agreed."
    assert "tumour board list" in parsed.full_text


def test_a_forwarded_message_in_utf8_headers_is_a_document_too():
    # RFC 6532: message/global is message/rfc822 whose headers may be UTF-8.
    inner = (
        "From: Trần Thị Bích <bich.tran@nhp.org.vn>\r\n"
        "To: anh.nguyen@nhp.org.vn\r\n"
        "Subject: Kết quả MRI\r\n"
        "Date: Mon, 03 Jun 2024 08:00:00 +0700\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Khối u thượng thận trái 6,2 x 4,8 cm.\r\n"
    ).encode()
    outer = (
        b"From: anh.nguyen@nhp.org.vn\r\nTo: reply+abc@consilium.example.org\r\n"
        b"Subject: Fwd: MRI\r\nMessage-ID: <global@nhp.org.vn>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe report, as sent.\r\n"
        b"--b\r\nContent-Type: message/global\r\n\r\n" + inner + b"\r\n--b--\r\n"
    )
    msg = parse_inbound(outer)
    assert msg.reply_text == "The report, as sent."
    assert "Khối u thượng thận trái" in msg.full_text
    [eml] = msg.attachments
    assert (eml.filename, eml.content_type) == ("Kết quả MRI.eml", "message/rfc822")


def test_a_multipart_without_a_boundary_is_read_as_text():
    data = simple(
        "MIME-Version: 1.0\nContent-Type: multipart/mixed\n",
        body="Agreed, start on Monday.\n",
    )
    msg = parse_inbound(data)
    assert msg.reply_text == "Agreed, start on Monday."
    assert ParseWarning("malformed-mime", "multipart without parts") in msg.warnings


def test_an_empty_plain_alternative_gives_way_to_the_html_one():
    # Outlook for iOS and some web mails send an empty text/plain beside the real HTML.
    msg = reply()
    msg.set_content("\n")
    msg.add_alternative("<div>Agreed, start on <b>Monday</b>.</div>", subtype="html")
    assert parse_inbound(msg.as_bytes()).reply_text == "Agreed, start on Monday."


def test_the_plain_alternative_wins_whatever_its_place():
    msg = reply()
    msg.set_content("<div>Agreed (HTML).</div>", subtype="html")
    msg.add_alternative("Agreed (plain).")
    assert parse_inbound(msg.as_bytes()).reply_text == "Agreed (plain)."


def test_an_image_in_the_html_branch_is_kept_once():
    # Apple Mail: alternative(plain, related(html, image)).
    msg = reply()
    msg.set_content("See the photo.")
    msg.add_alternative('<div>See the photo.</div><img src="cid:photo">', subtype="html")
    html_part = msg.get_payload()[1]
    for _ in range(2):  # the same image twice is one attachment
        html_part.add_related(b"\xff\xd8\xffjpeg\xff\xd9", "image", "jpeg", filename="lesion.jpg")
    parsed = parse_inbound(msg.as_bytes())
    assert parsed.reply_text == "See the photo."
    assert [(a.filename, a.content) for a in parsed.attachments] == [
        ("lesion.jpg", b"\xff\xd8\xffjpeg\xff\xd9")
    ]


@pytest.mark.parametrize("disposition", ["attachment", "inline"])
def test_a_text_file_with_a_name_is_an_attachment_not_the_reply(disposition):
    msg = reply()
    msg.set_content("The lab values are attached.")
    msg.add_attachment(
        "Hb 9.1\nPLT 45\n", subtype="plain", filename="labs.txt", disposition=disposition
    )
    parsed = parse_inbound(msg.as_bytes())
    assert parsed.reply_text == "The lab values are attached."
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("labs.txt", "text/plain")
    ]


def test_a_text_part_marked_as_an_attachment_without_a_name_is_an_attachment():
    data = simple(
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n",
        body="--b\nContent-Type: text/plain\n\nSee the notes.\n"
        "--b\nContent-Type: text/plain\nContent-Disposition: attachment\n\nHb 9.1\n--b--\n",
    )
    msg = parse_inbound(data)
    assert msg.reply_text == "See the notes."
    assert msg.attachments == (("attachment-1.txt", "text/plain", b"Hb 9.1"),)


def test_winmail_dat_without_a_name_is_named_so():
    data = simple(
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n",
        body="--b\nContent-Type: text/plain\n\nSee the protocol.\n"
        "--b\nContent-Type: application/ms-tnef\nContent-Transfer-Encoding: base64\n\n"
        "eJ8+IgEAAQAA\n--b--\n",
    )
    msg = parse_inbound(data)
    assert ParseWarning("tnef", "winmail.dat") in msg.warnings
    [tnef] = msg.attachments
    assert tnef.content == b'x\x9f>"\x01\x00\x01\x00\x00'


@pytest.mark.parametrize(
    ("delsp", "body"),
    [
        # K-9 and Thunderbird wrap after a space, which stays at the end of the line.
        ("no", "Đồng ý với phác đồ, \nbắt đầu điều trị vào thứ Hai.\n"),
        # Apple Mail (delsp=yes) adds a space of its own before each break, to be removed.
        ("yes", "Đồng ý với phác đồ,  \nbắt đầu điều trị vào thứ Hai.\n"),
    ],
)
def test_format_flowed_lines_are_joined(delsp, body):
    data = simple(
        "MIME-Version: 1.0\n"
        f"Content-Type: text/plain; charset=utf-8; format=Flowed; delsp={delsp.upper()}\n"
        "Content-Transfer-Encoding: 8bit\n",
        body=body,
    )
    assert parse_inbound(data).reply_text == "Đồng ý với phác đồ, bắt đầu điều trị vào thứ Hai."


def test_a_fixed_width_reply_keeps_its_line_ends():
    data = simple(
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8; format=fixed\n",
        body="Vincristine 1.5 mg/m2 \nday 1, 8 and 15.\n",
    )
    assert parse_inbound(data).reply_text == "Vincristine 1.5 mg/m2\nday 1, 8 and 15."


def forward(inner_headers: str, *, filename: str | None = None) -> bytes:
    disposition = f'Content-Disposition: attachment; filename="{filename}"\n' if filename else ""
    return simple(
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n",
        body="--b\nContent-Type: text/plain\n\nThe report, as she sent it.\n"
        f"--b\nContent-Type: message/rfc822\n{disposition}\n"
        f"{inner_headers}\n"
        "Left adrenal mass 6.2 x 4.8 cm.\n--b--\n",
    )


def test_a_forwarded_message_is_shown_with_its_headers():
    msg = parse_inbound(
        forward(
            "From: Tran Thi Bich <bich.tran@nhp.org.vn>\n"
            "Date: Mon, 3 Jun 2024 08:00:00 +0700\n"
            "Subject: MRI report\n"
            "To: anh.nguyen@nhp.org.vn\n"
        )
    )
    assert msg.full_text == (
        "The report, as she sent it.\n\n"
        "---------- Forwarded message ----------\n"
        "From: Tran Thi Bich <bich.tran@nhp.org.vn>\n"
        "Date: Mon, 03 Jun 2024 08:00:00 +0700\n"
        "Subject: MRI report\n"
        "To: anh.nguyen@nhp.org.vn\n\n"
        "Left adrenal mass 6.2 x 4.8 cm."
    )
    assert msg.attachments[0].filename == "MRI report.eml"


def test_a_forwarded_message_without_subject_or_body_is_named_and_shown_plainly():
    data = simple(
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n",
        body="--b\nContent-Type: text/plain\n\nSee below.\n"
        "--b\nContent-Type: message/rfc822\n\nFrom: bich.tran@nhp.org.vn\n\n--b--\n",
    )
    msg = parse_inbound(data)
    assert msg.full_text == (
        "See below.\n\n---------- Forwarded message ----------\nFrom: bich.tran@nhp.org.vn"
    )
    assert [a.filename for a in msg.attachments] == ["forwarded-message.eml"]


def test_a_forwarded_message_keeps_the_name_it_was_sent_with_or_80_characters_of_its_subject():
    named = parse_inbound(forward("Subject: MRI\n", filename="bich-mri.eml"))
    assert named.attachments[0].filename == "bich-mri.eml"
    subject = "MRI report " + "x" * 100
    long = parse_inbound(forward(f"Subject: {subject}\n"))
    assert long.attachments[0].filename == subject[:80] + ".eml"


@pytest.mark.parametrize(
    ("content_type", "name"),
    [
        ("message/delivery-status", "attachment-1.txt"),
        ("message/disposition-notification", "attachment-1.txt"),  # a read receipt
        ("text/rfc822-headers", "attachment-1.txt"),
        ("application/pdf", "attachment-1.pdf"),
        ("application/x-consilium-unknown", "attachment-1.bin"),
    ],
)
def test_an_unnamed_attachment_is_named_by_its_type(content_type, name):
    data = simple(
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n",
        body="--b\nContent-Type: text/plain\n\nSee the file.\n"
        f"--b\nContent-Type: {content_type}\n\nReporting-MTA: dns; mx.curie.fr\n--b--\n",
    )
    [attachment] = parse_inbound(data).attachments
    assert (attachment.filename, attachment.content_type) == (name, content_type)
    assert attachment.content.startswith(b"Reporting-MTA: dns; mx.curie.fr")


def test_unnamed_attachments_are_numbered_in_order():
    data = simple(
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n",
        body="--b\nContent-Type: text/plain\n\nTwo scans.\n"
        "--b\nContent-Type: application/pdf\n\n%PDF-1 first\n"
        "--b\nContent-Type: application/pdf\n\n%PDF-1 second\n--b--\n",
    )
    assert [a.filename for a in parse_inbound(data).attachments] == [
        "attachment-1.pdf",
        "attachment-2.pdf",
    ]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("C:\\Users\\anh\\Desktop\\MRI: report?.pdf", "MRI_ report_.pdf"),  # Outlook, old IE
        ("scans/2024/ct|axial*.pdf", "ct_axial_.pdf"),
        (' "Kết quả" <MRI>. ', "_Kết quả_ _MRI_"),
        ("Ke\u0302\u0301t qua\u0309.pdf", "Kết quả.pdf"),  # macOS writes names decomposed
        ("a" * 210 + ".pdf", "a" * 200),
    ],
)
def test_an_attachment_name_is_made_safe_to_store(sent, kept):
    msg = reply()
    msg.set_content("The file.")
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename=sent)
    [attachment] = parse_inbound(msg.as_bytes()).attachments
    assert attachment.filename == kept


# --------------------------------------------------------------------------- charsets


def body_in(charset_header: str, body: bytes) -> bytes:
    return simple(f"MIME-Version: 1.0\nContent-Type: {charset_header}\n").replace(
        b"Agreed.\n", body
    )


def test_a_charset_given_as_an_rfc_2231_parameter_is_used():
    data = body_in("text/plain; charset*=utf-8''windows-1251", "Согласен.".encode("cp1251"))
    msg = parse_inbound(data)
    assert msg.reply_text == "Согласен."
    assert msg.warnings == ()


def test_an_html_body_without_a_charset_parameter_uses_its_meta_tag():
    html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
    html += "</head><body>"
    data = body_in("text/html", html.encode() + "<div>Согласен.</div>".encode("koi8-r"))
    assert parse_inbound(data).reply_text == "Согласен."


def test_a_meta_tag_beyond_the_first_4_kib_is_not_looked_for():
    html = "<html><head>" + "<!-- x -->" * 410 + '<meta charset="koi8-r"></head><body>'
    data = body_in("text/html", html.encode() + "<div>Согласен.</div>".encode("koi8-r"))
    msg = parse_inbound(data)
    assert msg.reply_text == "\ufffd" * 8 + "."
    assert ParseWarning("charset-fallback", "utf-8") in msg.warnings


def test_a_quoted_charset_name_is_read():
    data = body_in("text/plain; charset=\"'KOI8-R'\"", "Согласен.".encode("koi8-r"))
    assert parse_inbound(data).reply_text == "Согласен."


@pytest.mark.parametrize("declared", ["us-ascii", "ascii", "utf-8", "utf8"])
def test_8bit_text_mislabelled_as_ascii_or_utf8_is_guessed(declared):
    text = "Ça marche, dose ajustée à la clairance."
    msg = parse_inbound(body_in(f"text/plain; charset={declared}", text.encode("latin-1")))
    assert msg.reply_text == text
    assert ParseWarning("charset-mismatch", declared) in msg.warnings


def test_a_body_that_does_not_fit_its_charset_is_decoded_with_marks():
    # Shift_JIS declared, with a byte that starts no character in it.
    data = body_in("text/plain; charset=shift_jis", b"OK \x80 for cycle 2.")
    msg = parse_inbound(data)
    assert msg.reply_text == "OK \ufffd for cycle 2."
    assert msg.warnings == (ParseWarning("decode-errors", "shift_jis"),)


def test_an_unknown_charset_is_named_in_its_warning_cut_to_60_characters():
    name = "x-" + "bogus" * 20
    msg = parse_inbound(body_in(f"text/plain; charset={name}", b"Agreed."))
    assert msg.reply_text == "Agreed."
    assert ParseWarning("unknown-charset", name[:60]) in msg.warnings


@pytest.mark.parametrize(
    ("body", "read", "guess"),
    [
        # One broken byte in 50 characters: still UTF-8.
        (b"x" * 49 + b"\xff", "x" * 49 + "\ufffd", "utf-8"),
        # One in 49: some 8-bit charset, read as latin-1.
        (b"x" * 48 + b"\xff", "x" * 48 + "\xff", "latin-1"),
    ],
)
def test_undeclared_8bit_text_is_utf8_unless_more_than_one_character_in_50_is_broken(
    body, read, guess
):
    msg = parse_inbound(body_in("text/plain", body))
    assert msg.reply_text == read
    assert ParseWarning("charset-fallback", guess) in msg.warnings


# --------------------------------------------------------------------------- automatic messages

LONG = "x" * 70


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Return-Path: <>\n", "Return-Path: <>"),
        ("Return-Path: \n", "Return-Path: <>"),
        ("X-Consilium-Loop: bounce\n", "X-Consilium-Loop present (our own message came back)"),
        ("Auto-Submitted: Auto-Replied\n", "Auto-Submitted: auto-replied"),
        (
            f"Auto-Submitted: auto-generated; {LONG}\n",
            f"Auto-Submitted: {('auto-generated; ' + LONG)[:60]}",
        ),
        ("X-Autoreply: yes\n", "x-autoreply: yes"),
        ("X-Autorespond: yes\n", "x-autorespond: yes"),
        ("X-AutoResponder: on\n", "x-autoresponder: on"),
        ("X-Auto-Reply: 1\n", "x-auto-reply: 1"),
        (f"X-Autoreply: {LONG}\n", f"x-autoreply: {LONG[:60]}"),
        ("Precedence: Bulk\n", "Precedence: bulk"),
        ("Precedence: auto-reply\n", "Precedence: auto-reply"),
        ("Precedence: auto_reply\n", "Precedence: auto_reply"),
        ("X-Auto-Response-Suppress: OOF\n", "X-Auto-Response-Suppress: oof"),
        (
            f"X-Auto-Response-Suppress: {LONG}, All\n",
            f"X-Auto-Response-Suppress: {(LONG + ', all')[:60]}",
        ),
        ("List-Id: Tumour board <board.nhp.org.vn>\n", "List-Id present"),
    ],
)
def test_an_automatic_message_is_logged_with_its_reason(headers, reason):
    assert parse.is_auto_reply(parse_inbound(simple(headers))) == reason


@pytest.mark.parametrize(
    "headers",
    [
        "Auto-Submitted: no; reviewed by Jean\n",
        "X-Autoreply: no\n",
        "X-Autorespond: false\n",
        "X-Auto-Reply: 0\n",
        "X-AutoResponder: NO\n",
        "X-Auto-Response-Suppress: DR, RN, NRN\n",
    ],
)
def test_a_header_that_says_no_is_a_person(headers):
    assert parse.is_auto_reply(parse_inbound(simple(headers))) is None


def test_the_other_reasons_are_logged_as_such():
    report = simple(
        "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; "
        "boundary=b\n",
        body="--b\nContent-Type: text/plain\n\nDelivery failed.\n--b--\n",
    )
    assert parse.is_auto_reply(parse_inbound(report)) == (
        "delivery or read report (multipart/report)"
    )
    nobody = parse_inbound(simple().replace(b"From: Jean Martin <jean.martin@curie.fr>\n", b""))
    assert parse.is_auto_reply(nobody) == "no sender address"
    daemon = parse_inbound(simple().replace(b"jean.martin@curie.fr", b"Mailer-Daemon@curie.fr"))
    assert parse.is_auto_reply(daemon) == "automated sender mailer-daemon@curie.fr"
    for sender in (b"donotreply@curie.fr", b"do-not-reply@curie.fr", b"noreply@curie.fr"):
        assert parse.is_auto_reply(parse_inbound(simple().replace(b"jean.martin@curie.fr", sender)))
    # A person whose domain, not name, looks automated is a person.
    person = parse_inbound(simple().replace(b"jean.martin@curie.fr", b"jean@noreply.curie.fr"))
    assert parse.is_auto_reply(person) is None
    subject = "Automatic reply: " + LONG
    oof = parse_inbound(simple(subject=subject))
    assert parse.is_auto_reply(oof) == f"auto-reply subject: {subject[:60]}"
    assert parse.is_auto_reply(parse_inbound(simple()), envelope_sender="") == (
        "null envelope sender"
    )
    assert parse.is_auto_reply(parse_inbound(simple()), envelope_sender=" <> ") == (
        "null envelope sender"
    )


# --------------------------------------------------------------------------- bounces


def bounce_of(data: bytes, **kwargs):
    arguments = {"reason": "This reply address has expired.", "from_address": "noreply@c.org"}
    arguments.update(kwargs)
    arguments.setdefault("to", "jean.martin@curie.fr")
    return parse.build_bounce(parse_inbound(data), **arguments)


def test_a_bounce_says_everything_in_these_words():
    bounce = bounce_of(
        simple(
            "References: <consult-42@consilium.example.org>\n",
            body="Agreed.\nStart on Monday.\n",
        ),
        from_address="Consilium <noreply@consilium.example.org>",
        to="<jean.martin@curie.fr>",
    )
    assert bounce.get_content() == (
        "Hello,\n"
        "\n"
        "Consilium could not accept your message, so it has not been added to any "
        "consultation.\n"
        "\n"
        "Reason: This reply address has expired.\n"
        "\n"
        "Nothing else needs to be done with this email. You can send your message again once "
        "the problem is fixed, or post it on the Consilium website.\n"
        "\n"
        "Your message began:\n"
        "\n"
        "> Agreed.\n"
        "> Start on Monday.\n"
        "\n"
        "-- \n"
        "This is an automatic message from Consilium.\n"
    )
    assert bounce.get_content_charset() == "utf-8"
    assert bounce["To"] == "jean.martin@curie.fr"
    assert bounce["From"] == "Consilium <noreply@consilium.example.org>"
    assert bounce["Subject"] == "Not delivered: Re: case 42"
    assert bounce["In-Reply-To"] == "<simple-1@curie.fr>"
    assert bounce["References"] == "<consult-42@consilium.example.org> <simple-1@curie.fr>"
    assert bounce["Message-ID"].endswith("@consilium.example.org>")
    assert bounce["Date"]
    assert bounce["Auto-Submitted"] == "auto-replied"
    assert bounce["X-Consilium-Loop"] == "bounce"
    assert bounce["X-Auto-Response-Suppress"] == "All"


def test_a_bounce_without_subject_or_new_text_says_so_and_quotes_the_whole_text():
    data = simple(
        body="On Mon, 3 Jun 2024 at 10:00, Anh <anh@nhp.org.vn> wrote:\n> Start on Monday?\n"
    ).replace(b"Subject: Re: case 42\n", b"")
    bounce = bounce_of(data)
    assert bounce["Subject"] == "Not delivered: (no subject)"
    quote = "> On Mon, 3 Jun 2024 at 10:00, Anh <anh@nhp.org.vn> wrote:\n> > Start on Monday?\n\n"
    assert quote in bounce.get_content()


def test_a_bounce_subject_is_cut_to_250_characters():
    bounce = bounce_of(simple(subject="Re: " + "x" * 300))
    assert bounce["Subject"] == ("Not delivered: Re: " + "x" * 300)[:250]


@pytest.mark.parametrize(
    ("body", "quoted", "cut"),
    [
        ("".join(f"Line {i}\n" for i in range(1, 6)), 5, False),  # five lines: all quoted
        ("".join(f"Line {i}\n" for i in range(1, 7)), 5, True),  # six: five and [...]
        ("y" * 400, 1, False),  # 400 characters: all
        ("y" * 401, 1, True),
    ],
)
def test_a_bounce_quotes_five_lines_or_400_characters(body, quoted, cut):
    text = bounce_of(simple(body=body)).get_content()
    quote = [line for line in text.split("\n") if line.startswith("> ")]
    assert len(quote) == quoted + cut
    assert (quote[-1] == "> [...]") is cut
    assert "y" * 401 not in text


@pytest.mark.parametrize("to", ["mailer-daemon", "jean.martin@curie.fr,", "jean;x@curie.fr"])
def test_a_bounce_is_refused_to_an_address_it_cannot_be_sent_to(to):
    with pytest.raises(parse.BounceRefused):
        bounce_of(simple(), to=to)


def test_the_refusals_of_a_bounce_say_why_in_the_log():
    with pytest.raises(
        parse.BounceRefused, match=r"^no envelope sender to answer \(null or unknown\)$"
    ):
        bounce_of(simple(), to="<>")
    with pytest.raises(parse.BounceRefused, match=r"^no envelope sender to answer"):
        bounce_of(simple(), to="")
    with pytest.raises(parse.BounceRefused, match=r"^no envelope sender to answer"):
        bounce_of(simple(), to="MAILER-DAEMON")
    with pytest.raises(parse.BounceRefused, match=r"^the envelope sender is not a usable address$"):
        bounce_of(simple(), to="jean martin@curie.fr")
    with pytest.raises(
        parse.BounceRefused,
        match=r"^not bouncing an automatic message \(List-Id present\)$",
    ):
        bounce_of(simple("List-Id: <board.nhp.org.vn>\n"))


# --------------------------------------------------------------------------- HTML

BLOCK_TAGS = [
    *("div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "tr", "table", "tbody", "thead"),
    *("pre", "section", "article", "header", "footer", "address", "dd", "dt", "dl", "hr"),
    *("center", "form", "fieldset", "figure", "figcaption", "main", "nav", "aside"),
]


@pytest.mark.parametrize("tag", BLOCK_TAGS)
def test_a_block_starts_and_ends_a_line(tag):
    assert parse.html_to_text(f"before<{tag}>inside</{tag}>after") == "before\ninside\nafter"


def test_a_paragraph_is_set_apart_and_a_list_item_is_marked():
    assert parse.html_to_text("before<p>inside</p>after") == "before\n\ninside\n\nafter"
    assert parse.html_to_text("before<li>inside</li>after") == "before\n- inside\nafter"


@pytest.mark.parametrize("tag", ["head", "noscript", "script", "style", "template", "title", "xml"])
def test_what_is_not_shown_is_not_read(tag):
    # Outlook writes <xml><o:OfficeDocumentSettings> and <style>; web mails <noscript>.
    assert parse.html_to_text(f"before<{tag}>hidden</{tag}>after") == "beforeafter"
    assert parse.html_to_text(f"before<{tag}/>after") == "beforeafter"


def test_nested_hidden_parts_end_where_they_close():
    html = "<head><style>p{}</style><title>t</title></head><body><div>Agreed.</div></body>"
    assert parse.html_to_text(html) == "Agreed."
    assert parse.html_to_text("</style>Agreed.") == "Agreed."  # a stray close tag hides nothing


def test_self_closing_tags_break_like_open_ones():
    # XHTML writers (Outlook for Mac, some web mails) close empty tags themselves.
    assert parse.html_to_text("Hb 9.1<br/>PLT 45<div/>ANC 0.4<hr/>Jean") == (
        "Hb 9.1\nPLT 45\nANC 0.4\nJean"
    )


def test_numbered_lists_count_and_nest():
    html = (
        "<ol><li>vincristine</li><li>dactinomycin<ul><li>check the weight</li></ul></li>"
        "<li>repeat MRI</li></ol><ul><li>audiogram</li></ul>"
    )
    assert parse.html_to_text(html) == (
        "1. vincristine\n2. dactinomycin\n- check the weight\n3. repeat MRI\n- audiogram"
    )


def test_table_cells_are_spaced_on_their_row():
    # Outlook signatures and lab values are tables.
    html = "<table><tr><td>Hb</td><td>9.1</td></tr><tr><th>PLT </th><td>45</td></tr></table>"
    assert parse.html_to_text(html) == "Hb 9.1\nPLT 45"


def test_a_link_shows_its_address_once():
    html = (
        '<div>See <a href="https://consilium.example.org/boards/7">the board</a>,'
        ' <a href="https://www.cog.org">https://www.cog.org</a>,'
        ' <a href="http://siop.eu">SIOP</a>, <a href="mailto:anh@nhp.org.vn">Anh</a>'
        ' and <a href="https://x.org"> </a>.</div>'
    )
    assert parse.html_to_text(html) == (
        "See the board <https://consilium.example.org/boards/7>, https://www.cog.org, "
        "SIOP <http://siop.eu>, Anh and ."
    )


def test_spaces_are_collapsed_but_preformatted_lines_kept():
    html = (
        "<div>Dose:&nbsp;&nbsp;1.5\n   mg/m2</div>"
        "<pre>Hb   9.1\r\nPLT  45</pre><div>  after  </div>"
    )
    assert parse.html_to_text(html) == "Dose: 1.5 mg/m2\nHb   9.1\nPLT  45\nafter"


def test_quote_levels_are_marked_and_closed():
    html = (
        "<div>Answer.</div><blockquote><div>Level one</div><blockquote><div>Level two</div>"
        "</blockquote><div>One again</div></blockquote><div>After.</div>"
    )
    assert parse.html_to_text(html) == ("Answer.\n> Level one\n> > Level two\n> One again\nAfter.")
    assert parse.html_to_text("</blockquote><div>Unbalanced.</div>") == "Unbalanced."


def test_outlook_writes_one_paragraph_a_line_and_empty_ones_as_blank_lines():
    html = (
        '<p class="MsoNormal">Agreed.<o:p></o:p></p>'
        '<p class="MsoNormal">Start on Monday.<o:p></o:p></p>'
        '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        '<p class="MsoNormal">Ivan<o:p></o:p></p>'
        '<blockquote><p class="MsoNormal"><o:p>&nbsp;</o:p></p></blockquote>'
    )
    assert parse.html_to_text(html) == "Agreed.\nStart on Monday.\n\nIvan\n>"


def test_gmail_signature_is_set_off_as_a_signature():
    html = (
        '<div dir="ltr"><div>Agreed.</div><br clear="all"><div><br></div>'
        '<span class="gmail_signature_prefix">-- </span><br>'
        '<div dir="ltr" class="gmail_signature"><div>Dr Jean Martin</div></div></div>'
    )
    assert parse.html_to_text(html) == "Agreed.\n\n--\nDr Jean Martin"
    html = '<div>Agreed.</div><div class="gmail_signature">Dr Jean Martin</div>'
    assert parse.html_to_text(html) == "Agreed.\n--\nDr Jean Martin"
    html = '<span>Agreed. </span><span class="gmail_signature">Dr Jean Martin</span>'
    assert parse.html_to_text(html) == "Agreed. Dr Jean Martin"


def html_reply(markup: str) -> str:
    msg = reply()
    msg.set_content(f"<html><body>{markup}</body></html>", subtype="html")
    return parse_inbound(msg.as_bytes()).reply_text


@pytest.mark.parametrize(
    "quote",
    [
        # Yahoo Mail
        '<div class="yahoo_quoted"><div>Anh Nguyen wrote:</div><div>25% blasts</div></div>',
        # Proton Mail
        '<div class="protonmail_quote">Anh Nguyen wrote:<br><div>25% blasts</div></div>',
        # Gmail, older and newer container classes
        '<div class="gmail_quote">Anh Nguyen wrote:<br><div>25% blasts</div></div>',
        '<div class="gmail_quote_container">Anh Nguyen wrote:<br><div>25% blasts</div></div>',
        '<div class="gmail_attr">Anh Nguyen wrote:</div><div>25% blasts</div>',
        # Thunderbird
        '<div class="moz-cite-prefix">Anh Nguyen wrote:<br></div>',
        # blockquotes that say they cite
        '<blockquote type="CITE"><div>25% blasts</div></blockquote>',
        '<blockquote class="x_gmail_quote"><div>25% blasts</div></blockquote>',
    ],
)
def test_each_clients_quote_container_is_left_out_and_what_follows_kept(quote):
    markup = f"<div>Agreed.</div>{quote}<div>Start on Monday.</div>"
    if "gmail_attr" in quote:  # Gmail never writes an answer between its attribution and quote
        markup = f"<div>Agreed.</div>{quote}"
        assert html_reply(markup) == "Agreed.\n25% blasts"
        return
    assert html_reply(markup) == "Agreed.\nStart on Monday."


def test_a_quote_container_ends_at_its_own_closing_tag():
    markup = (
        '<div>Agreed.</div><blockquote type="cite"><div>Question?</div>'
        "<blockquote><div>Older question?</div></blockquote><div>25% blasts</div></blockquote>"
        "<div>Start on Monday.</div>"
    )
    assert html_reply(markup) == "Agreed.\nStart on Monday."


@pytest.mark.parametrize(
    "header",
    [
        '<div id="divRplyFwdMsg">',  # Outlook on the web
        '<div id="x_divRplyFwdMsg">',  # the same, forwarded through Exchange
        '<div id="appendonsend"></div><div>',
        '<div id="mail-editor-reference-message-container">',  # new Outlook for Mac
        '<div id="reply-intro">',
        '<div id="isForwardContent">',  # Samsung Email
        '<div id="isReplyContent">',
        '<div class="zmail_extra">',  # Zoho
        '<div class="OutlookMessageHeader">',
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">',
    ],
)
def test_each_clients_reply_header_ends_the_reply(header):
    markup = f"<div>Agreed.</div>{header}<b>From:</b> Anh<br>25% blasts</div><div>More.</div>"
    assert html_reply(markup) == "Agreed."


def test_a_border_on_anything_but_a_div_is_only_a_border():
    markup = '<div>Agreed.</div><p style="border-top:solid #E1E1E1 1.0pt">Start on Monday.</p>'
    assert html_reply(markup) == "Agreed.\n\nStart on Monday."


# --------------------------------------------------------------------------- format=flowed


def flowed(body: str, *, crlf: bool = False) -> InboundMessage:
    data = simple(
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8; format=flowed\n"
        "Content-Transfer-Encoding: 8bit\n",
        body=body,
    )
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    return parse_inbound(data)


def test_flowed_lines_sent_with_crlf_are_joined():
    msg = flowed("Agreed with rapid COJEC, \nstart on Monday.\nJean\n", crlf=True)
    assert msg.reply_text == "Agreed with rapid COJEC, start on Monday.\nJean"


def test_flowed_quoted_lines_are_joined_at_their_own_level():
    # Thunderbird's flowed reply: each quote level flows on its own, and a change of level
    # ends a paragraph even after a trailing space.
    msg = flowed(
        "On 03/06/2024 10:00, Anh Nguyen wrote:\n"
        "> 25% blasts on day 8. Bone marrow \n"
        "> on day 15: \n"
        ">> older \n"
        ">> question\n"
        "\n"
        "Agreed, high risk arm. \n"
        "Start on Monday.\n"
    )
    assert msg.reply_text == "Agreed, high risk arm. Start on Monday."
    assert msg.full_text == (
        "On 03/06/2024 10:00, Anh Nguyen wrote:\n"
        "> 25% blasts on day 8. Bone marrow on day 15:\n"
        "> > older question\n"
        "\n"
        "Agreed, high risk arm. Start on Monday."
    )


def test_a_flowed_signature_separator_is_not_joined_to_the_signature():
    # K-9 and Thunderbird send "-- " in flowed text: it ends with a space but does not flow.
    msg = flowed("Agreed. \nStart on Monday.\n-- \nDr Jean Martin \nInstitut Curie\n")
    assert msg.reply_text == "Agreed. Start on Monday."


def test_a_flowed_space_stuffed_line_loses_one_space_only():
    msg = flowed("Agreed.\n  indented dose: 1.5 mg/m2\n From the MRI, resectable.\n")
    assert msg.reply_text == "Agreed.\n indented dose: 1.5 mg/m2\nFrom the MRI, resectable."


# --------------------------------------------------------------------------- quote stripping


def test_a_three_line_attribution_is_recognised():
    # Outlook for Android and Gmail wrap a long attribution over three lines.
    text = (
        "Agreed.\n\n"
        "On Mon, 3 Jun 2024 at 10:00, Nguyen Van Anh, National Children's Hospital\n"
        "Hanoi, Department of Paediatric Oncology <anh.nguyen@nhp.org.vn>\n"
        "wrote:\n"
        "> Bone marrow on day 15:\n"
        "> 25% blasts\n"
    )
    assert parse.extract_reply(text) == "Agreed."


@pytest.mark.parametrize(
    "attribution",
    [
        "On Mon, 3 Jun 2024 at 10:00, Anh Nguyen <anh@nhp.org.vn> wrote:",
        "Le lun. 3 juin 2024 à 10:00, Anh Nguyen <anh@nhp.org.vn> a écrit :",
        "03.06.2024 10:00, Anh Nguyen пишет:",
        "Vào Th 2, 3 thg 6, 2024 lúc 10:00 Anh Nguyen <anh@nhp.org.vn> đã viết:",
        "03.06.2024 10:00, Anh Nguyen yozdi:",
    ],
)
def test_a_dated_attribution_ends_the_reply_even_when_the_history_is_not_quoted(attribution):
    # Outlook and some web mails copy the history below the attribution without "> ".
    text = f"Agreed.\n\n{attribution}\n\n25% blasts on day 8.\nBone marrow on day 15:\n25% blasts"
    assert parse.extract_reply(text) == "Agreed."


def test_an_attribution_after_a_zero_width_space_or_bom_is_still_one():
    for mark in ("\u200b", "\ufeff"):
        text = f"Agreed.\n{mark}\n{mark}On 03/06/2024 10:00, Anh Nguyen wrote:\n> Q?\n"
        assert parse.extract_reply(text) == "Agreed."


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_crlf_and_cr_line_ends_are_lines(ending):
    text = ending.join(
        ["Agreed.", "Start on Monday.", "", "On 03/06/2024 10:00, Anh Nguyen wrote:", "> Q?", ""]
    )
    assert parse.extract_reply(text) == "Agreed.\nStart on Monday."


def test_a_reply_sent_with_crlf_keeps_single_line_breaks():
    data = simple(body="Agreed.\nStart on Monday.\n\n\n\nJean\n").replace(b"\n", b"\r\n")
    msg = parse_inbound(data)
    assert msg.reply_text == "Agreed.\nStart on Monday.\n\nJean"
    assert msg.full_text == "Agreed.\nStart on Monday.\n\nJean"


def test_a_text_starting_with_a_bom_loses_it():
    msg = parse_inbound(simple(body="\ufeffAgreed.\n"))
    assert (msg.reply_text, msg.full_text) == ("Agreed.", "Agreed.")
    assert parse.html_to_text("\ufeff<div>Agreed.</div>") == "Agreed."


def test_a_signature_separator_without_its_space_ends_the_reply():
    # Outlook and many web mails strip the trailing space of "-- ".
    assert parse.extract_reply("Agreed.\n--\nDr Jean Martin\nInstitut Curie") == "Agreed."
    assert parse.extract_reply("Agreed.\n-- \nDr Jean Martin") == "Agreed."
    assert parse.extract_reply("Agreed.\n---\nDr Jean Martin") == "Agreed.\n---\nDr Jean Martin"


@pytest.mark.parametrize(
    "end",
    [
        "-- \nDr Jean Martin",
        "-----Original Message-----\nFrom: Anh\n\n25% blasts",
        "On Mon, 3 Jun 2024 at 10:00, Anh <anh@nhp.org.vn> wrote:\n\n25% blasts",
        "> Start on Monday?\n> 25% blasts",
    ],
)
def test_a_second_text_part_after_the_end_of_the_reply_is_not_the_reply(end):
    # Mailing-list servers (Mailman) append their footer as a text part of its own.
    msg = reply()
    msg.make_mixed()
    answer = EmailMessage()
    answer.set_content(f"Agreed.\n{end}\n")
    footer = EmailMessage()
    footer.set_content("tumour-board mailing list\nhttps://lists.nhp.org.vn/board\n")
    msg.attach(answer)
    msg.attach(footer)
    assert parse_inbound(msg.as_bytes()).reply_text == "Agreed."


def test_a_text_after_an_inline_image_placeholder_is_kept():
    # Outlook's plain text: "[cid:...]" stands for the logo, the signature goes on.
    text = "Agreed.\n\nIvan Petrov\n[cid:image001.png@01DAB5C1.2C3D4E50]\nRDKB, Moscow"
    assert parse.extract_reply(text) == "Agreed.\n\nIvan Petrov\nRDKB, Moscow"


def test_a_rule_and_blank_lines_at_the_end_of_a_one_line_reply_are_dropped():
    text = "Agreed.\n\n______________\n\nFrom: Anh\nSent: Monday\nTo: Jean\nSubject: Case"
    assert parse.extract_reply(text) == "Agreed."
    assert parse.extract_reply("Agreed.\n\n=====\n") == "Agreed."


@pytest.mark.parametrize("code", ["en", "fr", "ru", "vi", "uz"])
def test_a_header_block_needs_from_and_two_other_headers_below_it(code):
    from tests.consultations.test_mail_reply_clients import HEADER_LIKE_PROSE, LANGUAGES

    prose = HEADER_LIKE_PROSE[code]
    lines = LANGUAGES[code].outlook.split("\n")
    # A subject line above "From:" and "To:" is still prose: the block is read downwards.
    subject_first = f"{lines[-1]}\n{prose}"
    assert parse.extract_reply(subject_first) == subject_first
    # From and two others (no To: a message sent to Bcc only) is a block.
    block = "\n".join(line for line in lines if line.split(":")[0] not in _TO_LABELS)
    assert parse.extract_reply(f"Agreed.\n\n{block}\n\n25% blasts") == "Agreed."


_TO_LABELS = {"To", "À\u00a0", "Кому", "Đến", "Kimga", "Cc", "Cc\u00a0", "Копия", "CC"}


def test_a_header_block_is_read_up_to_eight_lines_below_from():
    # A long To list that Outlook wraps over several unlabelled lines.
    names = [f"Doctor {n} <doctor{n}@nhp.org.vn>;" for n in range(8)]
    within = "From: Anh\nTo: " + "\n".join(names[:7]) + "\nSubject: Case 42"
    beyond = "From: Anh\nTo: " + "\n".join(names) + "\nSubject: Case 42"
    assert parse.extract_reply(f"Agreed.\n\n{within}\n\n25% blasts") == "Agreed."
    assert parse.extract_reply(f"Agreed.\n\n{beyond}") == f"Agreed.\n\n{beyond}"


def test_a_sender_without_an_address_is_named_in_the_warning():
    # Some delivery reports say only "From: MAILER-DAEMON".
    msg = parse_inbound(simple().replace(b"Jean Martin <jean.martin@curie.fr>", b"MAILER-DAEMON"))
    assert msg.from_address == ""
    assert ParseWarning("no-sender", "MAILER-DAEMON") in msg.warnings


def test_a_long_bad_date_is_cut_in_its_warning():
    date = "le " + "lundi " * 30
    msg = parse_inbound(simple().replace(b"Mon, 3 Jun 2024 10:00:00 +0200", date.encode()))
    assert msg.date is None
    assert ParseWarning("bad-date", date.strip()[:100]) in msg.warnings


def test_a_header_the_mail_library_cannot_read_is_kept_as_written_on_one_line():
    data = simple().replace(b"Message-ID:", b"Cc: tumour-board@[\r\n\t192.168.1.20\nMessage-ID:")
    msg = parse_inbound(data)
    assert msg.header("cc") == "tumour-board@[\t192.168.1.20"
    assert ParseWarning("bad-header", "Cc") in msg.warnings
    assert msg.reply_text == "Agreed."


# --------------------------------------------------------------------------- "> 25%": quote or not

COMPARISON = {
    "en": "> 25% blasts on day 15 means a slow early response: treat as high risk.",
    "fr": "> 25 % de blastes à J15 signifie une réponse lente : traiter en haut risque.",
    "ru": "> 25% бластов на 15-й день — медленный ответ, лечить как высокий риск.",
    "vi": "> 25% blast ngày 15 là đáp ứng chậm: điều trị như nguy cơ cao.",
    "uz": "> 15-kuni 25% blast sekin javob: yuqori xavf sifatida davolang.",
}


def _clients():
    from tests.consultations.test_mail_reply_clients import LANGUAGES, _quoted

    return LANGUAGES, _quoted


@pytest.mark.parametrize("code", COMPARISON)
def test_a_reply_that_opens_with_a_comparison_keeps_it_above_the_quoted_history(code):
    languages, quoted = _clients()
    lang = languages[code]
    # The HTML path hands over text without a final line end: the last line is quoted.
    text = f"{COMPARISON[code]}\n\n{lang.gmail}\n\n{quoted(lang.question)}"
    assert parse.extract_reply(text) == COMPARISON[code]


@pytest.mark.parametrize("code", COMPARISON)
def test_a_comparison_that_opens_a_paragraph_is_kept(code):
    text = f"{_clients()[0][code].answer}\n\n{COMPARISON[code]}"
    assert parse.extract_reply(text) == text


@pytest.mark.parametrize("code", COMPARISON)
def test_a_quoted_line_with_a_number_between_quoted_paragraphs_is_history(code):
    # Thunderbird answering below a quote whose paragraphs are apart, the last one a number.
    languages, quoted = _clients()
    lang = languages[code]
    first, _middle, last = lang.question.split("\n")
    text = f"{lang.thunderbird}\n{quoted(first)}\n\n{quoted(last)}\n\n{lang.answer}"
    assert parse.extract_reply(text) == lang.answer


@pytest.mark.parametrize("code", COMPARISON)
def test_a_quoted_block_starting_with_a_number_leaks_nothing_above_an_inline_answer(code):
    languages, quoted = _clients()
    lang = languages[code]
    first, middle, _last = lang.question.split("\n")
    text = f"{lang.thunderbird}\n{quoted(first)}\n{quoted(middle)}\n{lang.answer}"
    assert parse.extract_reply(text) == lang.answer


@pytest.mark.parametrize(
    "history",
    [
        '<div class="gmail_quote">Anh Nguyen wrote:<br><div>25% blasts</div></div>',
        '<div id="divRplyFwdMsg"><b>From:</b> Anh<br>25% blasts</div>',
    ],
)
def test_a_text_part_after_an_html_reply_with_its_history_is_history_too(history):
    # Outlook's HTML-only mail through a mailing list that appends its footer as a part.
    msg = reply()
    msg.set_content(f"<html><body><div>Agreed.</div>{history}</body></html>", subtype="html")
    msg.make_mixed()
    footer = EmailMessage()
    footer.set_content("tumour-board mailing list\nhttps://lists.nhp.org.vn/board\n")
    msg.attach(footer)
    assert parse_inbound(msg.as_bytes()).reply_text == "Agreed."


@pytest.mark.parametrize(
    ("name", "read"),
    [
        (b"RCP L'Ha\xff-les-Roses", "RCP L'Ha\ufffd-les-Roses"),  # latin-1, the last 8-bit byte
        (b"Pharmacie 50\x80", "Pharmacie 50\ufffd"),  # windows-1252, the first
    ],
)
def test_an_undeclared_8bit_sender_name_is_read_as_utf8_with_marks(name, read):
    data = simple().replace(b"Jean Martin <", name + b" <")
    assert parse_inbound(data).from_name == read


@pytest.mark.parametrize(
    ("value", "thread"),
    [
        ("consult-42@consilium.example.org", "consult-42@consilium.example.org"),  # bare
        ("<consult-42@consilium.example.org", None),  # cut short by a relay
        ("consult-42@consilium.example.org>", None),
        ("consult-42 (no address)", None),
    ],
)
def test_only_an_id_that_looks_like_one_threads_a_reply(value, thread):
    msg = parse_inbound(simple(f"In-Reply-To: {value}\n"))
    assert msg.in_reply_to == thread


@pytest.mark.parametrize(
    "attribution",
    [
        # Thunderbird's "author wrote" header, without a date, in the five languages
        "Anh Nguyen wrote:",
        "Anh Nguyen a écrit :",
        "Anh Nguyen пишет:",
        "Anh Nguyen đã viết:",
        "Anh Nguyen yozdi:",
        # German and Spanish partners: Thunderbird, Apple Mail and Gmail
        "Am 03.06.2024 um 10:00 schrieb Anh Nguyen:",
        "Am 03.06.2024 um 10:00 schrieb Anh Nguyen <anh@nhp.org.vn>:",
        "El lun, 3 jun 2024 a las 10:00, Anh Nguyen (<anh@nhp.org.vn>) escribió:",
    ],
)
def test_an_attribution_above_quoted_lines_is_left_out(attribution):
    text = f"Agreed.\n\n{attribution}\n> 25% blasts on day 8.\n> Bone marrow on day 15?\n"
    assert parse.extract_reply(text) == "Agreed."


@pytest.mark.parametrize(
    "attribution",
    [
        "Am 03.06.2024 um 10:00 schrieb Anh Nguyen <anh@nhp.org.vn>:",
        "El lun, 3 jun 2024 a las 10:00, Anh Nguyen (<anh@nhp.org.vn>) escribió:",
    ],
)
def test_a_dated_german_or_spanish_attribution_ends_the_reply(attribution):
    text = f"Agreed.\n\n{attribution}\n\n25% blasts on day 8.\nBone marrow on day 15?"
    assert parse.extract_reply(text) == "Agreed."


@pytest.mark.parametrize(
    "separator",
    [
        "-----Original Message-----",
        "-----Message d'origine-----",
        "-----Исходное сообщение-----",
        "-----Оригинальное сообщение-----",
        "-----Thư gốc-----",
        "-----Tin nhắn gốc-----",
        "-----Asl xabar-----",
        "-----Asl xat-----",
        "---------- Forwarded message ---------",
        "---------- Message transféré ---------",
        "---------- Пересылаемое сообщение ---------",
        "---------- Переадресованное сообщение ---------",
        "---------- Thư được chuyển tiếp ---------",
        "---------- Thư đã chuyển tiếp ---------",
        "---------- Tin nhắn đã chuyển tiếp ---------",
        "---------- Yo‘naltirilgan xabar ---------",
        "---------- Uzatilgan xabar ---------",
        "-----Ursprüngliche Nachricht-----",
        "---------- Weitergeleitete Nachricht ----------",
        "-----Mensaje original-----",
        "Begin forwarded message:",
        "Début du message réexpédié :",
        "Начало пересылаемого сообщения:",
        "Bắt đầu thư được chuyển tiếp:",
    ],
)
def test_each_clients_separator_ends_the_reply(separator):
    # Whatever follows (here history that is neither quoted nor a header block) is not new.
    text = f"Agreed.\n\n{separator}\n25% blasts on day 8.\nBone marrow on day 15?"
    assert parse.extract_reply(text) == "Agreed."


@pytest.mark.parametrize(
    "signature",
    [
        "Sent from my iPad",
        "Sent from Mail for Windows",
        "Sent from Outlook",
        "Sent from Yahoo Mail on Android",
        "Sent from Proton Mail for iOS",
        "Get Outlook for iOS",
        "Envoyé de mon Samsung Galaxy",
        "Envoyé depuis Yahoo Mail pour Android",
        "Envoyé depuis mon smartphone Huawei",
        "Отправлено с iPhone",
        "Отправлено из Яндекс.Почты",
        "Отправлено с моего телефона",
        "Отправлено с устройства Xiaomi",
        "Отправлено из мобильной Почты Mail.ru",
        "Được gửi từ điện thoại Samsung của tôi",
        "Gửi từ thiết bị di động của tôi",
        "Gửi từ Outlook cho Android",
        "Xiaomi telefonimdan yuborildi",
        "Von meinem iPhone gesendet",
        "Enviado desde mi iPhone",
    ],
)
def test_each_mobile_signature_ends_the_reply(signature):
    assert parse.extract_reply(f"Agreed.\n\n{signature}\n\nOld question") == "Agreed."


@pytest.mark.parametrize(
    "prose",
    [
        "Sent from the ward this morning: the count is 0.4.",
        "Envoyé depuis le service ce matin, résultat demain.",
        "Отправлено из лаборатории вчера, результат будет завтра.",
        "Gửi từ khoa xét nghiệm sáng nay, kết quả ngày mai.",
    ],
)
def test_prose_that_starts_like_a_mobile_signature_is_kept(prose):
    assert parse.extract_reply(f"Agreed.\n{prose}") == f"Agreed.\n{prose}"


@pytest.mark.parametrize("space", ["\u00a0", "\u202f", "\u2007", "\t"])
def test_a_signature_or_separator_written_with_another_space_is_one(space):
    # A plain-text part converted from HTML keeps its &nbsp; as U+00A0.
    assert parse.extract_reply(f"Agreed.\n\nSent from my{space}iPhone") == "Agreed."
    text = f"Agreed.\n\n-----Original{space}Message-----\n25% blasts"
    assert parse.extract_reply(text) == "Agreed."


@pytest.mark.parametrize("code", COMPARISON)
def test_a_quoted_block_at_the_top_ending_in_a_number_leaks_nothing(code):
    # Bottom-posting without an attribution (the sender deleted it): the quote comes first.
    languages, quoted = _clients()
    lang = languages[code]
    _first, middle, last = lang.question.split("\n")
    text = f"{quoted(middle)}\n{quoted(last)}\n\n{lang.answer}"
    assert parse.extract_reply(text) == lang.answer


@pytest.mark.parametrize("code", COMPARISON)
def test_prose_with_two_from_lines_and_a_to_line_is_prose(code):
    from tests.consultations.test_mail_reply_clients import HEADER_LIKE_PROSE

    first, second = HEADER_LIKE_PROSE[code].split("\n")
    text = f"{first}\n{second}\n{first}"
    assert parse.extract_reply(text) == text


def test_inline_answers_right_under_each_quoted_line_are_kept():
    text = (
        "On 03/06/2024 10:00, Anh Nguyen wrote:\n"
        "> Dose of carboplatin?\n"
        "AUC 5, by Calvert.\n"
        "> Start date?\n"
        "Monday.\n"
    )
    assert parse.extract_reply(text) == "AUC 5, by Calvert.\nMonday."


def test_a_body_with_old_mac_line_ends_is_read_as_lines():
    # Classic Mac OS mail programs (Eudora, old Outlook Express for Mac) end lines with CR.
    data = simple(body="Agreed.\rStart on Monday.\r\r\r\rJean\r")
    msg = parse_inbound(data)
    assert msg.full_text == msg.reply_text == "Agreed.\nStart on Monday.\n\nJean"
    html = simple("Content-Type: text/html\n", body="<pre>Agreed.\rStart on Monday.</pre>")
    assert parse_inbound(html).full_text == "Agreed.\nStart on Monday."


def test_a_reply_ending_in_a_capital_x_keeps_it():
    assert parse.extract_reply("Agreed: hold MTX") == "Agreed: hold MTX"
    assert parse_inbound(simple(body="Agreed: hold MTX\n")).full_text == "Agreed: hold MTX"


@pytest.mark.parametrize(
    "subject",
    [
        "Automatic reply: case 42",
        "Auto-Reply: case 42",
        "Autoreply: case 42",
        "Auto: case 42",
        "Automatic response",
        "Out of the office",
        "Away from the office until Monday",
        "On vacation",
        "Undelivered Mail Returned to Sender",
        "Delivery Status Notification (Failure)",
        "Mail delivery failed: returning message to sender",
        "Mail Delivery System",
        "Returned mail: see transcript for details",
        "Delivery failure",
        "Absente du bureau",
        "Absence du bureau",
        "Message d'absence",
        "Non remis : cas 42",
        "Échec de la remise",
        "Автоответ: случай 42",
        "Нет на месте",
        "В отпуске",
        "Не доставлено: случай 42",
        "Недоставленное сообщение",
        "Недоставляемое: случай 42",
        "Phản hồi tự động: ca 42",
        "Vắng mặt",
        "Không có mặt tại văn phòng",
        "Không thể gửi: ca 42",
        "Avtomatik xabar",
        "Ofisda emasman",
        "Ishda emasman",
        "Ta'tildaman",
        "Ta’tilda",
        "Автоматик жавоб",
        "Abwesenheitsnotiz",
        "Automatische Antwort: Fall 42",
        "Respuesta automática: caso 42",
        "RE: AW: TR: SV: Out of Office",
        "Ответ: Отв: Fwd: FW: Вне офиса",
    ],
)
def test_each_automatic_subject_is_recognised(subject):
    reason = parse.is_auto_reply(parse_inbound(simple(subject=subject)))
    assert reason == f"auto-reply subject: {subject[:60]}"


@pytest.mark.parametrize(
    "subject",
    ["Re: case 42 – back from vacation, results", "Re: automatic dosing pump", "Re: returned"],
)
def test_a_subject_that_only_mentions_absence_is_a_person(subject):
    assert parse.is_auto_reply(parse_inbound(simple(subject=subject))) is None


def test_a_bounce_goes_to_an_upper_case_envelope_sender_as_written():
    # Exchange writes the envelope sender as the directory has it.
    bounce = bounce_of(simple(), to="<XAVIER.DUPONT@CURIE.FR>")
    assert bounce["To"] == "XAVIER.DUPONT@CURIE.FR"


def test_a_bounce_id_is_at_the_senders_domain_as_configured():
    bounce = bounce_of(simple(), from_address="Consilium <NOREPLY@CONSILIUM.HOSPITAL.MX>")
    assert bounce["Message-ID"].endswith("@CONSILIUM.HOSPITAL.MX>")


def test_a_generated_id_is_the_same_in_every_version():
    """A message stored before an upgrade and delivered again after it must get the same id:
    SHA-256 of "name:value" lines for From, To, Cc, Subject, Date and In-Reply-To, then the
    body, cut to 40 hex digits."""
    import hashlib

    data = simple().replace(b"Message-ID: <simple-1@curie.fr>\n", b"")
    data = data.replace(b"Mon, 3 Jun", b"Mon, 03 Jun")
    digest = hashlib.sha256(
        b"from:Jean Martin <jean.martin@curie.fr>\n"
        b"to:reply+abc@consilium.example.org\n"
        b"subject:Re: case 42\n"
        b"date:Mon, 03 Jun 2024 10:00:00 +0200\n"
        b"Agreed.\n"
    ).hexdigest()
    assert parse_inbound(data).message_id == f"{digest[:40]}@generated.consilium.invalid"


def _nested_alternative(depth: int) -> bytes:
    """Plain and HTML alternatives of an answer inside ``depth`` containers (the alternative
    one included)."""
    inner = EmailMessage()
    inner.set_content("Deep answer.")
    inner.add_alternative("<div>Deep answer.</div>", subtype="html")
    for _ in range(depth - 1):
        outer = EmailMessage()
        outer.make_mixed()
        outer.attach(inner)
        inner = outer
    inner["From"] = "jean.martin@curie.fr"
    inner["Subject"] = "Re: case 42"
    return inner.as_bytes()


def test_alternatives_are_read_to_25_levels_deep_and_no_deeper():
    assert parse_inbound(_nested_alternative(25)).reply_text == "Deep answer."
    msg = parse_inbound(_nested_alternative(26))
    assert msg.reply_text == ""
    assert ParseWarning("too-deep", "") in msg.warnings


def _nested_forward(depth: int) -> bytes:
    """A forwarded message inside ``depth`` multipart/mixed containers: its text is one deeper."""
    inner = EmailMessage()
    inner["Subject"] = "MRI report"
    inner.set_content("Left adrenal mass.")
    container = EmailMessage()
    container.set_content(inner)
    for _ in range(depth):
        outer = EmailMessage()
        outer.make_mixed()
        outer.attach(container)
        container = outer
    container["From"] = "anh.nguyen@nhp.org.vn"
    container["Subject"] = "Fwd: MRI report"
    return container.as_bytes()


def test_a_forwarded_message_counts_as_one_level_deeper():
    assert "Left adrenal mass." in parse_inbound(_nested_forward(24)).full_text
    msg = parse_inbound(_nested_forward(25))
    assert "Left adrenal mass." not in msg.full_text
    assert ParseWarning("too-deep", "") in msg.warnings
