"""Encryption at rest of patients' direct identifiers, and the keyed hashes that let us still
find them: an encrypted column cannot be searched or compared, a keyed HMAC of its normalised
value can, without revealing it to anyone who lacks the key."""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import hashlib
import hmac
import os
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "decrypt",
    "encrypt",
    "hospital_number_digest",
    "lookup_digest",
    "name_birth_digest",
]


@functools.cache
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


@functools.cache
def _hmac_key(key: str) -> bytes:
    # A key of its own, derived from the field key, so a digest never doubles as a token.
    return hmac.new(key.encode(), b"consilium.registry.lookup", hashlib.sha256).digest()


# Tokens are AES-256-GCM: "g1:" and the URL-safe base64 of a random 96-bit nonce, the
# ciphertext and its tag. Fernet (AES-128-CBC with HMAC-SHA256), which earlier versions wrote
# and which is still read, took six times as long per value: a registry import encrypts five
# identifiers a row, and at 100,000 rows that alone was a sixth of the time allowed.
_PREFIX = "g1:"


@functools.cache
def _aead(key: str) -> AESGCM:
    # A key of its own, derived from the field key, as for the lookup digests below.
    return AESGCM(hmac.new(key.encode(), b"consilium.registry.aes-gcm", hashlib.sha256).digest())


def _wrong_key() -> ImproperlyConfigured:
    # Not a data error the user can fix: the installation runs with another key.
    return ImproperlyConfigured(
        "An identifier cannot be decrypted: CONSILIUM_FIELD_KEY is not the key it was"
        " encrypted with."
    )


def encrypt(value: str) -> str:
    nonce = os.urandom(12)
    sealed = _aead(settings.FIELD_ENCRYPTION_KEY).encrypt(nonce, value.encode(), None)
    return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def decrypt(token: str) -> str:
    key = settings.FIELD_ENCRYPTION_KEY
    if not token.startswith(_PREFIX):
        try:
            return _fernet(key).decrypt(token.encode("ascii")).decode()
        except InvalidToken:
            raise _wrong_key() from None
    try:
        raw = base64.urlsafe_b64decode(token[len(_PREFIX) :])
        return _aead(key).decrypt(raw[:12], raw[12:], None).decode()
    except (InvalidTag, binascii.Error, ValueError):
        raise _wrong_key() from None


def _digest(text: str) -> str:
    key = _hmac_key(settings.FIELD_ENCRYPTION_KEY)
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def normalise_name(name: str) -> str:
    """Case, accents, spacing and word order forgiven: "NGUYEN van  An" is "An Nguyễn Văn".

    Vietnamese names are written family-name first or last depending on who typed them, and
    diacritics are often lost on foreign keyboards; both must still meet as one child.
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold().replace("đ", "d"))
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = "".join(ch if ch.isalnum() else " " for ch in letters).split()
    return " ".join(sorted(words))


def lookup_digest(text: str) -> str:
    """A keyed digest for another module's exact look-ups (search's name words): the caller
    prefixes `text` with its own purpose so no two uses can match each other."""
    return _digest(text)


def name_birth_digest(name: str, birth_date: datetime.date) -> str:
    return _digest(f"name-dob:{normalise_name(name)}:{birth_date.isoformat()}")


def normalise_hospital_number(number: str) -> str:
    return "".join(ch for ch in number.upper() if ch.isalnum())


def hospital_number_digest(number: str) -> str:
    """Empty for an empty number, so that "no number" never matches another "no number"."""
    normalised = normalise_hospital_number(number)
    return _digest(f"hospital-number:{normalised}") if normalised else ""
