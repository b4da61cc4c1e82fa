"""Encryption at rest of patients' direct identifiers, and the keyed hashes that let us still
find them: an encrypted column cannot be searched or compared, a keyed HMAC of its normalised
value can, without revealing it to anyone who lacks the key."""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import unicodedata

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["decrypt", "encrypt", "hospital_number_digest", "name_birth_digest"]


@functools.cache
def _fernet(key: str) -> Fernet:
    return Fernet(key.encode())


@functools.cache
def _hmac_key(key: str) -> bytes:
    # A key of its own, derived from the field key, so a digest never doubles as a token.
    return hmac.new(key.encode(), b"consilium.registry.lookup", hashlib.sha256).digest()


def encrypt(value: str) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        # Not a data error the user can fix: the installation runs with another key.
        raise ImproperlyConfigured(
            "An identifier cannot be decrypted: CONSILIUM_FIELD_KEY is not the key it was"
            " encrypted with."
        ) from None


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


def name_birth_digest(name: str, birth_date: datetime.date) -> str:
    return _digest(f"name-dob:{normalise_name(name)}:{birth_date.isoformat()}")


def normalise_hospital_number(number: str) -> str:
    return "".join(ch for ch in number.upper() if ch.isalnum())


def hospital_number_digest(number: str) -> str:
    """Empty for an empty number, so that "no number" never matches another "no number"."""
    normalised = normalise_hospital_number(number)
    return _digest(f"hospital-number:{normalised}") if normalised else ""
