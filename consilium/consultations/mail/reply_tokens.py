"""Signed reply addresses: ``reply+TOKEN@domain`` for answering a consultation by email.

The token authenticates who may post to which thread, so the gateway never has to trust the
``From:`` header (trivially forged) to attribute a reply.  Layout, before base32::

    version (1 byte) | uvarint(thread_id) | uvarint(person_id) | uvarint(issued_at) | mac

``mac`` is HMAC-SHA256 over a purpose tag and the preceding bytes, truncated to 96 bits.
Base32 is lowercase and unpadded because some MTAs lowercase local parts and ``=`` is awkward
in addresses; decoding is case-insensitive.  A typical token is 32 characters and at most 56,
so the local part stays within the 64-character limit.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ExpiredToken",
    "InvalidToken",
    "ReplyToken",
    "TokenError",
    "make_reply_address",
    "parse_reply_address",
]

TOKEN_VERSION = 1
MAC_BYTES = 12  # 96 bits; the brief asks for at least 80.
LOCAL_PREFIX = "reply+"
# Clocks of app servers drift; a token "from the future" within this window is still accepted.
CLOCK_SKEW_SECONDS = 300
_MAX_TOKEN_CHARS = 64
# Bounds keep the local part within RFC 5321's 64 characters: 1 + 8 + 8 + 6 + 12 = 35 bytes,
# 56 base32 characters plus "reply+".
_MAX_ID = 2**53 - 1
_MAX_TIME = 2**40 - 1
_PURPOSE = b"consilium.consultations.reply-token.v1\x00"


@dataclass(frozen=True)
class ReplyToken:
    thread_id: int
    person_id: int
    issued_at: int


class TokenError(ValueError):
    """The reply address cannot be used. ``code`` is stable; ``message`` is for people."""

    code = "invalid"
    default_message: Promise | str = _("This reply address is not valid.")

    def __init__(self, code: str | None = None, message: Promise | str | None = None) -> None:
        if code is not None:
            self.code = code
        self.message = message if message is not None else self.default_message
        super().__init__(self.code)

    def __str__(self) -> str:
        return str(self.message)


class InvalidToken(TokenError):
    default_message = _(
        "This reply address is not valid: it may have been changed or copied incompletely. "
        "Please reply to the most recent notification email, or answer on the website."
    )


class ExpiredToken(TokenError):
    code = "expired"
    default_message = _(
        "This reply address has expired. Please reply to a more recent notification email, "
        "or answer on the website."
    )


def make_reply_address(
    *, secret: bytes, thread_id: int, person_id: int, domain: str, issued_at: int
) -> str:
    """Return ``reply+TOKEN@domain`` authorising ``person_id`` to post to ``thread_id``."""
    _check_secret(secret)
    for name, value, limit in (
        ("thread_id", thread_id, _MAX_ID),
        ("person_id", person_id, _MAX_ID),
        ("issued_at", issued_at, _MAX_TIME),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
            raise ValueError(f"{name} must be an integer between 0 and {limit}, not {value!r}")
    domain = domain.strip().lower()
    if not domain or "@" in domain or any(c.isspace() for c in domain):
        raise ValueError(f"not a mail domain: {domain!r}")
    body = bytes([TOKEN_VERSION]) + _uvarint(thread_id) + _uvarint(person_id) + _uvarint(issued_at)
    token = base64.b32encode(body + _mac(secret, body)).decode("ascii").rstrip("=").lower()
    return f"{LOCAL_PREFIX}{token}@{domain}"


def parse_reply_address(
    address: str,
    *,
    secret: bytes,
    domain: str,
    max_age_seconds: int,
    now: int | float,
) -> ReplyToken:
    """Check a reply address and return what it authorises.

    Raises ``InvalidToken`` for anything forged, damaged or addressed to another domain, and
    ``ExpiredToken`` for a genuine token older than ``max_age_seconds``.
    """
    _check_secret(secret)
    if not isinstance(address, str):
        raise InvalidToken("not-an-address")
    address = address.strip().strip("<>").strip()
    local, sep, addr_domain = address.rpartition("@")
    if not sep:
        raise InvalidToken("not-an-address")
    if addr_domain.lower() != domain.strip().lower():
        raise InvalidToken("wrong-domain")
    if not local.lower().startswith(LOCAL_PREFIX):
        raise InvalidToken("not-a-reply-address")
    body_and_mac = _b32decode(local[len(LOCAL_PREFIX) :])
    if len(body_and_mac) <= MAC_BYTES + 1:
        raise InvalidToken("malformed")
    body, mac = body_and_mac[:-MAC_BYTES], body_and_mac[-MAC_BYTES:]
    # Authenticate before looking at the payload, so nothing about unsigned data leaks out.
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise InvalidToken("bad-signature")
    if body[0] != TOKEN_VERSION:
        raise InvalidToken("unknown-version")
    try:
        thread_id, pos = _read_uvarint(body, 1)
        person_id, pos = _read_uvarint(body, pos)
        issued_at, pos = _read_uvarint(body, pos)
    except ValueError:
        raise InvalidToken("malformed") from None
    if pos != len(body):
        raise InvalidToken("malformed")
    if issued_at > now + CLOCK_SKEW_SECONDS:
        raise InvalidToken("issued-in-future")
    if now - issued_at > max_age_seconds:
        raise ExpiredToken()
    return ReplyToken(thread_id=thread_id, person_id=person_id, issued_at=issued_at)


def _check_secret(secret: bytes) -> None:
    # A short or empty secret makes every token forgeable; fail loudly at the call site.
    if not isinstance(secret, bytes | bytearray) or len(secret) < 16:
        raise ValueError("secret must be at least 16 bytes")


def _mac(secret: bytes, body: bytes) -> bytes:
    return hmac.new(bytes(secret), _PURPOSE + body, hashlib.sha256).digest()[:MAC_BYTES]


def _b32decode(token: str) -> bytes:
    if not token or len(token) > _MAX_TOKEN_CHARS or not token.isascii():
        raise InvalidToken("malformed")
    token = token.upper()
    try:
        data = base64.b32decode(token + "=" * (-len(token) % 8))
    except (binascii.Error, ValueError):
        raise InvalidToken("malformed") from None
    # b32decode ignores the unused low bits of the last character; insist on the one spelling
    # we issue so that a changed character can never still be accepted.
    if base64.b32encode(data).decode("ascii").rstrip("=") != token:
        raise InvalidToken("malformed")
    return data


def _uvarint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_uvarint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    start = pos
    while True:
        if pos >= len(data) or pos - start >= 10:
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            # Reject overlong encodings so every value has exactly one token form.
            if byte == 0 and pos - start > 1:
                raise ValueError("overlong varint")
            if value > _MAX_ID:
                raise ValueError("varint out of range")
            return value, pos
