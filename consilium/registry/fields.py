"""Model fields whose value is encrypted in the database (see crypto.py)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models

from consilium.registry.crypto import decrypt, encrypt


class EncryptedTextField(models.TextField):
    """A text value stored as an encrypted token (crypto.py). Empty stays empty: whether a phone
    number was recorded at all is not worth a token, and it keeps the column cheap to check for
    presence."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)


class EncryptedDateField(models.TextField):
    """A date kept as an encrypted ISO string; Python sees a `datetime.date`."""

    def from_db_value(
        self, value: str | None, expression: Any, connection: Any
    ) -> datetime.date | None:
        if not value:
            return None
        return datetime.date.fromisoformat(decrypt(value))

    def to_python(self, value: Any) -> datetime.date | None:
        if value is None or isinstance(value, datetime.date):
            return value
        return datetime.date.fromisoformat(str(value))

    def get_prep_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        return encrypt(self.to_python(value).isoformat())

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        return forms.DateField(**{"required": not self.blank, **kwargs})
