import contextlib
import dataclasses
import email
import email.policy
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consilium.consultations.mail.parse import (
    LOOP_HEADER,
    BounceRefused,
    InboundMessage,
    UnparseableMessage,
    build_bounce,
    extract_reply,
    html_to_text,
    is_auto_reply,
    parse_inbound,
)

SAMPLES = Path(__file__).parent / "mail_samples"
REPLY_ADDRESS = "reply+aebagbaf2mxzeq3ghvlnpkdbsycoyrbnnrya@consilium.example.org"
THREAD_ID = "consult-42.1717408800.7@consilium.example.org"


def raw(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def load(name: str) -> InboundMessage:
    return parse_inbound(raw(name))


def codes(msg: InboundMessage) -> set[str]:
    return {w.code for w in msg.warnings}


def simple(headers: str = "", body: str = "Agreed.\n", *, subject: str = "Re: case 42") -> bytes:
    return (
        "From: Jean Martin <jean.martin@curie.fr>\n"
        f"To: {REPLY_ADDRESS}\n"
        f"Subject: {subject}\n"
        "Date: Mon, 3 Jun 2024 10:00:00 +0200\n"
        "Message-ID: <simple-1@curie.fr>\n"
        f"{headers}"
        "\n"
        f"{body}"
    ).encode()


# --------------------------------------------------------------------------- real clients


def test_it_reads_a_gmail_web_reply_in_french():
    msg = load("gmail_reply_fr.eml")
    assert msg.reply_text == (
        "Bonjour Docteur Anh,\n"
        "\n"
        "Je suis d'accord avec l'induction selon le protocole proposé (rapid COJEC).\n"
        "Points d'attention :\n"
        "- contrôler la fonction rénale et l'audiogramme avant chaque cure de cisplatine ;\n"
        "- réaliser la scintigraphie MIBG après la cure 4.\n"
        "\n"
        "Bien cordialement,\n"
        "Jean"
    )
    assert "Cher collègue" not in msg.reply_text
    assert "Institut Curie" not in msg.reply_text  # below the "-- " signature delimiter
    assert "Cher collègue" in msg.full_text
    assert msg.message_id == "CAKx3+Jm9QvY2u1x0o5Zb8nT1w=Lr4qK7aH2pF6sD3mE9cR0tUw@mail.gmail.com"
    assert msg.from_address == "jean.martin.curie@gmail.com"
    assert msg.from_name == "Jean Martin"
    assert msg.subject == ("Re: [Consilium] Consultation #42 – neuroblastome, avis sur l’induction")
    assert msg.to_addresses == (REPLY_ADDRESS,)
    assert msg.cc_addresses == ("anh.nguyen@nhp.org.vn",)
    assert msg.delivered_to == (REPLY_ADDRESS,)
    assert msg.in_reply_to == THREAD_ID
    assert msg.references == (THREAD_ID,)
    assert msg.date == datetime(2024, 6, 3, 9, 42, 17, tzinfo=UTC)
    assert msg.date.utcoffset() is not None
    assert msg.attachments == ()
    assert msg.warnings == ()
    assert is_auto_reply(msg) is None


def test_it_reads_an_outlook_desktop_reply_in_russian_koi8r():
    msg = load("outlook_reply_ru.eml")
    assert msg.reply_text == (
        "Добрый день, коллеги!\n"
        "\n"
        "Согласен с планом. Рекомендую:\n"
        "\n"
        "  1.  Перед каждым курсом цисплатина - аудиограмма и клиренс креатинина.\n"
        "  2.  MIBG-сцинтиграфия после 4-го курса.\n"
        "\n"
        "С уважением,\n"
        "Иван Петров\n"
        "РДКБ, Москва"
    )
    assert "От:" not in msg.reply_text
    assert "Girl, 3 years" not in msg.reply_text
    assert "[cid:" not in msg.reply_text
    assert msg.from_name == "Иван Петров"
    assert msg.from_address == "ipetrov@rdkb.ru"  # lower-cased
    assert msg.subject == "RE: [Consilium] Консультация #42"
    assert msg.message_id.startswith("AM0PR07MB4131B8D6")
    # Outlook's inline signature logo: an inline image with a filename is kept.
    [logo] = msg.attachments
    assert (logo.filename, logo.content_type) == ("image001.png", "image/png")
    assert logo.content.startswith(b"\x89PNG")


def test_it_reads_the_html_alternative_of_an_outlook_reply_the_same_way():
    part = next(
        p
        for p in email.message_from_bytes(
            raw("outlook_reply_ru.eml"), policy=email.policy.default
        ).walk()
        if p.get_content_type() == "text/html"
    )
    html = part.get_content()
    full = html_to_text(html)
    assert "v\\:*" not in full and "font-family" not in full and "shapedefaults" not in full
    assert extract_reply(full) == (
        "Добрый день, коллеги!\n"
        "\n"
        "Согласен с планом. Рекомендую:\n"
        "1. Перед каждым курсом цисплатина - аудиограмма и клиренс креатинина.\n"
        "2. MIBG-сцинтиграфия после 4-го курса.\n"
        "\n"
        "С уважением,\n"
        "Иван Петров\n"
        "РДКБ, Москва"
    )


def test_it_keeps_winmail_dat_and_warns_that_it_cannot_be_read():
    msg = load("outlook_winmail.eml")
    assert msg.reply_text == "Agreed, see the annotated protocol.\n\nIvan"
    assert "Original Message" not in msg.reply_text
    assert [(a.filename, a.content_type) for a in msg.attachments] == [
        ("winmail.dat", "application/ms-tnef")
    ]
    assert "tnef" in codes(msg)


def test_it_reads_an_iphone_reply_and_drops_sent_from_my_iphone():
    msg = load("apple_iphone_reply.eml")
    assert msg.reply_text == (
        "Agree with the plan. Please send the MIBG images when you have them; "
        "we will discuss them at Thursday’s tumour board."
    )
    assert "Sent from my iPhone" in msg.full_text
    assert msg.subject == "Re: [Consilium] Consultation #42 – neuroblastoma"


def test_it_reads_a_thunderbird_bottom_posted_flowed_reply():
    msg = load("thunderbird_reply_flowed.eml")
    # format=flowed soft breaks are joined; the space-stuffed "From" line is unstuffed;
    # the answer below the quote is kept and the quote above it dropped.
    assert msg.reply_text == (
        "Thank you for the clear summary. Yes, rapid COJEC is appropriate. Please check the "
        "audiogram before each cisplatin course, and send the MIBG after course 4.\n"
        "\n"
        "From the MRI, surgery after course 4 looks feasible."
    )
    assert "Institut Curie" not in msg.reply_text
    assert "> Girl, 3 years, stage M neuroblastoma, MYCN amplified. We plan rapid COJEC" in (
        msg.full_text
    )


def test_it_reads_a_vietnamese_gmail_reply_in_base64():
    msg = load("gmail_reply_vi_base64.eml")
    assert msg.reply_text == (
        "Chào bác sĩ Martin,\n"
        "\n"
        "Cảm ơn ý kiến của anh. Chúng tôi sẽ bắt đầu hóa trị tấn công vào thứ Hai\n"
        "và đo thính lực đồ trước mỗi đợt cisplatin.\n"
        "\n"
        "Trân trọng,\n"
        "Anh"
    )
    assert "Bonjour" not in msg.reply_text
    assert "đã" not in msg.reply_text.splitlines()[-1]
    assert msg.from_name == "Nguyễn Văn Anh"
    assert msg.references == (
        THREAD_ID,
        "CAKx3+Jm9QvY2u1x0o5Zb8nT1w=Lr4qK7aH2pF6sD3mE9cR0tUw@mail.gmail.com",
    )


def test_it_converts_an_html_only_reply_to_text():
    msg = load("html_only_reply.eml")
    assert msg.reply_text == (
        "Dear Dr Anh,\n"
        "\n"
        "I reviewed the CT images.\n"
        "The mass is resectable after induction chemotherapy.\n"
        "\n"
        "Recommendations:\n"
        "- repeat CT after course 4\n"
        "- present the case at the tumour board <https://consilium.example.org/boards/7>\n"
        "Regards,\n"
        "Mehmet"
    )
    assert "tracking" not in msg.full_text  # <script>
    assert "Verdana" not in msg.full_text  # <style>
    assert "please review the attached CT" in msg.full_text
    assert "please review the attached CT" not in msg.reply_text
    assert "Hacettepe" not in msg.reply_text


def test_it_keeps_a_jpeg_and_a_pdf_with_an_encoded_cyrillic_name():
    msg = load("attachments_jpeg_pdf.eml")
    assert msg.reply_text == "Here are the photo of the lesion and the MRI report.\n\nAnh"
    [jpeg, pdf] = msg.attachments
    assert (jpeg.filename, jpeg.content_type) == ("IMG_20240603_101502.jpg", "image/jpeg")
    assert jpeg.content.startswith(b"\xff\xd8\xff") and jpeg.content.endswith(b"\xff\xd9")
    assert (pdf.filename, pdf.content_type) == ("Заключение МРТ.pdf", "application/pdf")
    assert pdf.content.startswith(b"%PDF-1.4") and pdf.content.rstrip().endswith(b"%%EOF")
    # a plain tuple shape, as the gateway stores it
    filename, content_type, content = jpeg
    assert (filename, content_type, content) == (jpeg.filename, jpeg.content_type, jpeg.content)


def test_it_keeps_a_forwarded_message_as_a_document_not_as_the_senders_words():
    msg = load("forwarded_rfc822.eml")
    assert msg.reply_text == "Jean, the radiologist's report is attached as she sent it.\n\nAnh"
    assert "adrenal" not in msg.reply_text
    assert "Left adrenal mass 6.2 x 4.8 cm" in msg.full_text
    assert "From: Tran Thi Bich <bich.tran@nhp.org.vn>" in msg.full_text
    eml, pdf = msg.attachments
    assert (eml.filename, eml.content_type) == ("MRI report VN-0042.eml", "message/rfc822")
    forwarded = parse_inbound(eml.content)
    assert forwarded.from_address == "bich.tran@nhp.org.vn"
    assert forwarded.subject == "MRI report VN-0042"
    assert (pdf.filename, pdf.content_type) == ("mri-vn-0042.pdf", "application/pdf")
    assert msg.from_address == "anh.nguyen@nhp.org.vn"  # the forwarder, not the radiologist


def test_it_recognises_an_out_of_office_reply():
    msg = load("out_of_office.eml")
    assert is_auto_reply(msg) == "Auto-Submitted: auto-replied"
    assert msg.reply_text.startswith("Je suis absente jusqu'au 14 juin.")


def test_it_recognises_a_mailer_daemon_bounce():
    data = raw("bounce_mailer_daemon.eml")
    msg = parse_inbound(data)
    assert is_auto_reply(msg) == "Return-Path: <>"
    assert msg.from_address == "mailer-daemon@mx.curie.fr"
    assert msg.content_type == "multipart/report"
    assert 'unknown user: "j.martin"' in msg.reply_text
    assert [a.content_type for a in msg.attachments] == [
        "message/delivery-status",
        "text/rfc822-headers",
    ]
    assert b"Status: 5.1.1" in msg.attachments[0].content
    # Without the trace headers it is still recognised, by its structure and its sender.
    stripped = b"\n".join(
        line
        for line in data.split(b"\n")
        if not line.startswith((b"Return-Path:", b"Auto-Submitted:"))
    )
    assert "multipart/report" in is_auto_reply(parse_inbound(stripped))


def test_it_falls_back_to_utf8_for_an_unknown_charset():
    msg = load("unknown_charset.eml")
    assert msg.reply_text == "Ça marche, merci. Dose de carboplatine ajustée à la clairance."
    assert "unknown-charset" in codes(msg)


def test_it_falls_back_to_latin1_for_an_unknown_charset_that_is_not_utf8():
    body = "Ça marche, ajustée à la clairance.\n".encode("latin-1")
    data = simple('MIME-Version: 1.0\nContent-Type: text/plain; charset="x-bogus"\n').replace(
        b"Agreed.\n", body
    )
    msg = parse_inbound(data)
    assert msg.reply_text == "Ça marche, ajustée à la clairance."
    assert {"unknown-charset", "charset-fallback"} <= codes(msg)


def test_it_decodes_a_declared_windows_1251_body():
    data = simple('MIME-Version: 1.0\nContent-Type: text/plain; charset="windows-1251"\n')
    data = data.replace(b"Agreed.\n", "Согласен.\n".encode("cp1251"))
    assert parse_inbound(data).reply_text == "Согласен."


def test_it_reads_mislabelled_8bit_utf8_declared_as_ascii():
    data = simple("MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n")
    data = data.replace(b"Agreed.\n", "Đồng ý.\n".encode())
    msg = parse_inbound(data)
    assert msg.reply_text == "Đồng ý."
    assert "charset-mismatch" in codes(msg)


def test_it_reads_a_message_whose_boundary_is_never_closed():
    msg = load("malformed_unclosed_boundary.eml")
    assert msg.reply_text == "Bemor ahvoli yaxshi. Kimyoterapiyaning 2-kursi boshlandi."
    assert "neutrophils" not in msg.reply_text  # the Uzbek "... yozdi:" quote is gone
    assert "malformed-mime" in codes(msg)
    [image] = msg.attachments  # truncated, but kept for a human to look at
    assert image.filename == "rentgen.jpg"


def test_it_keeps_a_zero_byte_attachment():
    msg = load("zero_byte_attachment.eml")
    assert msg.reply_text == "The notes file is attached."
    assert msg.attachments == (("notes.txt", "text/plain", b""),)


def test_it_gives_a_message_without_message_id_a_stable_id():
    data = raw("no_message_id.eml")
    msg = parse_inbound(data)
    assert msg.message_id_generated
    assert msg.message_id.endswith("@generated.consilium.invalid")
    assert "no-message-id" in codes(msg)
    assert msg.reply_text == "Neutrophils 1.4 today."
    assert parse_inbound(data).message_id == msg.message_id
    # The same message delivered again through another relay is still the same message.
    relayed = b"Received: from relay2.onco.uz by mail.onco.uz; Wed, 5 Jun 2024\n" + data
    assert parse_inbound(relayed).message_id == msg.message_id
    other = data.replace(b"Neutrophils 1.4", b"Neutrophils 0.4")
    assert parse_inbound(other).message_id != msg.message_id


def test_it_is_immutable():
    msg = load("no_message_id.eml")
    with pytest.raises(dataclasses.FrozenInstanceError):
        msg.reply_text = "changed"  # type: ignore[misc]


# --------------------------------------------------------------------------- headers


def test_it_normalises_message_ids_and_addresses():
    data = simple(
        "In-Reply-To: <a@b.c> (comment)\nReferences: <x@y.z>\n <a@b.c>\n",
    ).replace(b"Message-ID: <simple-1@curie.fr>", b"Message-ID:   <Mixed-Case@Curie.FR>  ")
    data = data.replace(b"From: Jean Martin <jean.martin@curie.fr>", b"From: JEAN.Martin@CURIE.fr")
    msg = parse_inbound(data)
    assert msg.message_id == "Mixed-Case@Curie.FR"
    assert msg.in_reply_to == "a@b.c"
    assert msg.references == ("x@y.z", "a@b.c")
    assert msg.from_address == "jean.martin@curie.fr"


def test_it_reads_a_message_without_from_with_a_warning():
    data = simple().replace(b"From: Jean Martin <jean.martin@curie.fr>\n", b"")
    msg = parse_inbound(data)
    assert msg.from_address == ""
    assert "no-sender" in codes(msg)


def test_it_keeps_a_bad_date_as_none():
    msg = parse_inbound(simple().replace(b"Mon, 3 Jun 2024 10:00:00 +0200", b"yesterday"))
    assert msg.date is None
    assert "bad-date" in codes(msg)


def test_it_treats_a_minus_zero_date_as_utc():
    data = simple().replace(b"+0200", b"-0000")
    assert parse_inbound(data).date == datetime(2024, 6, 3, 10, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- unparseable


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b" \r\n\t", "empty"),
        (b"\x00\xff\xfe garbage \x89PNG", "no-headers"),
        (b"just some text\nwithout headers\n", "no-headers"),
        (b"X-Foo: bar\n\nbody", "no-headers"),
    ],
)
def test_it_refuses_what_is_not_an_email(data, code):
    with pytest.raises(UnparseableMessage) as excinfo:
        parse_inbound(data)
    assert excinfo.value.code == code
    assert isinstance(excinfo.value, ValueError)
    assert len(str(excinfo.value)) > 10  # a sentence for the bounce


def test_it_refuses_a_message_that_is_too_large():
    with pytest.raises(UnparseableMessage) as excinfo:
        parse_inbound(simple(), max_bytes=50)
    assert excinfo.value.code == "too-large"


# Raise for a longer fuzzing session, e.g. CONSILIUM_FUZZ_EXAMPLES=5000.
FUZZ_EXAMPLES = int(os.environ.get("CONSILIUM_FUZZ_EXAMPLES", "300"))
SAMPLE_BYTES = [p.read_bytes() for p in sorted(SAMPLES.glob("*.eml"))]


@settings(max_examples=FUZZ_EXAMPLES, deadline=None)
@given(st.binary(max_size=4000))
def test_it_only_returns_or_raises_unparseable_on_arbitrary_bytes(data):
    try:
        msg = parse_inbound(data)
    except UnparseableMessage:
        return
    assert isinstance(msg, InboundMessage)
    assert isinstance(msg.reply_text, str)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sample=st.sampled_from(SAMPLE_BYTES),
    cut=st.integers(min_value=0, max_value=20000),
    flips=st.lists(st.tuples(st.integers(min_value=0, max_value=20000), st.binary(max_size=8))),
)
def test_it_survives_damaged_real_messages(sample, cut, flips):
    data = bytearray(sample[: max(cut, 1)] if cut % 3 == 0 else sample)
    for position, replacement in flips:
        position %= max(len(data), 1)
        data[position : position + len(replacement)] = replacement
    try:
        msg = parse_inbound(bytes(data))
    except UnparseableMessage:
        return
    is_auto_reply(msg)
    if msg.from_address and not is_auto_reply(msg):
        # A damaged sender is refused a bounce, as it should be (backscatter).
        with contextlib.suppress(BounceRefused):
            build_bounce(
                msg,
                reason="test",
                from_address="noreply@consilium.example.org",
                to=msg.from_address,
            )


# --------------------------------------------------------------------------- quote stripping

ANSWER = "Yes, start induction on Monday.\n- check the audiogram first"


@pytest.mark.parametrize(
    "history",
    [
        # Gmail, English
        "On Mon, 3 Jun 2024 at 10:00, Anh Nguyen <anh@nhp.org.vn> wrote:\n\n> Question?\n",
        # Gmail, wrapped attribution
        "On Mon, 3 Jun 2024 at 10:00, Nguyen Van Anh <anh.nguyen@nhp.org.vn>\nwrote:\n\n> Q?\n",
        # Gmail, French (no-break space before the colon)
        "Le lun. 3 juin 2024 à 10:00, Anh <anh@nhp.org.vn> a écrit\u00a0:\n\n> Question ?\n",
        # Gmail, Russian (no verb at all)
        "пн, 3 июн. 2024 г. в 10:00, Anh <anh@nhp.org.vn>:\n\n> Вопрос?\n",
        # Thunderbird and Apple Mail, Russian
        "03.06.2024 10:00, Anh пишет:\n> Вопрос?\n",
        "3 июня 2024 г., в 10:00, Anh <anh@nhp.org.vn> написал(а):\n\n> Вопрос?\n",
        # Gmail, Vietnamese
        "Vào Th 2, 3 thg 6, 2024 lúc 10:00 Anh <anh@nhp.org.vn> đã viết:\n\n> Câu hỏi?\n",
        # Gmail, Uzbek (Latin and Cyrillic)
        "Dush, 3-iyun, 2024 10:00 Anh <anh@nhp.org.vn> yozdi:\n\n> Savol?\n",
        "2024 й. 3 июн., 10:00 Anh <anh@nhp.org.vn> ёзди:\n\n> Савол?\n",
        # Apple Mail
        "On 3 Jun 2024, at 10:00, Anh Nguyen <anh@nhp.org.vn> wrote:\n\n> Question?\n",
        # iOS Mail quotes the attribution itself
        "> On 3 Jun 2024, at 10:00, Anh Nguyen <anh@nhp.org.vn> wrote:\n> \n> Question?\n",
        # Thunderbird
        "On 03/06/2024 10:00, Anh Nguyen wrote:\n> Question?\n",
        # Outlook, English, with and without the old separator
        "-----Original Message-----\nFrom: Anh\nSent: Monday, June 3, 2024 10:00 AM\n"
        "To: Jean\nSubject: Case 42\n\nQuestion?\n",
        "________________________________\nFrom: Anh Nguyen <anh@nhp.org.vn>\n"
        "Sent: Monday, June 3, 2024 10:00\nTo: Jean Martin\nSubject: Case 42\n\nQuestion?\n",
        "From: Anh Nguyen <anh@nhp.org.vn>\nSent: Monday, June 3, 2024 10:00\n"
        "To: Jean Martin\nCc: Board\nSubject: RE: Case 42\n\nQuestion?\n",
        # Outlook rendered from HTML, bold labels
        "*From:* Anh Nguyen\n*Sent:* Monday, June 3, 2024 10:00\n*To:* Jean\n*Subject:* Case\n",
        # Outlook, French, Russian, Vietnamese, Uzbek
        "De : Anh Nguyen <anh@nhp.org.vn>\nEnvoyé : lundi 3 juin 2024 10:00\n"
        "À : Jean Martin\nObjet : Cas 42\n\nQuestion ?\n",
        "От: Anh Nguyen <anh@nhp.org.vn>\nОтправлено: 3 июня 2024 г. 10:00\n"
        "Кому: Иван\nТема: Случай 42\n\nВопрос?\n",
        "Từ: Anh Nguyen <anh@nhp.org.vn>\nĐã gửi: Thứ Hai, 3 tháng 6, 2024 10:00\n"
        "Đến: Jean Martin\nChủ đề: Ca 42\n\nCâu hỏi?\n",
        "Kimdan: Anh Nguyen <anh@nhp.org.vn>\nYuborildi: 3-iyun, 2024 10:00\n"
        "Kimga: Jean Martin\nMavzu: 42\n\nSavol?\n",
        # Gmail forward
        "---------- Forwarded message ---------\nFrom: Anh <anh@nhp.org.vn>\n"
        "Date: Mon, 3 Jun 2024\nSubject: Case\n\nQuestion?\n",
        "---------- Пересылаемое сообщение ---------\nОт: Anh\nДата: 3 июня\nТема: Случай\n",
        # Apple Mail forward
        "Begin forwarded message:\n\nFrom: Anh <anh@nhp.org.vn>\nSubject: Case\n",
        # plain "> " quoting without an attribution
        "> Question?\n> More question?\n",
        # mobile signatures
        "Sent from my iPhone\n",
        "Sent from my Galaxy\n\nOn Mon, 3 Jun 2024 at 10:00, Anh wrote:\n> Q\n",
        "Envoyé de mon iPhone\n",
        "Отправлено с iPhone\n",
        "Отправлено из мобильной Почты Mail.ru\n",
        "Gửi từ iPhone của tôi\n",
        "iPhone’dan yuborildi\n",
        "Get Outlook for Android\n",
        # signature delimiter
        "-- \nDr Jean Martin\nInstitut Curie\n",
    ],
)
def test_it_strips_quoted_history_and_signatures(history):
    assert extract_reply(f"{ANSWER}\n\n{history}") == ANSWER


@pytest.mark.parametrize(
    "text",
    [
        # hyphen lists and courtesy lines are clinical content, not signatures
        "Plan:\n- vincristine 1.5 mg/m2\n- repeat MRI in 6 weeks\nThanks, Jean",
        # prose that merely looks like quoting
        "> 5 cm residual mass: consider second-look surgery.",
        "Blasts on day 8:\n>10% means poor prednisone response.",
        # "wrote:" in prose with nothing quoted after it
        "As the radiologist wrote:\nthe margins are clear.",
        "From: our pharmacy team, the following advice.",
        "Отправлено из лаборатории вчера, результат будет завтра.",
    ],
)
def test_it_keeps_text_that_only_resembles_quotes(text):
    assert extract_reply(text) == text


def test_it_keeps_inline_answers_between_quotes():
    text = (
        "On 03/06/2024 10:00, Anh Nguyen wrote:\n"
        "> Dose of carboplatin?\n"
        "\n"
        "AUC 5, by Calvert.\n"
        "\n"
        "> Start date?\n"
        "\n"
        "Monday.\n"
    )
    assert extract_reply(text) == "AUC 5, by Calvert.\n\nMonday."


def test_it_returns_an_empty_reply_and_warns_when_there_is_no_new_text():
    body = "On Mon, 3 Jun 2024 at 10:00, Anh <anh@nhp.org.vn> wrote:\n> Question?\n"
    msg = parse_inbound(simple(body=body))
    assert msg.reply_text == ""
    assert "no-new-text" in codes(msg)


# --------------------------------------------------------------------------- HTML


def test_it_turns_html_into_text_with_line_breaks():
    html = (
        "<html><head><title>t</title><style>p{color:red}</style></head><body>"
        "<script>alert(1)</script>"
        "<p>First&nbsp;paragraph.</p><p>Second<br>line</p>"
        "<div>Div one</div><div>Div two</div>"
        "<ol><li>one</li><li>two</li></ol>"
        "<blockquote type='cite'><div>quoted</div></blockquote>"
        "</body></html>"
    )
    assert html_to_text(html) == (
        "First paragraph.\n\nSecond\nline\n\nDiv one\nDiv two\n1. one\n2. two\n> quoted"
    )


def test_it_survives_broken_html():
    assert html_to_text("<div><p>unclosed <b>bold <a href='x'>link") == "unclosed bold link"
    assert html_to_text("<head><title>no body tag") == ""
    assert html_to_text("<head><title>x</title><body>text") == "text"


# --------------------------------------------------------------------------- auto-replies


@pytest.mark.parametrize(
    ("headers", "subject"),
    [
        ("Auto-Submitted: auto-generated\n", "Re: case 42"),
        ("Auto-Submitted: auto-replied; owner-email=x@y.z\n", "Re: case 42"),
        ("X-Autoreply: yes\n", "Re: case 42"),
        ("X-Autorespond: Re: case 42\n", "Re: case 42"),
        ("Precedence: bulk\n", "Re: case 42"),
        ("Precedence: junk\n", "Re: case 42"),
        ("Precedence: list\n", "Re: case 42"),
        ("Precedence: auto_reply\n", "Re: case 42"),
        ("X-Auto-Response-Suppress: All\n", "Re: case 42"),
        ("X-Auto-Response-Suppress: OOF, AutoReply\n", "Re: case 42"),
        ("List-Id: <oncology.lists.example.org>\n", "Re: case 42"),
        ("Return-Path: <>\n", "Re: case 42"),
        (f"{LOOP_HEADER}: bounce\n", "Re: case 42"),
        ("", "Out of Office: case 42"),
        ("", "Automatic reply: Re: case 42"),
        ("", "Réponse automatique : Re: cas 42"),
        ("", "Absent du bureau"),
        ("", "Автоматический ответ: Re: случай 42"),
        ("", "Вне офиса"),
        ("", "Trả lời tự động: Re: ca 42"),
        ("", "Avtomatik javob: Re: 42"),
        ("", "Undeliverable: case 42"),
    ],
)
def test_it_recognises_automatic_messages(headers, subject):
    assert is_auto_reply(parse_inbound(simple(headers, subject=subject)))


@pytest.mark.parametrize(
    "headers",
    [
        "",
        "Auto-Submitted: no\n",
        "Precedence: first-class\n",
        "X-Auto-Response-Suppress: DR, RN\n",
        "Return-Path: <jean.martin@curie.fr>\n",
    ],
)
def test_it_lets_human_replies_through(headers):
    assert is_auto_reply(parse_inbound(simple(headers))) is None


def test_it_recognises_automated_senders_and_null_envelopes():
    msg = parse_inbound(simple())
    assert is_auto_reply(msg, envelope_sender="<>")
    assert is_auto_reply(msg, envelope_sender="jean.martin@curie.fr") is None
    for sender in ("MAILER-DAEMON@mx.example.org", "postmaster@x.org", "no-reply@x.org"):
        data = simple().replace(b"Jean Martin <jean.martin@curie.fr>", sender.encode())
        assert is_auto_reply(parse_inbound(data))


@pytest.mark.parametrize(
    "name",
    [
        "gmail_reply_fr.eml",
        "outlook_reply_ru.eml",
        "apple_iphone_reply.eml",
        "thunderbird_reply_flowed.eml",
        "gmail_reply_vi_base64.eml",
        "html_only_reply.eml",
        "attachments_jpeg_pdf.eml",
        "forwarded_rfc822.eml",
    ],
)
def test_it_does_not_mistake_real_replies_for_automatic_ones(name):
    assert is_auto_reply(load(name)) is None


# --------------------------------------------------------------------------- bounces


TO = "jean.martin@curie.fr"


def test_it_builds_a_bounce_that_explains_and_quotes():
    original = load("gmail_reply_fr.eml")
    bounce = build_bounce(
        original,
        reason="This reply address has expired.",
        from_address="Consilium <noreply@consilium.example.org>",
        to="jean.martin.curie@gmail.com",
    )
    assert bounce["To"] == "jean.martin.curie@gmail.com"
    assert bounce["From"] == "Consilium <noreply@consilium.example.org>"
    assert bounce["Auto-Submitted"] == "auto-replied"
    assert bounce["In-Reply-To"] == f"<{original.message_id}>"
    assert bounce["References"] == f"<{THREAD_ID}> <{original.message_id}>"
    assert bounce["Subject"].endswith(original.subject)
    assert bounce["Subject"] != original.subject
    assert bounce["Message-ID"].endswith("@consilium.example.org>")
    assert bounce.get_content_type() == "text/plain"
    body = bounce.get_content()
    assert "This reply address has expired." in body
    assert "> Bonjour Docteur Anh," in body
    assert "> [...]" in body  # a few lines only: enough to recognise, too few to relay
    # It is a real, sendable message.
    assert bounce.as_bytes()


def test_it_quotes_only_the_beginning_of_a_long_message():
    body = "".join(f"Line {i} of a long answer.\n" for i in range(200))
    bounce = build_bounce(
        parse_inbound(simple(body=body)), reason="r", from_address="noreply@c.example.org", to=TO
    )
    text = bounce.get_content()
    assert "> Line 0 of a long answer." in text
    assert "Line 150" not in text
    assert "> [...]" in text


def test_it_recognises_its_own_bounce_coming_back():
    bounce = build_bounce(
        load("thunderbird_reply_flowed.eml"),
        reason="r",
        from_address="noreply@c.example.org",
        to=TO,
    )
    assert is_auto_reply(parse_inbound(bounce.as_bytes()))


def test_it_refuses_to_bounce_automatic_messages_or_nobody():
    with pytest.raises(BounceRefused):
        build_bounce(
            load("out_of_office.eml"), reason="r", from_address="noreply@c.example.org", to=TO
        )
    with pytest.raises(BounceRefused):
        build_bounce(
            load("bounce_mailer_daemon.eml"),
            reason="r",
            from_address="noreply@c.example.org",
            to=TO,
        )
    # Only the envelope sender is answered: a null or unknown one means nobody is.
    for nobody in ("", "<>", "MAILER-DAEMON", "a@b@c", "x@y, victim@z"):
        with pytest.raises(BounceRefused):
            build_bounce(load("gmail_reply_fr.eml"), reason="r", from_address=TO, to=nobody)


def test_it_does_not_thread_a_bounce_onto_a_made_up_message_id():
    bounce = build_bounce(
        load("no_message_id.eml"), reason="r", from_address="noreply@c.example.org", to=TO
    )
    assert bounce["In-Reply-To"] is None
    assert bounce["Subject"].endswith("Re: [Consilium] Consultation #51")


def test_it_keeps_a_bounce_subject_on_one_line():
    msg = parse_inbound(simple(subject="Re: =?utf-8?q?line=0Abreak?="))
    bounce = build_bounce(
        msg, reason="r\nwith newline", from_address="noreply@c.example.org", to=TO
    )
    assert "\n" not in bounce["Subject"]
