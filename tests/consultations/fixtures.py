"""Material for the email gateway's tests: real notifications sent through a real SMTP server,
replies written in the shapes Gmail, Outlook and Apple Mail write them, the stored samples
readdressed to a live reply address, and a way to run queued tasks inside a test transaction.
"""

from __future__ import annotations

import base64
import email
import html
import re
import time
from collections.abc import Collection
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path

from django.conf import settings
from django.test import TestCase
from django.utils import timezone
from django_tasks import TaskContext
from django_tasks_db.models import DBTaskResult

from consilium.consultations.mail import notify
from consilium.consultations.mail.reply_tokens import make_reply_address
from tests.network.helpers import confirmed_partnership

SAMPLES = Path(__file__).parent / "mail_samples"
# The reply address the stored samples were written to (another installation's).
SAMPLE_REPLY_ADDRESS = b"reply+aebagbaf2mxzeq3ghvlnpkdbsycoyrbnnrya@consilium.example.org"
SEND_EMAIL = "consilium.core.tasks.send_email"
PROCESS_INBOUND = "consilium.consultations.mail.inbound.process_inbound"


# --------------------------------------------------------------------------- tasks


def run_queued_tasks(task_path: str | None = None, *, exclude: Collection = ()) -> int:
    """Run what is queued as the worker would, in this thread and transaction (the worker
    itself resets connections, which a test transaction does not survive); not the tasks
    whose ids are in `exclude`."""
    count = 0
    while True:
        rows = DBTaskResult.objects.ready().exclude(id__in=list(exclude))
        if task_path:
            rows = rows.filter(task_path=task_path)
        batch = list(rows)
        if not batch:
            return count
        for row in batch:
            row.claim("test")
            task = row.task
            args = row.args_kwargs["args"]
            if task.takes_context:  # as db_worker calls it
                args = [TaskContext(task_result=row.task_result), *args]
            value = task.call(*args, **row.args_kwargs["kwargs"])
            row.set_successful(value)
            count += 1


def queued_notification_ids() -> set:
    """The thread notifications waiting for the worker (see queued_emails)."""
    return {
        row.id
        for row in DBTaskResult.objects.ready().filter(task_path=SEND_EMAIL)
        if "X-Consilium-Consultation" in (row.args_kwargs["kwargs"].get("headers") or {})
    }


def all_queued_emails() -> list[dict]:
    """The keyword arguments of every mail waiting for the worker, the thread's notifications
    included."""
    return [
        row.args_kwargs["kwargs"]
        for row in DBTaskResult.objects.ready().filter(task_path=SEND_EMAIL)
    ]


def queued_emails() -> list[dict]:
    """The keyword arguments of every bounce and notice of the mail gateway still waiting for
    the worker. Not the thread's notifications (they carry X-Consilium-Consultation): the
    actions queue those with their change, so they are queued in these tests too."""
    queued = [
        row.args_kwargs["kwargs"]
        for row in DBTaskResult.objects.ready().filter(task_path=SEND_EMAIL)
    ]
    return [m for m in queued if "X-Consilium-Consultation" not in (m.get("headers") or {})]


# --------------------------------------------------------------------------- notifications


def send_notification(inbox, consultation, person, template="offered", context=None):
    """Send a real notification to ``person`` through the SMTP inbox; return it as received."""
    before = len(inbox.envelopes)
    # Mail queued earlier (the fixtures' own notifications, queued with their change) is
    # not this one.
    earlier = set(DBTaskResult.objects.ready().values_list("id", flat=True))
    with TestCase.captureOnCommitCallbacks(execute=True):
        notify.send(consultation, [person], template, context=context)
    run_queued_tasks(SEND_EMAIL, exclude=earlier)
    messages = inbox.messages[before:]
    assert len(messages) == 1, [m["Subject"] for m in messages]
    return messages[0]


def reply_address(consultation, person, *, issued_at: int | None = None) -> str:
    return make_reply_address(
        secret=notify.reply_secret(),
        thread_id=consultation.pk,
        person_id=person.pk,
        domain=settings.CONSILIUM_REPLY_DOMAIN,
        issued_at=int(time.time()) if issued_at is None else issued_at,
    )


def tamper(address: str) -> str:
    """One character of the token changed, as a bad copy-paste would."""
    local, _at, domain = address.partition("@")
    i = len("reply+") + 5
    swapped = "b" if local[i] != "b" else "c"
    return f"{local[:i]}{swapped}{local[i + 1 :]}@{domain}"


def _body_text(notification: EmailMessage) -> str:
    part = notification.get_body(("plain",))
    return part.get_content() if part is not None else ""


def _quote(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.rstrip("\n").split("\n"))


# --------------------------------------------------------------------------- client shapes

_GMAIL_ATTRIBUTION = {
    "en": "On Mon, 3 Jun 2024 at 10:00, {sender} wrote:",
    "fr": "Le lun. 3 juin 2024 à 10:00, {sender} a écrit :",
    "vi": "Vào Th 2, 3 thg 6, 2024 lúc 10:00 {sender} đã viết:",
    "ru": "пн, 3 июн. 2024 г. в 10:00, {sender}:",
}


def _reply_headers(msg: EmailMessage, notification: EmailMessage, *, sender, to, subject_prefix):
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = f"{subject_prefix} {str(notification['Subject']).strip()}"
    msg["Date"] = format_datetime(notification["Date"].datetime)
    parent = notification["Message-ID"]
    refs = " ".join(filter(None, [str(notification.get("References", "")), parent]))
    msg["In-Reply-To"] = parent
    msg["References"] = refs


def gmail_reply(
    notification: EmailMessage,
    *,
    sender: str,
    text: str,
    language: str = "en",
    attachments: list[tuple[str, str, bytes]] = (),
    to: str | None = None,
    message_id: str | None = None,
) -> bytes:
    """multipart/alternative (plain + HTML with a gmail_quote), in multipart/mixed when files
    are attached; the plain text wraps the attribution as Gmail does."""
    original_from = str(notification["From"])
    attribution = _GMAIL_ATTRIBUTION[language].format(sender=original_from)
    quoted = _quote(_body_text(notification))
    plain = f"{text}\n\n{attribution}\n\n{quoted}\n"
    html_body = (
        '<div dir="ltr">'
        + "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in text.split("\n"))
        + '</div><br><div class="gmail_quote gmail_quote_container"><div dir="ltr" '
        f'class="gmail_attr">{html.escape(attribution)}<br></div><blockquote '
        'class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid '
        'rgb(204,204,204);padding-left:1ex">'
        + "<br>".join(html.escape(line) for line in _body_text(notification).split("\n"))
        + "</blockquote></div>\n"
    )
    msg = EmailMessage(policy=policy.SMTP)
    msg["MIME-Version"] = "1.0"
    _reply_headers(
        msg,
        notification,
        sender=sender,
        to=to or str(notification["Reply-To"]),
        subject_prefix="Re:",
    )
    msg["Message-ID"] = message_id or make_msgid(domain="mail.gmail.com")
    msg.set_content(plain, charset="utf-8", cte="base64" if language == "vi" else None)
    msg.add_alternative(html_body, subtype="html", charset="utf-8")
    for filename, mimetype, data in attachments:
        maintype, subtype = mimetype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


def outlook_reply(
    notification: EmailMessage,
    *,
    sender: str,
    text: str,
    charset: str = "koi8-r",
    to: str | None = None,
) -> bytes:
    """Outlook desktop in Russian: a plain part in an 8-bit Russian charset, quoted-printable,
    with the "От: / Отправлено: / Кому: / Тема:" block above the unquoted original."""
    name, addr = parseaddr(sender)
    block = (
        "________________________________\n"
        f"От: {notification['From']}\n"
        "Отправлено: 3 июня 2024 г. 10:00\n"
        f"Кому: {name} <{addr}>\n"
        f"Тема: {notification['Subject']}\n\n"
    )
    plain = f"{text}\n\n{block}{_body_text(notification)}"
    # What the charset cannot spell (the notification's "…") becomes "?", as Outlook does.
    plain = plain.encode(charset, "replace").decode(charset)
    msg = EmailMessage(policy=policy.SMTP)
    _reply_headers(
        msg,
        notification,
        sender=sender,
        to=to or f'"{notification["Reply-To"]}" <{notification["Reply-To"]}>',
        subject_prefix="RE:",
    )
    msg["Thread-Topic"] = str(notification["Subject"])
    msg["Thread-Index"] = base64.b64encode(b"\x01\xda\xb5\x89" + b"\x35" * 18).decode()
    msg["Message-ID"] = make_msgid(domain="AM0PR07MB4131.eurprd07.prod.outlook.com")
    msg["Accept-Language"] = "ru-RU, en-US"
    msg["Content-Language"] = "ru-RU"
    msg["X-MS-Has-Attach"] = ""
    msg["X-MS-TNEF-Correlator"] = ""
    msg["MIME-Version"] = "1.0"
    msg.set_content(plain, charset=charset, cte="quoted-printable")
    msg.add_alternative(
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset='
        f'{charset}"></head><body><div class="WordSection1"><p class="MsoNormal">'
        + "</p><p class=MsoNormal>".join(html.escape(line) for line in text.split("\n"))
        + '</p></div><div id="divRplyFwdMsg"><b>От:</b> Consilium</div></body></html>',
        subtype="html",
        charset=charset,
        cte="quoted-printable",
    )
    return msg.as_bytes()


def apple_reply(
    notification: EmailMessage,
    *,
    sender: str,
    text: str,
    attachments: list[tuple[str, str, bytes]] = (),
    to: str | None = None,
) -> bytes:
    """iPhone Mail in French: the photo inline between two text parts, then "Envoyé de mon
    iPhone" and the quoted original with its attribution."""
    boundary = "Apple-Mail-6F3C2B1A-9D4E-4B7F-8A21-3C5D7E9F1B2A"
    tail = (
        "\n\nEnvoyé de mon iPhone\n\n"
        f"> Le 3 juin 2024 à 10:00, {notification['From']} a écrit :\n>\n"
        + _quote(_body_text(notification))
        + "\n"
    )
    parts = [_apple_text(text)]
    for filename, mimetype, data in attachments:
        encoded = base64.encodebytes(data).decode("ascii")
        parts.append(
            f"Content-Type: {mimetype};\r\n\tname={filename}\r\n"
            f"Content-Disposition: inline;\r\n\tfilename={filename}\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n" + encoded.replace("\n", "\r\n")
        )
    parts.append(_apple_text(tail))
    to = to or str(notification["Reply-To"])
    head = (
        f"Content-Type: multipart/mixed; boundary={boundary}\r\n"
        "Content-Transfer-Encoding: 7bit\r\n"
        f"From: {sender}\r\n"
        "Mime-Version: 1.0 (1.0)\r\n"
        f"Subject: {_encoded_subject('Re: ' + str(notification['Subject']))}\r\n"
        f"Date: {format_datetime(notification['Date'].datetime)}\r\n"
        f"Message-Id: {make_msgid(domain='curie.fr').upper()}\r\n"
        f"References: {notification['Message-ID']}\r\n"
        f"In-Reply-To: {notification['Message-ID']}\r\n"
        f"To: {to}\r\n"
        "X-Mailer: iPhone Mail (21F90)\r\n\r\n"
    )
    body = "".join(f"\r\n--{boundary}\r\n{part}\r\n" for part in parts) + f"--{boundary}--\r\n"
    return (head + body).encode("ascii")


def _apple_text(text: str) -> str:
    import quopri

    encoded = quopri.encodestring(text.replace("\n", "\r\n").encode("utf-8")).decode("ascii")
    return (
        "Content-Type: text/plain;\r\n\tcharset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + encoded
    )


def _encoded_subject(subject: str) -> str:
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = subject
    return msg.as_string().split("Subject: ", 1)[1].split("\r\n\r\n", 1)[0].strip()


# --------------------------------------------------------------------------- samples


def sample(name: str, *, sender: str | None = None, to: str | None = None) -> bytes:
    """A stored sample with its From: replaced by ``sender`` and the sample's reply address
    by ``to`` (headers only), so it arrives as a reply from a real persona."""
    raw = (SAMPLES / name).read_bytes()
    match = re.search(rb"\r?\n\r?\n", raw)
    head, body = (raw[: match.start()], raw[match.start() :]) if match else (raw, b"")
    if to is not None:
        head = head.replace(SAMPLE_REPLY_ADDRESS, to.encode())
    if sender is not None:
        head = re.sub(
            rb"^From:.*(?:\r?\n[ \t].*)*", b"From: " + sender.encode(), head, count=1, flags=re.M
        )
    return head + body


def plain_reply(*, sender: str, to: str, text: str, **headers: str) -> bytes:
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = headers.pop("subject", "Re: [Consilium] consultation")
    msg["Date"] = format_datetime(email.utils.localtime())
    msg["Message-ID"] = headers.pop("message_id", make_msgid(domain="curie.demo"))
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    return msg.as_bytes()


def persona_address(person) -> str:
    return formataddr((person.full_name, person.email))


# --------------------------------------------------------------------------- the gateway


def deliver(raw: bytes, **envelope):
    """Store and process one message, as `consilium ingest-mail` does; the envelope sender
    is the From: address unless the test says otherwise, as for most real mail."""
    from email.parser import BytesHeaderParser
    from email.utils import parseaddr

    from consilium.consultations.mail import inbound

    if "envelope_from" not in envelope:
        sender = BytesHeaderParser().parsebytes(raw).get("From", "")
        envelope["envelope_from"] = parseaddr(str(sender))[1]
    stored, _created = inbound.store(raw, **envelope)
    return inbound.process(stored)


def in_language(person, text) -> str:
    """``text`` (a msgid or a lazy translation) as ``person`` reads it."""
    from django.utils import translation

    with translation.override(person.language or settings.LANGUAGE_CODE):
        return translation.gettext(str(text)) if isinstance(text, str) else str(text)


def explanation(stored) -> str:
    """The explanation part of a stored reason ("code: explanation")."""
    return stored.reason.split(": ", 1)[1]


# --------------------------------------------------------------------------- other processes


def create_consultation(personas):
    """A consultation made through the actions, for tests whose data must be committed
    (another process reads it), where the function-scoped fixtures do not fit."""
    import datetime

    from consilium.consultations.actions import request_consultation
    from consilium.network.models import AreaKind, Institution, PartnershipStatus
    from tests.consultations.conftest import make_patient

    vnch, curie = Institution.objects.get(code="VNCH"), Institution.objects.get(code="CURIE")
    confirmed_partnership(
        actor=personas["coordinator"],
        title="VNCH – Institut Curie",
        institutions=[vnch, curie],
        valid_from=datetime.date(2024, 12, 2),
        # Relative to today: a fixed end date would expire the fixture one day.
        valid_until=timezone.localdate() + datetime.timedelta(days=5 * 365),
        signed_on=datetime.date(2024, 12, 2),
        status=PartnershipStatus.ACTIVE,
        areas={AreaKind.TELEMEDICINE: "Case discussion"},
    )
    return request_consultation(
        actor=personas["clinician"],
        patient=make_patient(personas),
        expert_institution=curie,
        question="Is tandem HDCT feasible here?",
        urgency="routine",
    )


def database_url() -> str:
    """The database this test process uses (during a test, the test database) as a
    DATABASE_URL, so that a `consilium` subprocess writes where the test reads."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def subprocess_env(**overrides: str) -> dict[str, str]:
    """The environment for a `consilium` subprocess that shares this test's database, secret
    (reply tokens are signed with it) and reply domain."""
    import os

    env = dict(os.environ)
    env.update(
        SECRET_KEY=settings.SECRET_KEY,
        # The keys and files of this test process's data directory (in the parallel suite a
        # worker's own folder, not the CONSILIUM_DATA_DIR it was started with).
        CONSILIUM_DATA_DIR=str(settings.DATA_DIR),
        CONSILIUM_REPLY_DOMAIN=settings.CONSILIUM_REPLY_DOMAIN,
        DATABASE_URL=database_url(),
        PYTHONUNBUFFERED="1",
        CONSILIUM_MAIL_UNVERIFIED_ACTIONS=settings.CONSILIUM_MAIL_UNVERIFIED_ACTIONS,
    )
    env.update(overrides)
    return env
