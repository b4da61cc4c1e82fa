"""Stored files no row points to are deleted: the file of a row since deleted (a replaced
library file, a consultation erased with its attachments), or one written by a process that
died before its transaction committed (`consilium.lib.stored_files` deletes those of a
transaction that rolls back). The scheduler runs `sweep` every few minutes
(`consilium.core.periodic`).

Only the folders of the models' file fields are swept. A file younger than the grace period
is left alone whatever it is: its upload may still be in a transaction that has not committed."""

from __future__ import annotations

import datetime
import logging
import os
from pathlib import Path

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone

logger = logging.getLogger(__name__)

GRACE = datetime.timedelta(hours=1)
# Files no row points to by design: each reader's copy of a consultation report, rendered on
# demand and named by mails waiting in the queue (`consultations.report.report_for`).
NOT_SWEPT = ("consultations/reports/readers/",)


def sweep(*, now: datetime.datetime | None = None) -> int:
    """Delete unreferenced files older than `GRACE` from the file fields' folders; the number
    deleted."""
    cutoff = ((now or timezone.now()) - GRACE).timestamp()
    fields = _file_fields()
    media = Path(default_storage.location)
    # Files are listed before the rows are read: a file whose row commits in between is then
    # found referenced; one written after the listing is not considered at all.
    candidates = [
        path
        for folder in _folders(fields)
        for path in _files_under(media / folder)
        if _modified(path) < cutoff
    ]
    if not candidates:
        return 0
    referenced = _referenced_names(fields)
    removed = 0
    for path in candidates:
        name = path.relative_to(media).as_posix()
        if name in referenced or name.startswith(NOT_SWEPT):
            continue
        try:
            path.unlink()
        except FileNotFoundError:  # another sweep got there first
            continue
        logger.info("deleted %s: no row points to it", name)
        removed += 1
    return removed


def _file_fields() -> list[tuple[type[models.Model], models.FileField]]:
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]


def _folders(fields: list[tuple[type[models.Model], models.FileField]]) -> list[str]:
    """The fixed leading folders of the fields' `upload_to` ("consultations/%Y/%m/" gives
    "consultations"), without the ones inside another."""
    roots = set()
    for _model, field in fields:
        if callable(field.upload_to):
            continue  # where it writes is not known in advance: not swept
        fixed = str(field.upload_to).split("%", 1)[0].rsplit("/", 1)[0]
        if fixed:  # a field writing at the media root itself is not swept
            roots.add(fixed)
    return [r for r in sorted(roots) if not any(r.startswith(f"{o}/") for o in roots)]


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [Path(root) / name for root, _dirs, names in os.walk(folder) for name in names]


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")  # gone already: never a candidate


def _referenced_names(fields: list[tuple[type[models.Model], models.FileField]]) -> set[str]:
    names: set[str] = set()
    for model, field in fields:
        names.update(
            model._base_manager.exclude(**{field.name: ""})
            .exclude(**{f"{field.name}__isnull": True})
            .values_list(field.name, flat=True)
            .iterator(chunk_size=5000)
        )
    return names
