"""An import job that cannot finish is failed with its reason, its patients taken out and its
upload (identifiers in clear) deleted: whether the importer stopped on an error, or its worker
died until the task was given up (`consilium.core.leases.MAX_RUNS`), or the task was never
queued. The scheduler runs `sweep` every few minutes (`consilium.core.periodic`)."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from consilium.audit.actions import record
from consilium.registry.models import ImportJob, ImportStatus, Patient

logger = logging.getLogger(__name__)

TASK_PATH = "consilium.registry.tasks.run_import"
BATCH = 1000
# A job whose task does not exist this long after it was created lost it (queued on commit, and
# the process died in between): nothing will ever run it.
TASK_LOST_AFTER = datetime.timedelta(minutes=10)
# Uploads no unfinished job points to, this old: the job finished but its worker died before
# it deleted the file, or the upload was written and its job never committed.
ORPHAN_AFTER = datetime.timedelta(hours=1)
_UNFINISHED = (ImportStatus.QUEUED, ImportStatus.VALIDATING, ImportStatus.SAVING)
# A preview nobody confirmed within this time is dropped with its upload (identifiers in
# clear are not kept waiting for ever).
PREVIEW_KEPT = datetime.timedelta(days=1)


# A job's problems are stored as the catalogue writes them (its msgids are English) and put
# into each reader's language when shown (`consilium.registry.checks.reader_message`): the
# data manager who uploads in Vietnamese and the colleague who reads in Russian both read
# their own.
STORED_LANGUAGE = "en"


def uploads_folder() -> Path:
    return Path(settings.DATA_DIR) / "imports"


def undo(job: ImportJob) -> int:
    """Take out the patients the job wrote, a batch per transaction (so SQLite's write lock
    is let go in between, as when they were written); the number taken out. Patients that
    something else now points to (a consultation opened on one during the import) stay."""
    removed = 0
    kept: set[int] = set()
    while True:
        ids = list(
            Patient.objects.filter(import_job=job)
            .exclude(pk__in=kept)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            break
        try:
            with transaction.atomic():
                Patient.objects.filter(pk__in=ids).delete()
            removed += len(ids)
        except ProtectedError:
            for pk in ids:
                try:
                    with transaction.atomic():
                        Patient.objects.filter(pk=pk).delete()
                    removed += 1
                except ProtectedError:
                    kept.add(pk)
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(rows_imported=len(kept))
        if removed or kept:
            record(
                actor=None,
                actor_label="consilium import",
                verb="registry.import_undone",
                obj=job,
                institution_id=job.institution_id,
                details={"patients_removed": removed, "patients_kept": len(kept)},
            )
    return removed


def fail(job: ImportJob, message: str) -> bool:
    """Fail an unfinished job with ``message``: False if it had finished meanwhile."""
    with transaction.atomic():
        changed = (
            ImportJob.objects.filter(
                pk=job.pk, status__in=(*_UNFINISHED, ImportStatus.PREVIEW)
            ).update(
                status=ImportStatus.FAILED,
                finished_at=timezone.now(),
                path="",
                errors=[{"row": 0, "column": "", "message": message}],
                error_count=1,
            )
            > 0
        )
        if changed:
            record(
                actor=None,
                actor_label="consilium import",
                verb="registry.import_failed",
                obj=job,
                institution_id=job.institution_id,
                details={"reason": message},
            )
    if changed:
        if job.path:
            Path(job.path).unlink(missing_ok=True)
        undo(job)
    return changed


def _reason(statuses: set[str], lost: bool) -> str:
    with translation.override(STORED_LANGUAGE):
        if lost:
            return _(
                "This import was never started: its task was lost. Nothing was imported;"
                " upload the file again."
            )
        if "FAILED" in statuses:
            return _(
                "The worker running this import stopped before it finished, several times."
                " Nothing was imported; upload the file again, or split it, and tell the"
                " administrator if it happens again."
            )
        return _(
            "This import stopped before it finished. Nothing was imported; upload the file again."
        )


def sweep() -> dict[str, int]:
    now = timezone.now()
    failed = 0
    for job in ImportJob.objects.filter(status__in=_UNFINISHED):
        statuses = set(
            DBTaskResult.objects.filter(
                task_path=TASK_PATH, args_kwargs__kwargs__job_id=job.pk
            ).values_list("status", flat=True)
        )
        if statuses & {"READY", "RUNNING"}:
            continue
        lost = not statuses
        if lost and job.created_at > now - TASK_LOST_AFTER:
            continue
        failed += fail(job, _reason(statuses, lost))
    for job in ImportJob.objects.filter(
        status=ImportStatus.PREVIEW, created_at__lt=now - PREVIEW_KEPT
    ):
        with translation.override(STORED_LANGUAGE):
            reason = _(
                "Nobody confirmed this import within a day: nothing was imported and the file"
                " was deleted; upload it again."
            )
        failed += fail(job, reason)
    # An undo that stopped half-way (its process died) is finished here.
    leftovers = set(
        Patient.objects.filter(import_job__status=ImportStatus.FAILED)
        .values_list("import_job", flat=True)
        .distinct()
    )
    for job in ImportJob.objects.filter(pk__in=leftovers):
        undo(job)
    return {"failed": failed, "undone": len(leftovers), "orphans": _remove_orphans(now)}


def _remove_orphans(now: datetime.datetime) -> int:
    folder = uploads_folder()
    if not folder.is_dir():
        return 0
    waiting = set(
        ImportJob.objects.filter(status__in=(*_UNFINISHED, ImportStatus.PREVIEW))
        .exclude(path="")
        .values_list("path", flat=True)
    )
    removed = 0
    cutoff = (now - ORPHAN_AFTER).timestamp()
    for path in folder.iterdir():
        if path.is_file() and str(path) not in waiting and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
