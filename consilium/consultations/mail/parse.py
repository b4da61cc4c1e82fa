"""Turn a raw inbound email into what the consultation gateway needs, without touching the DB.

Design notes:

- MIME parsing is the stdlib's (``email.policy.default``); everything around it is defensive,
  because inbound mail is written by every client ever shipped and by spammers.  The contract
  is: ``parse_inbound`` returns an ``InboundMessage`` (possibly with ``warnings``) or raises
  ``UnparseableMessage``, never anything else, so the gateway can always bounce with a reason.
- ``reply_text`` is what the expert actually wrote: quoted history, attributions ("On ... wrote:"
  in the languages of the network), Outlook header blocks, forwarded messages and signatures
  are cut.  In HTML, a citation (``<blockquote type="cite">``, Gmail's and Thunderbird's
  quote containers) is skipped and what follows it is kept, so an answer written below the
  quote (Thunderbird's default) or between quotes survives; an Outlook header ends the
  reply.  When unsure we keep text: losing a line of clinical advice is worse than showing a
  stray quote, and ``full_text`` always has everything.
- mail-parser-reply was evaluated and not used: it lacks Russian, Vietnamese and Uzbek, drops
  hyphen lists ("- start vincristine") as signatures and cuts at "Thanks,"; here every
  pattern is anchored to a whole line and tested against real client output.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, make_msgid, parsedate_to_datetime
from html.parser import HTMLParser
from typing import NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consilium.lib.text_input import storable_text

__all__ = [
    "LOOP_HEADER",
    "Attachment",
    "BounceRefused",
    "InboundMessage",
    "ParseWarning",
    "UnparseableMessage",
    "build_bounce",
    "decode_bytes",
    "extract_reply",
    "html_to_text",
    "is_auto_reply",
    "parse_inbound",
]

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 50 * 1024 * 1024
MAX_MIME_DEPTH = 25
# Set on everything the gateway sends, so a reply to our own bounce is recognised as a loop.
LOOP_HEADER = "X-Consilium-Loop"
GENERATED_ID_DOMAIN = "generated.consilium.invalid"


# --------------------------------------------------------------------------- results & errors


class Attachment(NamedTuple):
    filename: str
    content_type: str
    content: bytes


class ParseWarning(NamedTuple):
    """Something was repaired or guessed. ``code`` is stable; ``detail`` is diagnostic."""

    code: str
    detail: str = ""


@dataclass(frozen=True)
class InboundMessage:
    message_id: str
    message_id_generated: bool
    from_address: str
    from_name: str
    to_addresses: tuple[str, ...]
    cc_addresses: tuple[str, ...]
    delivered_to: tuple[str, ...]
    subject: str
    date: datetime | None
    in_reply_to: str | None
    references: tuple[str, ...]
    reply_text: str
    full_text: str
    attachments: tuple[Attachment, ...]
    content_type: str
    headers: tuple[tuple[str, str], ...] = field(repr=False)
    warnings: tuple[ParseWarning, ...] = ()

    def header(self, name: str) -> str | None:
        """First value of header ``name`` (case-insensitive), decoded, or None."""
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self.headers if key.lower() == name]

    @property
    def recipients(self) -> tuple[str, ...]:
        """Every address the message was sent or delivered to, deduplicated, in order."""
        return tuple(dict.fromkeys((*self.delivered_to, *self.to_addresses, *self.cc_addresses)))


class UnparseableMessage(ValueError):
    """The bytes are not an email we can read. ``message`` says why, for the bounce."""

    default_message: Promise | str = _("This message could not be read as an email.")

    def __init__(self, code: str, message: Promise | str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else self.default_message
        super().__init__(code)

    def __str__(self) -> str:
        return str(self.message)


class BounceRefused(ValueError):
    """Bouncing this message would risk a mail loop or has nobody to go to."""


# --------------------------------------------------------------------------- parse_inbound


def parse_inbound(raw: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> InboundMessage:
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise TypeError("parse_inbound() expects the raw message as bytes")
    raw = bytes(raw)
    if len(raw) > max_bytes:
        raise UnparseableMessage(
            "too-large",
            _("The message is too large. Please send large files on the website instead."),
        )
    if not raw.strip():
        raise UnparseableMessage("empty", _("The message is empty."))
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        return _build(msg, raw)
    except UnparseableMessage:
        raise
    except Exception as exc:  # the contract is "InboundMessage or Unparseable".
        logger.warning("inbound mail could not be parsed", exc_info=True)
        raise UnparseableMessage(
            "broken-mime",
            _(
                "The structure of the message is damaged and it could not be read. Please "
                "send it again, or paste the text into a new message."
            ),
        ) from exc


_KNOWN_HEADERS = frozenset(
    {"from", "to", "cc", "subject", "date", "message-id", "mime-version", "received",
     "return-path", "delivered-to", "sender", "reply-to", "in-reply-to", "references"}
)  # fmt: skip


def _build(msg: EmailMessage, raw: bytes) -> InboundMessage:
    warnings: list[ParseWarning] = []
    headers = _decoded_headers(msg, warnings)
    if not any(name.lower() in _KNOWN_HEADERS for name, _value in headers):
        raise UnparseableMessage(
            "no-headers",
            _("This is not an email message: it has no From, To, Subject or Date header."),
        )
    first = {}
    for name, value in headers:
        first.setdefault(name.lower(), value)

    from_name, from_address = "", ""
    from_list = _addresses(msg, "from", warnings)
    if from_list:
        from_name, from_address = from_list[0]
    else:
        warnings.append(ParseWarning("no-sender", first.get("from", "")))

    message_ids = _msg_ids(first.get("message-id", ""))
    if message_ids:
        message_id, generated = message_ids[0], False
    else:
        message_id, generated = _generated_message_id(msg, raw), True
        warnings.append(ParseWarning("no-message-id"))

    date = None
    if first.get("date"):
        date = _parse_date(first["date"])
        if date is None:
            warnings.append(ParseWarning("bad-date", first["date"][:100]))

    in_reply_to = _msg_ids(first.get("in-reply-to", ""))
    walker = _Walker(warnings)
    walker.walk(msg, 0)
    for part in msg.walk():
        for defect in getattr(part, "defects", ()):
            warnings.append(ParseWarning("malformed-mime", type(defect).__name__))

    reply_text = walker.reply_text()
    full_text = walker.full_text()
    if not reply_text and full_text:
        warnings.append(ParseWarning("no-new-text"))

    return InboundMessage(
        message_id=message_id,
        message_id_generated=generated,
        from_address=from_address,
        from_name=from_name,
        to_addresses=tuple(a for _n, a in _addresses(msg, "to", warnings)),
        cc_addresses=tuple(a for _n, a in _addresses(msg, "cc", warnings)),
        delivered_to=tuple(
            dict.fromkeys(
                a
                for name in ("delivered-to", "x-original-to", "envelope-to")
                for _n, a in _addresses(msg, name, warnings)
            )
        ),
        subject=_one_line(first.get("subject", "")),
        date=date,
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=tuple(dict.fromkeys(_msg_ids(first.get("references", "")))),
        reply_text=reply_text,
        full_text=full_text,
        attachments=tuple(walker.attachments),
        content_type=_safe(msg.get_content_type, "text/plain"),
        headers=tuple(headers),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _safe(fn, default):
    try:
        return fn()
    except Exception:  # header parsing bugs must not lose the message.
        return default


def _fix_surrogates(text: str) -> str:
    # BytesParser keeps undeclared 8-bit header bytes as surrogate escapes; RFC 6532 says UTF-8.
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return storable_text(text)


def _decoded_headers(msg: Message, warnings: list[ParseWarning]) -> list[tuple[str, str]]:
    out = []
    for name, raw_value in msg.raw_items():
        try:
            value = str(msg.policy.header_fetch_parse(name, raw_value))
        except Exception:
            warnings.append(ParseWarning("bad-header", name))
            value = re.sub(r"\r?\n(?=[ \t])", "", str(raw_value))
        out.append((str(name), _fix_surrogates(value)))
    return out


def _addresses(msg: Message, name: str, warnings: list[ParseWarning]) -> list[tuple[str, str]]:
    """(display name, lower-cased addr-spec) pairs from every ``name`` header."""
    out: list[tuple[str, str]] = []
    for header in _safe(lambda: msg.get_all(name) or [], []):
        try:
            pairs = [(a.display_name, a.addr_spec) for a in header.addresses]
        except Exception:  # fall back to the lenient compat parser.
            pairs = getaddresses([str(header)])
        for display, addr in pairs:
            addr = _fix_surrogates(addr).strip().strip("<>").lower()
            if (
                addr.count("@") == 1
                and addr.isprintable()
                and not any(ch.isspace() for ch in addr)
                and addr.split("@")[0]
                and "." in addr.split("@")[1]
            ):
                out.append((_one_line(_fix_surrogates(display)), addr))
            elif addr:
                warnings.append(ParseWarning("bad-address", f"{name}: {addr[:100]}"))
    return out


_MSGID_RE = re.compile(r"<([^<>\s]+)>")


def _msg_ids(value: str) -> list[str]:
    ids = _MSGID_RE.findall(value)
    if not ids:
        # Some clients send bare ids; accept one token that looks like local@domain.
        ids = [tok for tok in value.split() if "@" in tok and "<" not in tok and ">" not in tok]
    return [i for i in ids if len(i) <= 500 and i.isprintable()]


def _generated_message_id(msg: Message, raw: bytes) -> str:
    # Hash what the sender wrote, not trace headers added in transit (Received,
    # Delivered-To...), so the same message delivered twice still gets the same id.
    digest = hashlib.sha256()
    for name in ("from", "to", "cc", "subject", "date", "in-reply-to"):
        for value in _safe(lambda n=name: msg.get_all(n) or [], []):
            digest.update(name.encode() + b":" + _safe(lambda v=value: str(v), "").encode(
                "utf-8", "surrogateescape") + b"\n")  # fmt: skip
    separator = re.search(rb"\r?\n\r?\n", raw)
    digest.update(raw[separator.end() :] if separator else raw)
    return f"{digest.hexdigest()[:40]}@{GENERATED_ID_DOMAIN}"


def _parse_date(value: str) -> datetime | None:
    try:
        date = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if date.tzinfo is None:
        # RFC 5322: "-0000" means UTC with no information about the local zone.
        date = date.replace(tzinfo=UTC)
    return date


def _one_line(text: str) -> str:
    return " ".join(storable_text(text).split())


# --------------------------------------------------------------------------- MIME walk


_SIGNATURE_TYPES = frozenset(
    {"application/pgp-signature", "application/pkcs7-signature",
     "application/x-pkcs7-signature"}
)  # fmt: skip


@dataclass
class _Text:
    full: str
    reply: str
    cut: bool  # quoted history started inside this part; later parts are history too


class _Walker:
    """Collects body text and attachments, treating attached messages as documents."""

    def __init__(self, warnings: list[ParseWarning]) -> None:
        self.warnings = warnings
        self.texts: list[_Text] = []
        self.forwarded: list[str] = []
        self.attachments: list[Attachment] = []
        self._seen: set[tuple[str, str]] = set()

    def reply_text(self) -> str:
        out = []
        for text in self.texts:
            if text.reply:
                out.append(text.reply)
            if text.cut:
                break
        return _tidy("\n\n".join(out))

    def full_text(self) -> str:
        parts = [t.full for t in self.texts if t.full]
        parts += self.forwarded
        return _tidy("\n\n".join(parts))

    def walk(self, part: Message, depth: int) -> None:
        if depth > MAX_MIME_DEPTH:
            self.warnings.append(ParseWarning("too-deep"))
            return
        ctype = _safe(part.get_content_type, "application/octet-stream")
        maintype = ctype.split("/")[0]
        if ctype in ("message/rfc822", "message/global"):
            self._forwarded(part, depth)
        elif maintype == "message":
            # Delivery and read reports: keep them readable for whoever investigates.
            self._attach(part, _message_part_bytes(part), ctype)
        elif maintype == "multipart":
            payload = _safe(part.get_payload, None)
            if not isinstance(payload, list):
                # Declared multipart without a usable boundary: read it as text.
                self.warnings.append(ParseWarning("malformed-mime", "multipart without parts"))
                self._add_text("plain", _decode_payload(part, self.warnings), part)
            elif part.get_content_subtype() == "alternative":
                self._alternative(payload, depth)
            else:
                for sub in payload:
                    if isinstance(sub, Message):
                        self.walk(sub, depth + 1)
        else:
            self._leaf(part, ctype)

    def _alternative(self, parts: list, depth: int) -> None:
        # Read every alternative (attachments may hide in the HTML branch, e.g. Apple Mail's
        # inline images) but keep the text of one: plain text if it has any, else the richest.
        branches = []
        for sub in parts:
            if not isinstance(sub, Message):
                continue
            branch = _Walker(self.warnings)
            branch._seen = self._seen
            branch.walk(sub, depth + 1)
            self.attachments.extend(branch.attachments)
            self.forwarded.extend(branch.forwarded)
            is_plain = _safe(sub.get_content_type, "") == "text/plain"
            branches.append((is_plain, branch.texts))
        with_text = [b for b in branches if any(t.full.strip() for t in b[1])]
        chosen = next((b for b in with_text if b[0]), with_text[-1] if with_text else None)
        if chosen:
            self.texts.extend(chosen[1])

    def _leaf(self, part: Message, ctype: str) -> None:
        disposition = _safe(part.get_content_disposition, None)
        filename = _safe(part.get_filename, None)
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            self._add_text(ctype[5:], _decode_payload(part, self.warnings), part)
            return
        if ctype in _SIGNATURE_TYPES:
            return
        if ctype == "application/ms-tnef":
            self.warnings.append(ParseWarning("tnef", filename or "winmail.dat"))
        content = _safe(lambda: part.get_payload(decode=True), None)
        if not isinstance(content, bytes):
            content = b""
        self._attach(part, content, ctype, filename)

    def _add_text(self, subtype: str, text: str, part: Message) -> None:
        if subtype == "html":
            full = html_to_text(text)
            reply_html, stopped = _html_to_text(text, stop_at_quote=True)
            reply, cut = _extract_reply(reply_html)
            cut = cut or stopped
        else:
            if _safe(lambda: (part.get_param("format") or "").lower(), "") == "flowed":
                delsp = _safe(lambda: (part.get_param("delsp") or "").lower(), "") == "yes"
                text = _unflow(text, delsp=delsp)
            full = text
            reply, cut = _extract_reply(text)
        self.texts.append(_Text(full=_tidy(full), reply=reply, cut=cut))

    def _forwarded(self, part: Message, depth: int) -> None:
        payload = _safe(part.get_payload, None)
        inner = payload[0] if isinstance(payload, list) and payload else None
        if not isinstance(inner, Message):
            self._attach(part, _message_part_bytes(part), "message/rfc822")
            return
        sub = _Walker(self.warnings)
        sub._seen = self._seen
        sub.walk(inner, depth + 1)
        subject = _one_line(_fix_surrogates(_safe(lambda: str(inner.get("subject", "")), "")))
        lines = [gettext("---------- Forwarded message ----------")]
        for label, name in (
            (gettext("From"), "from"),
            (gettext("Date"), "date"),
            (gettext("Subject"), "subject"),
            (gettext("To"), "to"),
        ):
            value = _one_line(_fix_surrogates(_safe(lambda n=name: str(inner.get(n, "")), "")))
            if value:
                lines.append(f"{label}: {value}")
        body = sub.full_text()
        self.forwarded.append("\n".join(lines) + ("\n\n" + body if body else ""))
        filename = _safe(part.get_filename, None)
        if not filename:
            filename = f"{_sanitise_filename(subject)[:80] or 'forwarded-message'}.eml"
        self._attach(part, _message_bytes(inner), "message/rfc822", filename)
        self.attachments.extend(sub.attachments)

    def _attach(
        self, part: Message, content: bytes, ctype: str, filename: str | None = None
    ) -> None:
        name = _sanitise_filename(filename or "")
        if not name:
            ext = _EXTENSIONS.get(ctype) or mimetypes.guess_extension(ctype) or ".bin"
            name = f"attachment-{len(self.attachments) + 1}{ext}"
        key = (name, hashlib.sha256(content).hexdigest())
        if key in self._seen:
            return
        self._seen.add(key)
        self.attachments.append(Attachment(name, ctype, content))


def _message_bytes(msg: Message) -> bytes:
    for pol in (policy.SMTP, policy.compat32):
        try:
            return msg.as_bytes(policy=pol)
        except Exception:  # noqa: S112 - try the next, more lenient generator.
            continue
    return b""


def _message_part_bytes(part: Message) -> bytes:
    payload = _safe(part.get_payload, None)
    if isinstance(payload, list):
        return b"\r\n".join(_message_bytes(p) for p in payload if isinstance(p, Message))
    content = _safe(lambda: part.get_payload(decode=True), None)
    return content if isinstance(content, bytes) else b""


_EXTENSIONS = {
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "text/rfc822-headers": ".txt",
    "message/rfc822": ".eml",
}
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')


def _sanitise_filename(name: str) -> str:
    name = _fix_surrogates(str(name))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME.sub("_", unicodedata.normalize("NFC", name)).strip(" .")
    return name[:200]


# --------------------------------------------------------------------------- charsets


def _decode_payload(part: Message, warnings: list[ParseWarning]) -> str:
    payload = _safe(lambda: part.get_payload(decode=True), None)
    if not isinstance(payload, bytes):
        payload = _safe(lambda: str(part.get_payload()), "").encode("utf-8", "surrogateescape")
    charset = _safe(lambda: part.get_param("charset"), None)
    if isinstance(charset, tuple):  # RFC 2231-encoded parameter
        charset = charset[2]
    if not charset and _safe(part.get_content_subtype, "") == "html":
        meta = re.search(rb"""<meta[^>]+charset=["']?([\w.:-]+)""", payload[:4096], re.I)
        charset = meta.group(1).decode("ascii") if meta else None
    # A NUL in the text would be stored on SQLite and refused by PostgreSQL (the mail then
    # retried for ever): what arrived by mail is kept, without it.
    return storable_text(
        decode_bytes(payload, charset if isinstance(charset, str) else None, warnings)
    )


def decode_bytes(payload: bytes, charset: str | None, warnings: list[ParseWarning]) -> str:
    """Decode text in its declared charset; unknown or wrong charsets degrade, never fail."""
    if charset:
        name = charset.strip().strip("\"'").lower()
        try:
            return payload.decode(name)
        except LookupError:  # unknown, or not a text encoding at all ("zlib", "rot13"...)
            warnings.append(ParseWarning("unknown-charset", name[:60]))
        except UnicodeDecodeError:
            if name in ("us-ascii", "ascii", "utf-8", "utf8"):
                # Mislabelled 8-bit mail is common; fall through to the guessing below.
                warnings.append(ParseWarning("charset-mismatch", name))
            else:
                warnings.append(ParseWarning("decode-errors", name))
                return payload.decode(name, "replace")
        except Exception:  # some codecs raise odd errors on odd input.
            warnings.append(ParseWarning("unknown-charset", name[:60]))
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = payload.decode("utf-8", "replace")
    # Mostly UTF-8 with a few broken bytes: keep it. Otherwise it is some 8-bit charset;
    # latin-1 never fails and keeps every byte visible.
    if text.count("\ufffd") * 50 <= len(text):
        warnings.append(ParseWarning("charset-fallback", "utf-8"))
        return text
    warnings.append(ParseWarning("charset-fallback", "latin-1"))
    return payload.decode("latin-1")


# --------------------------------------------------------------------------- HTML to text


_SKIP_TAGS = frozenset({"script", "style", "title", "template", "noscript", "head", "xml"})
_BLOCK_TAGS = frozenset(
    {"div", "p", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
     "section", "article", "header", "footer", "address", "dd", "dt", "dl", "hr", "center",
     "form", "fieldset", "figure", "figcaption", "main", "nav", "aside", "tbody", "thead"}
)  # fmt: skip
# Containers that hold the quoted history itself, or its attribution: skipped, and what
# follows them is read (Thunderbird answers below the quote, anyone may answer in between).
_CITE_CLASSES = frozenset(
    {"gmail_quote", "gmail_quote_container", "gmail_attr", "moz-cite-prefix", "yahoo_quoted",
     "protonmail_quote"}
)  # fmt: skip
# Headers of a quoted message whose body follows as their siblings: everything after is history.
_QUOTE_CLASSES = frozenset({"zmail_extra", "outlookmessageheader"})
_QUOTE_IDS = frozenset(
    {"divrplyfwdmsg", "x_divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container",
     "reply-intro", "isforwardcontent", "isreplycontent"}
)  # fmt: skip


class _HtmlToText(HTMLParser):
    def __init__(self, *, stop_at_quote: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.stop_at_quote = stop_at_quote
        self.stopped = False
        self.lines: list[str] = []
        self.current = ""
        self.skip = 0
        self.cite: list = []  # [tag, nesting] of the quoted container being skipped
        self.cited = False  # some quoted history was skipped
        self.quote_depth = 0
        self.pre = 0
        self.p_is_line = False
        self.lists: list[list] = []  # [tag, counter]
        self.links: list[tuple[str, int]] = []

    # output helpers
    def _newline(self) -> None:
        prefix = "> " * self.quote_depth
        self.lines.append((prefix + self.current).rstrip() if self.current else prefix.rstrip())
        self.current = ""

    def _break(self) -> None:
        if self.current.strip():
            self._newline()
        else:
            self.current = ""

    def _paragraph(self) -> None:
        self._break()
        if self.lines and self.lines[-1].strip("> "):
            self.lines.append(("> " * self.quote_depth).rstrip())

    def text(self) -> str:
        if self.current:
            self._newline()
        return "\n".join(self.lines)

    # parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        if tag == "body":
            self.skip = 0  # an unclosed <head> must not hide the body
            return
        if tag in _SKIP_TAGS:
            self.skip += 1
            return
        if self.skip:
            return
        if self.cite:
            self.cite[1] += tag == self.cite[0]
            return
        attr = {k: (v or "") for k, v in attrs}
        classes = set(attr.get("class", "").lower().split())
        is_cite = tag == "blockquote" and (
            attr.get("type", "").lower() == "cite" or any("quote" in c for c in classes)
        )
        if self.stop_at_quote and (is_cite or classes & _CITE_CLASSES):
            self._break()
            self.cite = [tag, 1]
            self.cited = True
            return
        if self.stop_at_quote and (
            classes & _QUOTE_CLASSES
            or attr.get("id", "").lower() in _QUOTE_IDS
            or (tag == "div" and "border-top:solid #e1e1e1" in attr.get("style", "").lower())
        ):
            self.stopped = True
            return
        if tag == "br":
            self._newline()
        elif tag == "blockquote":
            self._break()
            self.quote_depth += 1
        elif tag == "p":
            # Outlook writes one <p class=MsoNormal> per line; real paragraphs get a blank line.
            self.p_is_line = any(c.startswith("mso") for c in classes)
            self._break() if self.p_is_line else self._paragraph()
        elif tag in ("ul", "ol"):
            self._break()
            self.lists.append([tag, 0])
        elif tag == "li":
            self._break()
            if self.lists and self.lists[-1][0] == "ol":
                self.lists[-1][1] += 1
                self.current = f"{self.lists[-1][1]}. "
            else:
                self.current = "- "
        elif tag == "pre":  # a block whose line breaks are kept (Thunderbird's signature)
            self._break()
            self.pre += 1
        elif tag in _BLOCK_TAGS:
            self._break()
        elif tag in ("td", "th"):
            if self.current and not self.current.endswith(" "):
                self.current += " "
        elif tag == "a":
            self.links.append((attr.get("href", ""), len(self.current)))
        if tag == "div" and "gmail_signature" in classes:
            self._break()
            if not (self.lines and self.lines[-1].strip() == "--"):
                self.lines.append("-- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            return  # <script/> does not open anything
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "hr", "img", "input", "meta", "link", "wbr"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.stopped:
            return
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if self.cite:
            if tag == self.cite[0]:
                self.cite[1] -= 1
                if not self.cite[1]:
                    self.cite = []
            return
        if tag == "blockquote":
            self._break()
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag == "p" and self.p_is_line:
            # An empty Outlook paragraph (<o:p>&nbsp;</o:p>) is how it writes a blank line.
            if self.current.strip():
                self._newline()
            else:
                self.current = ""
                self.lines.append(("> " * self.quote_depth).rstrip())
        elif tag == "p":
            self._paragraph()
        elif tag in ("ul", "ol"):
            self._break()
            if self.lists:
                self.lists.pop()
        elif tag == "pre":
            self._break()
            self.pre = max(0, self.pre - 1)
        elif tag in _BLOCK_TAGS:
            self._break()
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = self.current[start:].strip()
            if href.lower().startswith(("http://", "https://")) and label and label != href:
                self.current += f" <{href}>"

    def handle_data(self, data: str) -> None:
        if self.stopped or self.skip or self.cite:
            return
        data = data.replace("\xa0", " ")
        if self.pre:
            chunks = data.replace("\r\n", "\n").split("\n")
            for i, chunk in enumerate(chunks):
                if i:
                    self._newline()
                self.current += chunk
            return
        data = re.sub(r"\s+", " ", data)
        if not self.current or self.current.endswith(" "):
            data = data.lstrip()
        self.current += data


def _html_to_text(html: str, *, stop_at_quote: bool) -> tuple[str, bool]:
    parser = _HtmlToText(stop_at_quote=stop_at_quote)
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient, but never fail the message.
        logger.debug("html.parser failed", exc_info=True)
    return _tidy(parser.text()), parser.stopped or parser.cited


def html_to_text(html: str) -> str:
    """Readable plain text from an HTML mail body: scripts and styles gone, quotes as "> "."""
    return _html_to_text(html, stop_at_quote=False)[0]


# --------------------------------------------------------------------------- format=flowed


def _unflow(text: str, *, delsp: bool) -> str:
    """Undo RFC 3676 soft line breaks so paragraphs are not cut at 72 columns."""
    out: list[tuple[int, str]] = []
    para: str | None = None
    para_depth = 0
    for raw_line in text.replace("\r\n", "\n").split("\n"):
        depth = len(raw_line) - len(raw_line.lstrip(">"))
        line = raw_line[depth:]
        if line.startswith(" "):
            line = line[1:]  # space-stuffing
        flowed = line.endswith(" ") and line != "-- "
        if flowed and delsp:
            line = line[:-1]
        if para is not None and para_depth != depth:
            out.append((para_depth, para))
            para = None
        if para is None:
            para, para_depth = line, depth
        else:
            para += line
        if not flowed:
            out.append((para_depth, para))
            para = None
    if para is not None:
        out.append((para_depth, para))
    return "\n".join(("> " * d + line) if d else line for d, line in out)


# --------------------------------------------------------------------------- quote stripping

# Attribution lines ("On <date>, <name> wrote:") as Gmail, Apple Mail, Thunderbird and Outlook
# write them in the network's languages.  Matched against up to three joined lines, since
# clients wrap long attributions.
_ATTRIBUTION_RES = [
    re.compile(p, re.IGNORECASE)
    for p in (
        # English: Gmail, Apple Mail, Thunderbird, Outlook mobile
        r"^on\b.{4,300}\b(?:wrote|writes|said)\s*:$",
        # French
        r"^le\b.{4,300}\ba\s+écrit\s*:$",
        # Russian: Thunderbird/Apple "пишет:", "написал(а):"; Gmail has no verb at all
        r"^.{4,300}\s(?:пишет|писал|написал|написала|написал\(а\)|написали)\s*:$",
        r"^(?:(?:пн|вт|ср|чт|пт|сб|вс),?\s+)?\d{1,2}\s+[а-яё]+\.?\s+\d{4}\s*г\.?,?\s*"
        r"в\s+\d{1,2}:\d{2},?\s.{0,200}<[^<>\s]+@[^<>\s]+>\s*:$",
        # Yandex, in every language: "03.06.2024, 10:00, "Name" <a@b>:"
        r"^\d{1,2}\.\d{1,2}\.\d{4},\s*\d{1,2}:\d{2},\s.{0,200}<[^<>\s]+@[^<>\s]+>\s*:$",
        # Vietnamese: Gmail "Vào Th 2, 3 thg 6, 2024 lúc 10:00 Name <a@b> đã viết:"
        r"^.{4,300}\sđã\s+viết\s*:$",
        # Uzbek (Latin and Cyrillic)
        r"^.{4,300}\s(?:yozdi|yozgan|ёзди|ёзган)\s*:$",
        # German and Spanish partners are common enough to be worth two lines
        r"^am\b.{4,300}\bschrieb\b.{0,200}:$",
        r"^el\b.{4,300}\bescribió\s*:$",
    )
]
# Without a date these are only trusted when quoted lines follow ("As Anna wrote:" is prose).
_WEAK_ATTRIBUTION_RE = re.compile(
    r"^.{1,200}\b(?:wrote|a écrit|пишет|написал\(а\)|написал|đã viết|yozdi)\s*:$", re.I
)

_HEADER_KEYS = {
    "from": r"from|de|от|từ|kimdan|von|van|da|od|fra|de parte de",
    "date": r"sent|date|envoyé|отправлено|дата|đã gửi|ngày|ngày gửi|gesendet|datum|"
    r"yuborildi|yuborilgan|sana|enviado|fecha",
    "to": r"to|à|a|кому|đến|tới|gửi đến|an|kimga|para|aan",
    "cc": r"cc|копия|kopiya|bản sao|bcc",
    "subject": r"subject|objet|тема|chủ đề|tiêu đề|betreff|mavzu|asunto|onderwerp",
}
_HEADER_LINE_RE = re.compile(
    r"^[>\s]*\**\s*(?P<key>"
    + "|".join(f"(?P<{k}>{v})" for k, v in _HEADER_KEYS.items())
    + r")\s*\**\s*:\s*\**\s*\S",
    re.IGNORECASE,
)
_SEPARATOR_RE = re.compile(
    r"^\s*-{2,}\s*(?:original message|message d'origine|исходное сообщение|"
    r"оригинальное сообщение|thư gốc|tin nhắn gốc|asl xabar|asl xat|"
    r"forwarded message|message transféré|пересылаемое сообщение|"
    r"переадресованное сообщение|thư được chuyển tiếp|thư đã chuyển tiếp|"
    r"tin nhắn đã chuyển tiếp|yo.naltirilgan xabar|uzatilgan xabar|"
    r"ursprüngliche nachricht|weitergeleitete nachricht|mensaje original)\s*-{2,}\s*$"
    r"|^\s*(?:begin forwarded message|début du message réexpédié|"
    r"начало пересылаемого сообщения|bắt đầu thư được chuyển tiếp)\s*:\s*$",
    re.IGNORECASE,
)
_DEVICE = (
    r"(?:iphone|ipad|android|samsung|galaxy|huawei|xiaomi|blackberry|mobile|smartphone|outlook"
    r"|yahoo|gmail|mail\.ru|телефон\w*|мобильн\w*|смартфон\w*|устройств\w*|яндекс\S*"
    r"|điện thoại\S*|thiết bị\S*|di động)"
)
_MOBILE_SIGNATURE_RE = re.compile(
    r"^\s*(?:sent from my .{1,50}|sent from (?:outlook|mail|yahoo mail|gmail)\b.{0,50}"
    r"|get outlook for .{1,50}|sent from .{1,30} for (?:ios|android)"
    r"|envoyé de mon .{1,50}|envoyé depuis .{0,20}" + _DEVICE + r".{0,30}"
    r"|отправлено (?:с|из) .{0,20}" + _DEVICE + r".{0,30}"
    r"|(?:được )?gửi từ .{0,20}" + _DEVICE + r".{0,30}"
    r"|.{1,40}dan yuborildi|von meinem .{1,40} gesendet|enviado desde mi .{1,40})\s*$",
    re.IGNORECASE,
)
_CID_PLACEHOLDER_RE = re.compile(r"^\[cid:[^\]]+\]$", re.IGNORECASE)
_RULE_RE = re.compile(r"^\s*[_\-=*]{5,}\s*$")
_QUOTED_RE = re.compile(r"^\s*>")
_NUMERIC_COMPARISON_RE = re.compile(r"^\s*>\s*=?\s*\d")


def _normalise_line(line: str) -> str:
    line = unicodedata.normalize("NFC", line)
    return re.sub(r"[\u00a0\u202f\u2007\t]", " ", line).strip()


def _attribution_length(lines: list[str], i: int) -> tuple[int, bool]:
    """How many lines (1-3) an attribution starting at ``i`` spans, and whether it is strong."""
    for span in (1, 2, 3):
        chunk = lines[i : i + span]
        if len(chunk) < span or any(not c.strip() or _QUOTED_RE.match(c) for c in chunk):
            break
        candidate = _normalise_line(" ".join(c.strip() for c in chunk))
        if len(candidate) > 400:
            break
        if any(r.match(candidate) for r in _ATTRIBUTION_RES):
            return span, bool(re.search(r"\d", candidate))
        if _WEAK_ATTRIBUTION_RE.match(candidate):
            return span, False
    return 0, False


def _is_header_block(lines: list[str], i: int) -> bool:
    """Outlook and forwarded-message header blocks: From: ... plus two other header lines,
    with no blank line in between (a wrapped "To:" list may continue on unlabelled lines).
    A reply that starts "From: ... / To: ..." above a real block is prose, not the block."""
    match = _HEADER_LINE_RE.match(_normalise_line(lines[i]))
    if not match or not match.group("from"):
        return False
    seen = set()
    for line in lines[i + 1 : i + 9]:
        if not line.strip(" >"):
            break
        other = _HEADER_LINE_RE.match(_normalise_line(line))
        if other:
            seen.add(next(k for k in _HEADER_KEYS if other.group(k)))
    seen.discard("from")
    return len(seen) >= 2


def _next_content_line(lines: list[str], i: int) -> str | None:
    for line in lines[i:]:
        if line.strip():
            return line
    return None


def _is_quoted(lines: list[str], i: int) -> bool:
    line = lines[i]
    if not _QUOTED_RE.match(line):
        return False
    if _NUMERIC_COMPARISON_RE.match(line):
        # "> 5 cm mass", ">10% blasts": prose, unless it sits inside a quoted block.
        prev = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].strip()), "")
        nxt = _next_content_line(lines, i + 1) or ""
        return bool(_QUOTED_RE.match(prev) or _QUOTED_RE.match(nxt))
    return True


def _extract_reply(text: str) -> tuple[str, bool]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [line.replace("\ufeff", "").replace("\u200b", "").rstrip() for line in lines]
    out: list[str] = []
    cut = False
    i = 0
    while i < len(lines):
        line = lines[i]
        plain = _normalise_line(line)
        if line.rstrip() == "--" or line == "-- " or _MOBILE_SIGNATURE_RE.match(plain):
            cut = True
            break
        if _SEPARATOR_RE.match(plain) or _is_header_block(lines, i):
            cut = True
            break
        span, strong = _attribution_length(lines, i)
        if span:
            following = _next_content_line(lines, i + span)
            if following is not None and _QUOTED_RE.match(following):
                # Quoted history follows: drop the attribution and the quoted block under it,
                # whatever its lines start with (a one-line "> 25% blasts" is history, not a
                # comparison), and keep any answers below it.
                cut = True
                i += span
                while not lines[i].strip():
                    i += 1
                while i < len(lines) and _QUOTED_RE.match(lines[i]):
                    i += 1
                continue
            if strong or following is None:
                cut = True
                break
        if _CID_PLACEHOLDER_RE.match(plain):
            i += 1  # Outlook's stand-in for an inline image; the image is an attachment.
            continue
        if _is_quoted(lines, i):
            cut = True
            i += 1
            continue
        out.append(line)
        i += 1
    while out and (not out[-1].strip() or _RULE_RE.match(out[-1])):
        out.pop()
    return _tidy("\n".join(out)), cut


def extract_reply(text: str) -> str:
    """The new text of a plain-text reply, without quoted history and signatures."""
    return _extract_reply(text)[0]


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n").rstrip()


# --------------------------------------------------------------------------- auto-replies

_OOF_SUBJECT_RE = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|tr|ответ|отв|sv)\s*:\s*)*(?:"
    r"auto(?:matic)?[ -]?reply|auto(?:matic)? response|autoreply|auto:|out of (?:the )?office"
    r"|away from (?:the )?office|on vacation|undeliver(?:able|ed)|delivery status notification"
    r"|mail delivery (?:failed|failure|system)|returned mail|delivery failure"
    r"|réponse automatique|absent(?:e)? du bureau|absence du bureau|message d'absence"
    r"|non remis|échec de (?:la )?remise"
    r"|автоматический ответ|автоответ|вне офиса|нет на месте|в отпуске|не доставлено"
    r"|недоставленное сообщение|недоставляемое"
    r"|trả lời tự động|phản hồi tự động|vắng mặt|không có mặt tại văn phòng|không thể gửi"
    r"|avtomatik javob|avtomatik xabar|ofisda emasman|ishda emasman|ta'tildaman|ta.tilda"
    r"|автоматик жавоб|abwesenheitsnotiz|automatische antwort|respuesta automática)",
    re.IGNORECASE,
)
_NULL_SENDERS = re.compile(r"^(?:mailer-daemon|postmaster|no-?reply|do-?not-?reply)\b", re.I)


def is_auto_reply(msg: InboundMessage, *, envelope_sender: str | None = None) -> str | None:
    """Why this message must not be answered automatically (a log reason), or None.

    Covers RFC 3834 auto-responses, bulk and list mail, delivery reports and our own bounces
    coming back.  Pass ``envelope_sender`` (SMTP MAIL FROM) when the gateway knows it: a null
    sender ``<>`` is the surest sign of a bounce.
    """
    if envelope_sender is not None and envelope_sender.strip() in ("", "<>"):
        return "null envelope sender"
    return_path = msg.header("return-path")
    if return_path is not None and return_path.strip() in ("<>", ""):
        return "Return-Path: <>"
    if msg.header(LOOP_HEADER) is not None:
        return f"{LOOP_HEADER} present (our own message came back)"
    auto_submitted = (msg.header("auto-submitted") or "").strip().lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto_submitted[:60]}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-reply"):
        value = msg.header(name)
        if value is not None and value.strip().lower() not in ("no", "false", "0"):
            return f"{name}: {value[:60]}"
    precedence = (msg.header("precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply", "auto-reply"):
        return f"Precedence: {precedence}"
    suppress = (msg.header("x-auto-response-suppress") or "").lower()
    if re.search(r"\b(?:all|oof|autoreply)\b", suppress):
        return f"X-Auto-Response-Suppress: {suppress[:60]}"
    if msg.header("list-id") is not None:
        return "List-Id present"
    if msg.content_type == "multipart/report":
        return "delivery or read report (multipart/report)"
    if not msg.from_address:
        return "no sender address"
    if _NULL_SENDERS.match(msg.from_address.split("@")[0]):
        return f"automated sender {msg.from_address}"
    if _OOF_SUBJECT_RE.match(msg.subject):
        return f"auto-reply subject: {msg.subject[:60]}"
    return None


# --------------------------------------------------------------------------- bounces

# Enough for the sender to recognise their message, too little to make a forged mail's text
# worth relaying through us.
_BOUNCE_QUOTE_LINES = 5
_BOUNCE_QUOTE_CHARS = 400


def build_bounce(
    original: InboundMessage, *, reason: str, from_address: str, to: str
) -> EmailMessage:
    """A plain-text explanation of a message the gateway could not accept, for ``to``: the
    envelope sender (MAIL FROM, or the Return-Path the delivering server wrote), never the
    ``From:`` header, which anyone can set to a victim's address (backscatter)."""
    to = (to or "").strip().strip("<>").strip()
    if not to or to.upper() == "MAILER-DAEMON":
        raise BounceRefused("no envelope sender to answer (null or unknown)")
    if to.count("@") != 1 or any(c.isspace() or c in ",;<>\"'" for c in to):
        raise BounceRefused("the envelope sender is not a usable address")
    loop_reason = is_auto_reply(original)
    if loop_reason:
        raise BounceRefused(f"not bouncing an automatic message ({loop_reason})")

    quoted_source = original.reply_text or original.full_text
    quoted_lines = quoted_source[:_BOUNCE_QUOTE_CHARS].split("\n")[:_BOUNCE_QUOTE_LINES]
    truncated = len(quoted_source) > _BOUNCE_QUOTE_CHARS or len(quoted_source.split("\n")) > len(
        quoted_lines
    )
    body = [
        gettext("Hello,"),
        "",
        gettext(
            "Consilium could not accept your message, so it has not been added to any consultation."
        ),
        "",
        gettext("Reason: %(reason)s") % {"reason": str(reason)},
        "",
        gettext(
            "Nothing else needs to be done with this email. You can send your message "
            "again once the problem is fixed, or post it on the Consilium website."
        ),
        "",
        gettext("Your message began:"),
        "",
    ]
    body += [f"> {line}".rstrip() for line in quoted_lines]
    if truncated:
        body.append("> [...]")
    body += ["", "-- ", gettext("This is an automatic message from Consilium.")]

    bounce = EmailMessage()
    subject = original.subject or gettext("(no subject)")
    bounce["Subject"] = _one_line(gettext("Not delivered: %(subject)s") % {"subject": subject})[
        :250
    ]
    bounce["From"] = from_address
    bounce["To"] = to
    bounce["Date"] = format_datetime(datetime.now(UTC))
    domain = from_address.rpartition("@")[2].strip("> ") or None
    bounce["Message-ID"] = make_msgid(domain=domain)
    if not original.message_id_generated:
        bounce["In-Reply-To"] = f"<{original.message_id}>"
        refs = [*original.references, original.message_id]
        bounce["References"] = " ".join(f"<{r}>" for r in dict.fromkeys(refs))
    bounce["Auto-Submitted"] = "auto-replied"
    bounce[LOOP_HEADER] = "bounce"
    bounce["X-Auto-Response-Suppress"] = "All"
    bounce.set_content("\n".join(body) + "\n", charset="utf-8")
    return bounce
