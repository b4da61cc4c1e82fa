"""The quote-stripper on replies shaped as Gmail, Outlook, Apple Mail, Thunderbird and Yandex
write them, in the network's five languages: the plain-text part alone, the HTML part alone,
and both as the client sends them. Each reply answers a question whose first and last quoted
lines begin with a number ("> 25% blasts"), which must not leak into the reply, and prose that
only looks like a header or a quote must stay.

The attributions and header blocks follow each client's localised formats (Gmail's and Apple
Mail's date patterns, Outlook's "From:/Sent:" labels as each language's Outlook names them,
Thunderbird bottom-posting under the quote, Yandex's verbless "date, time, "name" <address>:").
They were written from those formats, not captured from live accounts (the machine these
tests were written on had no network)."""

from __future__ import annotations

import dataclasses
import html
from dataclasses import dataclass
from email.message import EmailMessage

import pytest

from consilium.consultations.mail.parse import extract_reply, parse_inbound

ADDRESS = "anh@nhp.org.vn"


@dataclass(frozen=True)
class Language:
    answer: str
    question: str  # the quoted message; first and last lines begin with a number
    gmail: str
    apple: str
    thunderbird: str
    outlook: str  # the header block, one label a line
    iphone: str  # iOS Mail's signature


LANGUAGES = {
    "en": Language(
        answer="Yes, start induction on Monday.\n- check the audiogram first",
        question="25% blasts on day 8.\nBone marrow on day 15:\n25% blasts",
        gmail=f"On Mon, Jun 3, 2024 at 10:00 AM Anh Nguyen <{ADDRESS}> wrote:",
        apple=f"On 3 Jun 2024, at 10:00, Anh Nguyen <{ADDRESS}> wrote:",
        thunderbird="On 03/06/2024 10:00, Anh Nguyen wrote:",
        outlook=(
            f"From: Anh Nguyen <{ADDRESS}>\nSent: Monday, June 3, 2024 10:00 AM\n"
            "To: Jean Martin <jean.martin@curie.fr>\nCc: Tumour board <board@nhp.org.vn>\n"
            "Subject: RE: [Consilium] Case VN-0042"
        ),
        iphone="Sent from my iPhone",
    ),
    "fr": Language(
        answer="Oui, commencez l'induction lundi.\n- contrôlez d'abord l'audiogramme",
        question="25 % de blastes à J8.\nMyélogramme à J15 :\n25 % de blastes",
        gmail=f"Le lun. 3 juin 2024 à 10:00, Anh Nguyen <{ADDRESS}> a écrit\u00a0:",
        apple=f"Le 3 juin 2024 à 10:00, Anh Nguyen <{ADDRESS}> a écrit\u00a0:",
        thunderbird="Le 03/06/2024 à 10:00, Anh Nguyen a écrit\u00a0:",
        outlook=(
            f"De\u00a0: Anh Nguyen <{ADDRESS}>\nEnvoyé\u00a0: lundi 3 juin 2024 10:00\n"
            "À\u00a0: Jean Martin <jean.martin@curie.fr>\nCc\u00a0: Comité <board@nhp.org.vn>\n"
            "Objet\u00a0: RE: [Consilium] Cas VN-0042"
        ),
        iphone="Envoyé de mon iPhone",
    ),
    "ru": Language(
        answer="Да, начинайте индукцию в понедельник.\n- сначала проверьте аудиограмму",
        question="25% бластов на 8-й день.\nМиелограмма на 15-й день:\n25% бластов",
        gmail=f"пн, 3 июн. 2024 г. в 10:00, Anh Nguyen <{ADDRESS}>:",
        apple=f"3 июня 2024 г., в 10:00, Anh Nguyen <{ADDRESS}> написал(а):",
        thunderbird="03.06.2024 10:00, Anh Nguyen пишет:",
        outlook=(
            f"От: Anh Nguyen <{ADDRESS}>\nОтправлено: 3 июня 2024 г. 10:00\n"
            "Кому: Jean Martin <jean.martin@curie.fr>\nКопия: Онкоконсилиум <board@nhp.org.vn>\n"
            "Тема: RE: [Consilium] Случай VN-0042"
        ),
        iphone="Отправлено с iPhone",
    ),
    "vi": Language(
        answer="Vâng, bắt đầu điều trị tấn công vào thứ Hai.\n- kiểm tra thính lực đồ trước",
        question="25% tế bào blast ngày 8.\nTủy đồ ngày 15:\n25% tế bào blast",
        gmail=f"Vào Th 2, 3 thg 6, 2024 vào lúc 10:00 Anh Nguyen <{ADDRESS}> đã viết:",
        apple=f"Vào 10:00, ngày 3 thg 6, 2024, Anh Nguyen <{ADDRESS}> đã viết:",
        thunderbird="Vào 03/06/2024 10:00, Anh Nguyen đã viết:",
        outlook=(
            f"Từ: Anh Nguyen <{ADDRESS}>\nĐã gửi: Thứ Hai, ngày 3 tháng 6 năm 2024 10:00 SA\n"
            "Đến: Jean Martin <jean.martin@curie.fr>\nCC: Hội chẩn <board@nhp.org.vn>\n"
            "Chủ đề: RE: [Consilium] Ca VN-0042"
        ),
        iphone="Gửi từ iPhone của tôi",
    ),
    "uz": Language(
        answer="Ha, induksiyani dushanba kuni boshlang.\n- avval audiogrammani tekshiring",
        question="8-kuni 25% blast hujayralar.\n15-kundagi suyak iligi:\n25% blast hujayralar",
        gmail=f"Du, 3-iyn, 2024 10:00 Anh Nguyen <{ADDRESS}> yozdi:",
        apple=f"2024-yil 3-iyun, 10:00 da Anh Nguyen <{ADDRESS}> yozdi:",
        thunderbird="03.06.2024 10:00, Anh Nguyen yozdi:",
        outlook=(
            f"Kimdan: Anh Nguyen <{ADDRESS}>\nYuborildi: 3-iyun, 2024-yil 10:00\n"
            "Kimga: Jean Martin <jean.martin@curie.fr>\nMavzu: RE: [Consilium] VN-0042"
        ),
        iphone="iPhone’dan yuborildi",
    ),
}
YANDEX_ATTRIBUTION = f'03.06.2024, 10:00, "Anh Nguyen" <{ADDRESS}>:'
YANDEX_MOBILE = {
    "en": "Sent from Yandex Mail for mobile",
    "fr": "Sent from Yandex Mail for mobile",  # Yandex has no French interface
    "ru": "Отправлено из мобильного приложения Яндекс Почты",
    "vi": "Sent from Yandex Mail for mobile",  # nor a Vietnamese one
    "uz": "Yandex Pochta mobil ilovasidan yuborildi",
}


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.split("\n"))


def _divs(text: str) -> str:
    return "".join(f"<div>{html.escape(line)}</div>" for line in text.split("\n"))


def _outlook_html_header(block: str, *, owa: bool) -> str:
    lines = []
    for line in block.split("\n"):
        label, _colon, value = line.partition(":")
        lines.append(f"<b>{html.escape(label)}:</b>{html.escape(value)}")
    if owa:
        return (
            '<hr style="display:inline-block;width:98%" tabindex="-1">'
            '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" '
            'style="font-size:11pt" color="#000000">' + "<br>".join(lines) + "</font></div>"
        )
    return (
        '<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        '<p class="MsoNormal">' + "<br>".join(lines) + "</p></div></div>"
    )


# Each client: (plain text, HTML) for a language.
def gmail(lang: Language, code: str) -> tuple[str, str]:
    plain = f"{lang.answer}\n\n{lang.gmail}\n\n{_quoted(lang.question)}\n"
    markup = (
        f'<div dir="ltr">{_divs(lang.answer)}</div><br>'
        '<div class="gmail_quote gmail_quote_container">'
        f'<div dir="ltr" class="gmail_attr">{html.escape(lang.gmail)}<br></div>'
        '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
        'border-left:1px solid rgb(204,204,204);padding-left:1ex">'
        f'<div dir="ltr">{_divs(lang.question)}</div></blockquote></div>'
    )
    return plain, markup


def outlook_desktop(lang: Language, code: str) -> tuple[str, str]:
    plain = f"{lang.answer}\n\n{lang.outlook}\n\n{lang.question}\n"
    paragraphs = "".join(
        f'<p class="MsoNormal">{html.escape(line)}<o:p></o:p></p>'
        for line in lang.answer.split("\n")
    )
    markup = (
        f'<div class="WordSection1">{paragraphs}<p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        + _outlook_html_header(lang.outlook, owa=False)
        + "".join(
            f'<p class="MsoNormal">{html.escape(line)}<o:p></o:p></p>'
            for line in lang.question.split("\n")
        )
        + "</div>"
    )
    return plain, markup


def outlook_web(lang: Language, code: str) -> tuple[str, str]:
    rule = "_" * 32
    plain = f"{lang.answer}\n\n{rule}\n{lang.outlook}\n\n{lang.question}\n"
    markup = (
        f'<div dir="ltr">{_divs(lang.answer)}</div><div id="appendonsend"></div>'
        + _outlook_html_header(lang.outlook, owa=True)
        + f'<div dir="ltr">{_divs(lang.question)}</div>'
    )
    return plain, markup


def apple_mac(lang: Language, code: str) -> tuple[str, str]:
    plain = f"{lang.answer}\n\n{lang.apple}\n\n{_quoted(lang.question)}\n"
    markup = (
        f'<div dir="ltr">{_divs(lang.answer)}</div><div dir="ltr"><br>'
        f'<blockquote type="cite"><div>{html.escape(lang.apple)}</div>'
        '<br class="Apple-interchange-newline">'
        f"<div><div>{_divs(lang.question)}</div></div></blockquote></div>"
    )
    return plain, markup


def apple_iphone(lang: Language, code: str) -> tuple[str, str]:
    # iOS Mail signs first and quotes its own attribution.
    plain = f"{lang.answer}\n\n{lang.iphone}\n\n> {lang.apple}\n> \n{_quoted(lang.question)}\n"
    markup = (
        f'<div dir="ltr">{_divs(lang.answer)}</div><div dir="ltr"><br></div>'
        f'<div dir="ltr">{html.escape(lang.iphone)}</div><div dir="ltr"><br>'
        f'<blockquote type="cite">{html.escape(lang.apple)}<br><br></blockquote></div>'
        f'<blockquote type="cite"><div dir="ltr">{_divs(lang.question)}</div></blockquote>'
    )
    return plain, markup


def thunderbird(lang: Language, code: str) -> tuple[str, str]:
    # Thunderbird's default puts the answer below the quote, and signs with "-- ".
    plain = (
        f"{lang.thunderbird}\n{_quoted(lang.question)}\n\n{lang.answer}\n\n"
        "-- \nDr Jean Martin\nInstitut Curie\n"
    )
    markup = (
        f'<div class="moz-cite-prefix">{html.escape(lang.thunderbird)}<br></div>'
        '<blockquote type="cite" cite="mid:consult-42@consilium.example.org">'
        f"{_divs(lang.question)}</blockquote>"
        + f"<p>{'<br>'.join(html.escape(line) for line in lang.answer.split(chr(10)))}</p>"
        + '<pre class="moz-signature" cols="72">-- \nDr Jean Martin\nInstitut Curie</pre>'
    )
    return plain, markup


def yandex(lang: Language, code: str) -> tuple[str, str]:
    mobile = YANDEX_MOBILE[code]
    plain = f"{lang.answer}\n\n-- \n{mobile}\n\n{YANDEX_ATTRIBUTION}\n{_quoted(lang.question)}\n"
    markup = (
        f"{_divs(lang.answer)}<div>&nbsp;</div><div>-- <br>{html.escape(mobile)}</div>"
        f"<div>&nbsp;</div><div>{html.escape(YANDEX_ATTRIBUTION)}</div>"
        f"<blockquote>{_divs(lang.question)}</blockquote>"
    )
    return plain, markup


def yandex_web(lang: Language, code: str) -> tuple[str, str]:
    """Yandex's web mail with no signature: the verbless attribution is all there is."""
    plain = f"{lang.answer}\n\n{YANDEX_ATTRIBUTION}\n{_quoted(lang.question)}\n"
    markup = (
        f"{_divs(lang.answer)}<div>&nbsp;</div><div>{html.escape(YANDEX_ATTRIBUTION)}</div>"
        f"<blockquote>{_divs(lang.question)}</blockquote>"
    )
    return plain, markup


CLIENTS = {
    "gmail": gmail,
    "outlook_desktop": outlook_desktop,
    "outlook_web": outlook_web,
    "apple_mac": apple_mac,
    "apple_iphone": apple_iphone,
    "thunderbird": thunderbird,
    "yandex_mobile": yandex,
    "yandex_web": yandex_web,
}
CASES = [(client, code) for client in CLIENTS for code in LANGUAGES]


def _message(plain: str | None, markup: str | None, *, flowed: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Jean Martin <jean.martin@curie.fr>"
    msg["To"] = "reply+abc@consilium.example.org"
    msg["Subject"] = "Re: [Consilium] Case VN-0042"
    msg["Message-ID"] = "<client-reply@curie.fr>"
    msg["Date"] = "Mon, 03 Jun 2024 10:05:00 +0200"
    if plain is not None:
        msg.set_content(plain, cte="quoted-printable")
        if flowed:
            msg.set_param("format", "flowed")
    if markup is not None:
        body = f'<html><head><meta charset="utf-8"></head><body>{markup}</body></html>'
        if plain is None:
            msg.set_content(body, subtype="html", cte="quoted-printable")
        else:
            msg.add_alternative(body, subtype="html", cte="quoted-printable")
    return msg.as_bytes()


@pytest.mark.parametrize(("client", "code"), CASES)
def test_the_plain_text_part_keeps_the_answer_only(client, code):
    lang = LANGUAGES[code]
    plain, _markup = CLIENTS[client](lang, code)

    msg = parse_inbound(_message(plain, None, flowed=client == "thunderbird"))

    assert msg.reply_text == lang.answer
    assert lang.question.split("\n")[1] in msg.full_text  # the history was there


@pytest.mark.parametrize(("client", "code"), CASES)
def test_the_html_part_alone_keeps_the_answer_only(client, code):
    lang = LANGUAGES[code]
    _plain, markup = CLIENTS[client](lang, code)

    msg = parse_inbound(_message(None, markup))

    assert msg.reply_text == lang.answer
    assert lang.question.split("\n")[1] in msg.full_text


@pytest.mark.parametrize(("client", "code"), CASES)
def test_the_message_as_the_client_sends_it_keeps_the_answer_only(client, code):
    lang = LANGUAGES[code]

    msg = parse_inbound(_message(*CLIENTS[client](lang, code)))

    assert msg.reply_text == lang.answer


# Prose that starts like a header ("From:") with one more header-like line is a clinician's
# sentence, not Outlook's block (which has a From line and at least two more).
HEADER_LIKE_PROSE = {
    "en": "From: the pharmacy, two points on dosing.\n"
    "To: the ward team: hold vincristine until the bilirubin falls.",
    "fr": "De : la pharmacie, deux remarques sur les doses.\n"
    "À : l'équipe du service : suspendre la vincristine jusqu'à la baisse de la bilirubine.",
    "ru": "От: аптеки, два замечания по дозам.\n"
    "Кому: отделению — отложить винкристин до снижения билирубина.",
    "vi": "Từ: khoa dược, hai lưu ý về liều.\n"
    "Đến: khoa lâm sàng: tạm ngừng vincristin cho đến khi bilirubin giảm.",
    "uz": "Kimdan: dorixona, dozalar haqida ikki eslatma.\n"
    "Kimga: bo'lim jamoasi: bilirubin tushguncha vinkristinni to'xtating.",
}
# A reply line that begins with ">" and a number is a comparison, not a quote.
COMPARISON_PROSE = {
    "en": "Blasts on day 15:\n> 25% means a slow early response: treat as high risk.",
    "fr": "Blastes à J15 :\n> 25 % signifie une réponse lente : traiter en haut risque.",
    "ru": "Бласты на 15-й день:\n> 25% — медленный ранний ответ, лечить как высокий риск.",
    "vi": "Blast ngày 15:\n> 25% là đáp ứng sớm chậm: điều trị như nguy cơ cao.",
    "uz": "15-kundagi blastlar:\n> 25% sekin erta javob: yuqori xavf sifatida davolang.",
}


@pytest.mark.parametrize("code", LANGUAGES)
def test_it_keeps_prose_that_starts_like_a_header(code):
    text = HEADER_LIKE_PROSE[code]

    assert extract_reply(text) == text
    assert extract_reply(f"{text}\n\n{LANGUAGES[code].outlook}\n\nold") == text


@pytest.mark.parametrize("code", LANGUAGES)
def test_it_keeps_a_comparison_that_looks_like_a_quote(code):
    text = COMPARISON_PROSE[code]

    assert extract_reply(text) == text
    assert extract_reply(f"{text}\n\n{LANGUAGES[code].gmail}\n\n> old") == text


@pytest.mark.parametrize("code", LANGUAGES)
def test_a_quoted_block_ending_in_a_number_leaks_nothing(code):
    lang = LANGUAGES[code]
    text = f"{lang.thunderbird}\n{_quoted(lang.question)}\n\n{lang.answer}"

    assert extract_reply(text) == lang.answer


# The question quoted under the attribution is one line that begins with a number. Alone,
# "> 25% blasts" could be a comparison the expert typed; under an attribution it is history
# (it leaked into the reply before the quoted block under an attribution was dropped whole).
ONE_LINE_QUESTION = {
    "en": "25% blasts on day 8: high-risk arm?",
    "fr": "25 % de blastes à J8 : bras haut risque ?",
    "ru": "25% бластов на 8-й день: группа высокого риска?",
    "vi": "25% tế bào blast ngày 8: nhánh nguy cơ cao?",
    "uz": "8-kuni 25% blast hujayralar: yuqori xavf guruhi?",
}
QUOTING_CLIENTS = [
    "gmail",
    "apple_mac",
    "apple_iphone",
    "thunderbird",
    "yandex_mobile",
    "yandex_web",
]


@pytest.mark.parametrize("part", ["plain", "html", "both"])
@pytest.mark.parametrize("client", QUOTING_CLIENTS)
@pytest.mark.parametrize("code", LANGUAGES)
def test_a_one_line_quoted_question_starting_with_a_number_leaks_nothing(code, client, part):
    lang = dataclasses.replace(LANGUAGES[code], question=ONE_LINE_QUESTION[code])
    plain, markup = CLIENTS[client](lang, code)
    if part == "plain":
        markup = None
    elif part == "html":
        plain = None

    msg = parse_inbound(_message(plain, markup, flowed=client == "thunderbird"))

    assert msg.reply_text == lang.answer
    assert ONE_LINE_QUESTION[code] in msg.full_text
