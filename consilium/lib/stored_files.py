"""Files written in a transaction share its fate: kept if it commits, deleted if it rolls back.

The storage is not the database: a file written before a rollback stays on disk with no row
pointing to it, and consultation attachments kept as sent may carry identifiers. The file is
written at its final name (so a committed row always finds it) and a keeper is registered as
the transaction's on-commit callback. Django drops the callbacks of a transaction or a savepoint
that rolls back; the keeper's finalizer then deletes the file at once (CPython frees the dropped
callback immediately, by reference counting). A process that dies before its commit leaves the
file to `consilium.core.orphan_files.sweep`, which also removes the files of deleted rows."""

from __future__ import annotations

import logging
import weakref

from django.core.files import File
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models.fields.files import FieldFile

logger = logging.getLogger(__name__)


def save(field_file: FieldFile, name: str, content: File) -> None:
    """Write `content` into `field_file` (the row is not saved) for the current transaction."""
    field_file.save(name, content, save=False)
    keep_if_committed(field_file.storage, field_file.name)


def keep_if_committed(storage: Storage, name: str, *, using: str | None = None) -> None:
    """Delete `name` from `storage` if the current transaction (or savepoint) rolls back."""
    transaction.on_commit(_Keeper(storage, name), using=using)


class _Keeper:
    def __init__(self, storage: Storage, name: str) -> None:
        self.name = name
        self._finalizer = weakref.finalize(self, _delete, storage, name)
        # A process that exits with the transaction still open has not committed it.
        self._finalizer.atexit = True

    def __call__(self) -> None:
        self._finalizer.detach()  # committed: the file belongs to its row now


def _delete(storage: Storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:  # the sweep will find it
        logger.warning("could not delete %s after its transaction rolled back", name)
