"""The email gateway: a reply to a notification becomes a message or an action in its thread.

Two steps, so that no message is ever lost:

1. ``store`` keeps the raw bytes durably (one row, deduplicated by Message-ID) before the
   sender is told anything. The SMTP receiver answers 250 only after this commit; a pipe
   from a mail server exits 0 only after it.
2. ``process`` reads the stored message once, in one transaction: either everything it asks
   for happens and the row says ``accepted``, or nothing happens and the sender gets a bounce
   that says why (``bounced``), or it was an automatic message and nobody is answered
   (``ignored``). Processing a stored message again does nothing.

Bounces and notices go out through the ``send_email`` task, queued in the same transaction
(the database task backend makes the queue entry part of the commit): a mail server that is
down when we answer only delays the bounce, the worker sends it when it can.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email import message_from_bytes
from email import policy as email_policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import NamedTuple

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_tasks import task

from consilium.accounts.models import User
from consilium.consultations import actions, attachments
from consilium.consultations.access import side_of
from consilium.consultations.deid.deidentify import AttachmentError
from consilium.consultations.mail import commands as email_commands
from consilium.consultations.mail import notify, sender_auth
from consilium.consultations.mail import parse as mail_parse
from consilium.consultations.mail.parse import (
    LOOP_HEADER,
    BounceRefused,
    InboundMessage,
    UnparseableMessage,
    build_bounce,
    is_auto_reply,
    parse_inbound,
)
from consilium.consultations.mail.reply_tokens import (
    LOCAL_PREFIX,
    ExpiredToken,
    InvalidToken,
    ReplyToken,
    TokenError,
    parse_reply_address,
)
from consilium.consultations.models import (
    Consultation,
    InboundEmail,
    InboundStatus,
    MessageSource,
)
from consilium.core.tasks import send_email
from consilium.lib.enqueue import enqueue_in_transaction

__all__ = ["Incoming", "max_message_bytes", "null_sender", "process", "store", "store_many"]

logger = logging.getLogger(__name__)

NULL_SENDER = "<>"
UNPARSED_ID_DOMAIN = "unparsed.consilium.invalid"
LONG_ID_DOMAIN = "long-id.consilium.invalid"
# A message that went through this many relays is circling between mail systems.
MAX_RECEIVED_HEADERS = 30
_MESSAGE_ID_MAX = InboundEmail._meta.get_field("message_id").max_length
_REASON_MAX = InboundEmail._meta.get_field("reason").max_length


def max_message_bytes() -> int:
    """The largest message accepted: the attachment limit after base64 (4/3), plus text."""
    return settings.CONSILIUM_MAX_ATTACHMENT_MB * 1024 * 1024 * 4 // 3 + 2 * 1024 * 1024


def null_sender(envelope_from: str | None) -> str:
    """SMTP's null reverse-path (bounces, auto-replies) spelt one way, whatever wrote it."""
    value = (envelope_from or "").strip()
    if value in ("", "<>") or value.upper() == "MAILER-DAEMON":
        return NULL_SENDER
    return value.strip("<>")


# --------------------------------------------------------------------------- store


def message_id_of(raw: bytes) -> str:
    """The key the message is stored under: its Message-ID (or the one mail_parse derives
    from its content), or a digest of the bytes when they cannot be parsed at all."""
    message_id = _message_id_header(raw)
    if message_id is None:
        try:
            message_id = parse_inbound(raw, max_bytes=max_message_bytes()).message_id
        except UnparseableMessage:
            return f"{hashlib.sha256(raw).hexdigest()[:40]}@{UNPARSED_ID_DOMAIN}"
    if len(message_id) > _MESSAGE_ID_MAX:
        digest = hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()
        return f"{digest[:40]}@{LONG_ID_DOMAIN}"
    return message_id


def _message_id_header(raw: bytes) -> str | None:
    """The Message-ID header read as parse_inbound reads it, from the header block alone:
    the SMTP receiver answers before anything parses the body (a tenth of the time)."""
    end = re.search(rb"\r?\n\r?\n", raw)
    try:
        head = raw[: end.end()] if end else raw
        headers = BytesHeaderParser(policy=email_policy.default).parsebytes(head)
        for name, value in headers.raw_items():
            if name.lower() == "message-id":
                decoded = str(email_policy.default.header_fetch_parse(name, value))
                ids = mail_parse._msg_ids(mail_parse._fix_surrogates(decoded))
                return ids[0] if ids else None
    except Exception:  # the full parser decides what to make of damaged headers
        return None
    return None


class Incoming(NamedTuple):
    raw: bytes
    envelope_from: str = ""
    envelope_to: Sequence[str] = ()


def store(
    raw: bytes,
    *,
    envelope_from: str = "",
    envelope_to: Iterable[str] = (),
    queue: bool = False,
) -> tuple[InboundEmail, bool]:
    """Keep the raw message; ``created`` is False when this Message-ID was already stored.

    ``envelope_from`` is "" when unknown (a file) and "<>" for SMTP's null sender. With
    ``queue``, a ``process_inbound`` task is queued in the same commit, so a stored message
    is never left without someone to process it.
    """
    raw = bytes(raw)
    return _store_one(Incoming(raw, envelope_from, tuple(envelope_to)), message_id_of(raw), queue)


def store_many(messages: Sequence[Incoming], *, queue: bool) -> list[tuple[InboundEmail, bool]]:
    """Store several messages in one transaction: one commit (one disk flush) for all the
    SMTP sessions waiting for their 250 (group commit)."""
    keys = [message_id_of(bytes(m.raw)) for m in messages]
    with transaction.atomic():
        try:
            with transaction.atomic():
                return _store_batch(messages, keys, queue)
        except IntegrityError:
            # Another writer stored one of them meanwhile (PostgreSQL): one at a time.
            return [_store_one(m, key, queue) for m, key in zip(messages, keys, strict=True)]


def _store_batch(
    messages: Sequence[Incoming], keys: list[str], queue: bool
) -> list[tuple[InboundEmail, bool]]:
    """One SELECT for the Message-IDs already stored, one INSERT for the rest."""
    known = {e.message_id: e for e in InboundEmail.objects.filter(message_id__in=keys).defer("raw")}
    new: dict[str, InboundEmail] = {}
    results = []
    for message, key in zip(messages, keys, strict=True):
        if key in known or key in new:  # stored before, or twice in this batch
            results.append((known.get(key) or new[key], False))
            continue
        new[key] = InboundEmail(
            message_id=key,
            envelope_from=message.envelope_from[:320],
            envelope_to=[str(a)[:320] for a in message.envelope_to],
            raw=bytes(message.raw),
        )
        results.append((new[key], True))
    InboundEmail.objects.bulk_create(new.values())
    if queue:
        for email in new.values():
            _queue_processing(email)
    return results


def _store_one(message: Incoming, message_id: str, queue: bool) -> tuple[InboundEmail, bool]:
    try:
        with transaction.atomic():
            email = InboundEmail.objects.create(
                message_id=message_id,
                envelope_from=message.envelope_from[:320],
                envelope_to=[str(a)[:320] for a in message.envelope_to],
                raw=bytes(message.raw),
            )
            if queue:
                _queue_processing(email)
    except IntegrityError:
        existing = InboundEmail.objects.filter(message_id=message_id).first()
        if existing is None:  # not the unique Message-ID after all
            raise
        return existing, False
    return email, True


def _queue_processing(email: InboundEmail) -> None:
    enqueue_in_transaction(process_inbound, inbound_id=email.pk)


# --------------------------------------------------------------------------- process


@dataclass
class _Outcome:
    status: str
    reason: str
    consultation: Consultation | None = None


class _Refusal(Exception):
    """Stop processing: bounce with ``message``; ``code`` goes into the stored reason."""

    def __init__(self, code: str, message: Promise | str) -> None:
        self.code = code
        self.message = message
        super().__init__(code)


def process(email: InboundEmail | int, *, release: bool = False) -> InboundEmail:
    """Handle one stored message, once. Returns the row with its final status.

    ``release`` carries out a HELD message: its owner has confirmed it (link or reply)."""
    pk = email.pk if isinstance(email, InboundEmail) else email
    with transaction.atomic():
        email = InboundEmail.objects.select_for_update().get(pk=pk)
        expected = InboundStatus.HELD if release else InboundStatus.RECEIVED
        if email.status != expected:
            return email
        outcome = _Handler(email, owner_confirmed=release).run()
        email.status = outcome.status
        email.reason = outcome.reason[:_REASON_MAX]
        email.consultation = outcome.consultation
        email.processed_at = timezone.now()
        email.save(update_fields=["status", "reason", "consultation", "processed_at"])
    logger.info("inbound %s: %s (%s)", email.message_id, email.status, email.reason)
    return email


class _Handler:
    def __init__(self, email: InboundEmail, *, owner_confirmed: bool = False) -> None:
        self.email = email
        self.owner_confirmed = owner_confirmed
        self.parsed: InboundMessage | None = None
        self.consultation: Consultation | None = None
        self.language = settings.LANGUAGE_CODE

    def run(self) -> _Outcome:
        raw = bytes(self.email.raw)
        envelope_sender = self.email.envelope_from or None
        try:
            self.parsed = parse_inbound(raw, max_bytes=max_message_bytes())
        except UnparseableMessage as exc:
            stub = _stub_message(self.email, raw)
            automatic = is_auto_reply(stub, envelope_sender=envelope_sender)
            if automatic:
                return _Outcome(
                    InboundStatus.IGNORED, f"unparseable ({exc.code}), not answered: {automatic}"
                )
            self.parsed = stub
            self.language = _language_of_address(stub.from_address)
            return self._bounce(_Refusal(f"unparseable ({exc.code})", exc.message))

        automatic = is_auto_reply(self.parsed, envelope_sender=envelope_sender)
        if automatic:
            return _Outcome(InboundStatus.IGNORED, f"automatic message: {automatic}")
        hops = len(self.parsed.header_all("received"))
        if hops > MAX_RECEIVED_HEADERS:
            return _Outcome(InboundStatus.IGNORED, f"mail loop: {hops} Received headers")

        self.language = _language_of_address(self.parsed.from_address)
        try:
            with translation.override(self.language):
                return self._run_parsed()
        except _Refusal as refusal:
            return self._bounce(refusal)

    def _run_parsed(self) -> _Outcome:
        parsed = self.parsed
        assert parsed is not None
        token = _find_token(self.email, parsed)
        self.consultation = Consultation.objects.filter(pk=token.thread_id).first()
        person = User.objects.filter(pk=token.person_id, is_active=True).first()
        if self.consultation is None or person is None:
            raise _Refusal(
                "unknown thread or person",
                _(
                    "This reply address belongs to a consultation or a person that no longer "
                    "exists in Consilium."
                ),
            )
        return self._act(person)

    def _act(self, person: User) -> _Outcome:
        parsed = self.parsed
        assert parsed is not None and self.consultation is not None
        if parsed.from_address.lower() != person.email.lower():
            raise _Refusal(
                "wrong sender",
                _(
                    "It was sent from an address that is not the one this reply address was "
                    "made for. Each reply address belongs to one person: please reply from the "
                    "address the notification was sent to, or write on the website."
                ),
            )
        if side_of(person, self.consultation) is None:
            raise _Refusal(
                "no access",
                _(
                    "You no longer have access to this consultation (for example, the "
                    "partnership that carried it has ended, or you are no longer on its team)."
                ),
            )
        released = _release_confirmed(parsed, person, self.consultation)
        if released is not None:
            return released
        check = sender_auth.authenticate(bytes(self.email.raw), parsed)
        verified = check.verified or self.owner_confirmed
        try:
            command = email_commands.parse(parsed.reply_text)
        except email_commands.CommandError as exc:
            raise _Refusal("command not understood", exc.message) from None
        if (
            command.kind in STATE_CHANGING
            and not verified
            and settings.CONSILIUM_MAIL_UNVERIFIED_ACTIONS == "hold"
        ):
            _ask_owner_to_confirm(self.email, person, self.consultation, command.kind)
            return _Outcome(
                InboundStatus.HELD,
                f"held: {command.kind} by {person.email}, sender not verified ({check.detail})",
                self.consultation,
            )
        is_message = command.kind == email_commands.Kind.MESSAGE
        if is_message and not command.text and not parsed.attachments:
            raise _Refusal(
                "empty",
                _(
                    "Your reply was empty after removing the quoted text: there was no "
                    "new text and no attachment."
                ),
            )
        # Attachment files written before a refusal go with its rollback
        # (consilium.lib.stored_files).
        try:
            with transaction.atomic():
                refused = _execute(command, person, self.consultation, parsed, self.email, verified)
        except PermissionDenied:
            raise _Refusal(f"{command.kind} not allowed", _not_allowed(command.kind)) from None
        except ValidationError as exc:
            raise _Refusal(f"{command.kind} refused", " ".join(exc.messages)) from None
        reason = f"{command.kind} by {person.email}"
        if not verified:
            reason += " (sender not verified)"
        elif self.owner_confirmed:
            reason += " (confirmed by its owner)"
        if refused:
            names = ", ".join(name for name, _problem in refused)
            reason += f"; attachments refused: {names}"
            self._notice(person, refused)
        return _Outcome(InboundStatus.ACCEPTED, reason, self.consultation)

    def _bounce(self, refusal: _Refusal) -> _Outcome:
        reason = refusal.code
        parsed = self.parsed
        assert parsed is not None
        with translation.override(self.language):
            explanation = str(refusal.message)
            try:
                bounce = build_bounce(
                    parsed,
                    reason=explanation,
                    from_address=_from_address(),
                    to=_envelope_sender(self.email, parsed),
                )
            except BounceRefused as exc:
                return _Outcome(
                    InboundStatus.BOUNCED,
                    f"{reason}: {explanation} [no bounce sent: {exc}]",
                    self.consultation,
                )
        _queue(bounce.get_content(), bounce)
        return _Outcome(InboundStatus.BOUNCED, f"{reason}: {explanation}", self.consultation)

    def _notice(self, person: User, refused: Sequence[tuple[str, str]]) -> None:
        """The text was posted; tell the sender which attachments were not, and why."""
        parsed = self.parsed
        assert parsed is not None and self.consultation is not None
        with translation.override(person.language or self.language):
            url = settings.SITE_URL + reverse("consultations:detail", args=[self.consultation.pk])
            lines = [
                gettext("Hello,"),
                "",
                gettext(
                    "Your message was added to the consultation, but these attachments were "
                    "not, so nobody else can see them:"
                ),
                "",
                *(f"- {name}: {problem}" for name, problem in refused),
                "",
                gettext("You can attach them again, fixed, in a new reply or on the website:"),
                url,
                "",
                "-- ",
                gettext("This is an automatic message from Consilium."),
            ]
            subject = gettext("Attachments not added: %(subject)s") % {
                "subject": parsed.subject or gettext("(no subject)")
            }
            bounce = build_bounce(parsed, reason="-", from_address=_from_address(), to=person.email)
        bounce.replace_header("Subject", " ".join(subject.split())[:250])
        _queue("\n".join(lines) + "\n", bounce, to=person.email)


def _execute(
    command: email_commands.Command,
    person: User,
    consultation: Consultation,
    parsed: InboundMessage,
    email: InboundEmail,
    verified: bool = True,
) -> list[tuple[str, str]]:
    """Do what the reply asks, all or nothing; returns the attachments refused."""
    kind = email_commands.Kind
    files = [actions.Upload(a.filename, a.content) for a in parsed.attachments]
    if command.kind == kind.DECLINE and files:
        raise ValidationError(
            _(
                "Attachments cannot be sent with #decline. Decline in one reply, or post the "
                "files in the thread on the website."
            )
        )
    refused: list[tuple[str, str]] = []
    if command.kind == kind.ACCEPT:
        # Accept first: the text below it is then an accepted expert's first message.
        actions.accept(actor=person, consultation=consultation, source=MessageSource.EMAIL)
    if command.text or files:
        refused = _post(person, consultation, command.text, files, email.message_id, verified)
    if command.kind == kind.DECLINE:
        actions.decline(
            actor=person, consultation=consultation, reason=command.reason,
            source=MessageSource.EMAIL,
        )  # fmt: skip
    elif command.kind == kind.RECOMMEND:
        actions.save_recommendation(
            actor=person,
            consultation=consultation,
            fields={name: command.fields.get(name, "") for name in actions.RECOMMENDATION_FIELDS},
            finalise=True,
            source=MessageSource.EMAIL,
        )
    elif command.kind == kind.FOLLOWED:
        actions.answer_follow_up(
            actor=person,
            consultation=consultation,
            adherence=command.adherence,
            reasons=list(command.reasons),
            note=command.note,
        )
    return refused


def _post(
    person: User,
    consultation: Consultation,
    text: str,
    files: list[actions.Upload],
    message_id: str,
    verified: bool = True,
) -> list[tuple[str, str]]:
    """Post the text with the attachments de-identification accepts; the action refuses all
    files when one is bad, so on refusal the good ones are found and posted without the rest.
    """

    def post(uploads: list[actions.Upload]) -> None:
        actions.post_message(
            actor=person,
            consultation=consultation,
            body=text,
            files=uploads,
            source=MessageSource.EMAIL,
            email_message_id=message_id,
            sender_verified=verified,
        )

    try:
        post(files)
        return []
    except ValidationError as exc:
        if not files or "files" not in getattr(exc, "error_dict", {}):
            raise
    good, refused = [], []
    for upload in files:
        try:
            attachments.prepare(
                upload.filename, upload.data, pseudonym=consultation.patient.pseudonym
            )
        except AttachmentError as exc:
            refused.append((upload.filename, str(exc)))
        else:
            good.append(upload)
    if not text and not good:
        raise ValidationError(
            [gettext("None of the attachments could be accepted:")]
            + [f"{name}: {problem}" for name, problem in refused]
        )
    post(good)
    return refused


def _not_allowed(kind: str) -> Promise:
    return {
        email_commands.Kind.MESSAGE: _("You cannot write in this consultation."),
        email_commands.Kind.ACCEPT: _(
            "Only an expert to whom this consultation was offered can accept it."
        ),
        email_commands.Kind.DECLINE: _(
            "Only an expert to whom this consultation was offered can decline it."
        ),
        email_commands.Kind.RECOMMEND: _(
            "Only an expert on this consultation can give its recommendation."
        ),
        email_commands.Kind.FOLLOWED: _(
            "Only the team that asked for this consultation can say whether the "
            "recommendation was followed."
        ),
    }[kind]


def _find_token(email: InboundEmail, parsed: InboundMessage) -> ReplyToken:
    """The first valid reply token among the envelope recipients, then To/Cc/Delivered-To."""
    domain = settings.CONSILIUM_REPLY_DOMAIN.lower()
    seen: set[str] = set()
    problem: TokenError | None = None
    candidates = [
        *email.envelope_to,
        *parsed.to_addresses,
        *parsed.cc_addresses,
        *parsed.delivered_to,
    ]
    for address in candidates:
        address = str(address).strip().strip("<>").lower()
        local, _at, addr_domain = address.rpartition("@")
        if address in seen or addr_domain != domain or not local.startswith(LOCAL_PREFIX):
            continue
        seen.add(address)
        try:
            return parse_reply_address(
                address,
                secret=notify.reply_secret(),
                domain=domain,
                max_age_seconds=settings.CONSILIUM_REPLY_MAX_AGE_DAYS * 86400,
                # Its age when it reached us: a queue of unprocessed mail must not expire it.
                now=email.received_at.timestamp(),
            )
        except ExpiredToken as exc:
            problem = exc
        except InvalidToken as exc:
            problem = problem or exc
    if isinstance(problem, ExpiredToken):
        raise _Refusal("expired reply address", problem.message)
    if problem is not None:
        raise _Refusal(f"invalid reply address ({problem.code})", problem.message)
    raise _Refusal(
        "no reply address",
        _(
            "It was not sent to a Consilium reply address. Please reply to a notification "
            "email about the consultation, or write on the website."
        ),
    )


# --------------------------------------------------------------------------- held actions

STATE_CHANGING = frozenset(
    {email_commands.Kind.ACCEPT, email_commands.Kind.DECLINE, email_commands.Kind.RECOMMEND}
)
_HELD_SALT = "consilium.consultations.mail.held"
_CONFIRM_SUBJECT = re.compile(r"\[confirm (\d+)-([0-9a-f]{12})\]", re.IGNORECASE)


def held_code(email_pk: int, person_pk: int) -> str:
    """The code a second reply quotes (in its subject) to confirm a held action."""
    return salted_hmac(_HELD_SALT, f"{email_pk}:{person_pk}").hexdigest()[:12]


def held_link_token(email_pk: int, person_pk: int) -> str:
    return signing.dumps({"e": email_pk, "p": person_pk}, salt=_HELD_SALT)


def read_held_link_token(token: str) -> tuple[int, int] | None:
    """(email, person) from a confirm link, or None when forged or expired."""
    try:
        data = signing.loads(
            token, salt=_HELD_SALT, max_age=settings.CONSILIUM_MAIL_HOLD_HOURS * 3600
        )
        return int(data["e"]), int(data["p"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def _ask_owner_to_confirm(
    email: InboundEmail, person: User, consultation: Consultation, kind: str
) -> None:
    """Mail the token's owner, at their registered address (not the From: of the held
    mail), a one-click link and a subject code a second reply can carry."""
    url = settings.SITE_URL + reverse(
        "consultations:confirm_held", args=[held_link_token(email.pk, person.pk)]
    )
    code = f"[confirm {email.pk}-{held_code(email.pk, person.pk)}]"
    with translation.override(person.language or settings.LANGUAGE_CODE):
        lines = [
            gettext("Hello,"),
            "",
            gettext(
                "Consilium received a reply from your address asking to %(action)s in "
                "consultation %(pseudonym)s, but could not verify that it was sent by you. "
                "Nothing has been done yet."
            )
            % {"action": _action_words(kind), "pseudonym": consultation.patient.pseudonym},
            "",
            gettext("If it was you, confirm it (you will be asked to sign in):"),
            url,
            "",
            gettext(
                "or reply to this message without changing its subject. If it was not you, "
                "ignore this message: it expires in %(hours)s hours."
            )
            % {"hours": settings.CONSILIUM_MAIL_HOLD_HOURS},
            "",
            "-- ",
            gettext("This is an automatic message from Consilium."),
        ]
        subject = gettext("Please confirm: %(action)s") % {"action": _action_words(kind)}
    send_email.enqueue(
        subject=f"{subject} {code}",
        body="\n".join(lines) + "\n",
        to=[person.email],
        reply_to=[notify.reply_address(consultation, person)],
        headers={"Auto-Submitted": "auto-generated", LOOP_HEADER: "held"},
    )


def held_action_words(email: InboundEmail) -> str:
    """What a held message asks, in words, from its stored reason ("held: KIND by ...")."""
    words = email.reason.split()
    return _action_words(words[1] if len(words) > 1 else "")


def _action_words(kind: str) -> str:
    return {
        email_commands.Kind.ACCEPT: gettext("accept it"),
        email_commands.Kind.DECLINE: gettext("decline it"),
        email_commands.Kind.RECOMMEND: gettext("give the final recommendation"),
    }.get(kind, kind)


def _release_confirmed(
    parsed: InboundMessage, person: User, consultation: Consultation
) -> _Outcome | None:
    """A second reply carrying a held action's code carries that action out."""
    match = _CONFIRM_SUBJECT.search(parsed.subject or "")
    if match is None:
        return None
    email_pk, code = int(match.group(1)), match.group(2).lower()
    held = InboundEmail.objects.filter(
        pk=email_pk, status=InboundStatus.HELD, consultation=consultation
    ).first()
    if held is None or not hmac.compare_digest(code, held_code(email_pk, person.pk)):
        raise _Refusal(
            "confirmation not valid",
            _("There is no action waiting for your confirmation with this code."),
        )
    released = process(held, release=True)
    return _Outcome(
        InboundStatus.ACCEPTED,
        f"confirmed held message {email_pk}: {released.status}",
        consultation,
    )


# --------------------------------------------------------------------------- helpers


def _envelope_sender(email: InboundEmail, parsed: InboundMessage) -> str:
    """Whom a bounce may go to: the SMTP envelope sender, or when the message came from a
    file or a pipe without --sender, the Return-Path its delivering server wrote. "" when
    neither is known: then nobody is answered (the reason is kept on the stored row)."""
    if email.envelope_from:
        return "" if email.envelope_from == NULL_SENDER else email.envelope_from
    return_path = parsed.header("return-path") or ""
    pairs = getaddresses([return_path])
    return pairs[0][1] if len(pairs) == 1 else ""


def _from_address() -> str:
    return settings.DEFAULT_FROM_EMAIL


def _language_of_address(address: str) -> str:
    """Answer a known person in their language, anyone else in the installation's."""
    if address:
        person = User.objects.filter(email__iexact=address).only("language").first()
        if person is not None and person.language:
            return person.language
    return settings.LANGUAGE_CODE


def _queue(body: str, bounce, *, to: str | None = None) -> None:
    """Queue a bounce or notice (an ``EmailMessage`` from build_bounce) for the worker."""
    headers = {
        name: str(bounce[name])
        for name in (
            "Message-ID",
            "In-Reply-To",
            "References",
            "Auto-Submitted",
            LOOP_HEADER,
            "X-Auto-Response-Suppress",
        )
        if bounce[name] is not None
    }
    send_email.enqueue(
        subject=str(bounce["Subject"]),
        body=body,
        to=[to or str(bounce["To"])],
        headers=headers,
    )


def _stub_message(email: InboundEmail, raw: bytes) -> InboundMessage:
    """What can still be read of a message mail_parse gave up on: enough to answer its
    sender (the envelope sender first) and to recognise it as automatic."""
    headers: list[tuple[str, str]] = []
    subject = ""
    from_address = ""
    try:
        legacy = message_from_bytes(raw[:65536], policy=email_policy.compat32)
        headers = [(str(k), str(v)) for k, v in legacy.items()]
        subject = " ".join(str(legacy.get("subject", "")).split())[:200]
        pairs = getaddresses([str(v) for v in legacy.get_all("from", [])])
        from_address = next((a.lower() for _n, a in pairs if a.count("@") == 1), "")
    except Exception:  # the bytes are broken; the envelope may still say who sent them.
        logger.debug("could not read the headers of %s", email.message_id, exc_info=True)
    envelope = email.envelope_from.strip("<>").lower()
    if envelope and envelope.count("@") == 1:
        from_address = envelope
    return InboundMessage(
        message_id=email.message_id,
        message_id_generated=True,
        from_address=from_address,
        from_name="",
        to_addresses=(),
        cc_addresses=(),
        delivered_to=(),
        subject=subject,
        date=None,
        in_reply_to=None,
        references=(),
        reply_text="",
        full_text="",
        attachments=(),
        content_type="text/plain",
        headers=tuple(headers),
    )


# The worker's half of the gateway: the SMTP receiver stores, this processes. It lives beside
# ``store`` so queueing needs no import back into this module.
@task(queue_name="default")
def process_inbound(*, inbound_id: int) -> str:
    """Process one stored inbound email; a second run finds it processed and does nothing."""
    return process(inbound_id).status
