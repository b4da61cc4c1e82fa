"""Background work of the registry: a long import runs in a worker, so the person who started it
can leave the page (and a slow connection cannot cut it off half-way)."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from consilium.registry.import_jobs import STORED_LANGUAGE, undo
from consilium.registry.importer import import_csv
from consilium.registry.models import ImportJob, ImportStatus


def _progress(job_id: int):
    def report(phase: str, done: int, total: int | None) -> None:
        # Written outside the import's transactions, so the page polling the job sees it.
        status = ImportStatus.VALIDATING if phase == "validating" else ImportStatus.SAVING
        ImportJob.objects.filter(pk=job_id).update(status=status, rows_done=done, rows_total=total)

    return report


def run_job(job: ImportJob) -> ImportJob:
    """An unconfirmed job is checked and compared with the registry, and waits with its
    preview (and its upload) for the data manager; a confirmed one is checked again and
    written."""
    path = Path(job.path)
    waits = False
    # Messages are stored in the catalogue's language (STORED_LANGUAGE), shown in each reader's.
    try:
        if not path.is_file():
            # Gone with the rows this job wrote before its worker died, if any: take them out.
            undo(job)
            with translation.override(STORED_LANGUAGE):
                message = _("The uploaded file is gone: nothing was imported; upload it again.")
            job.errors = [{"row": 0, "column": "", "message": message}]
            job.error_count = 1
            job.rows_imported = 0
            return job
        preview = job.confirmed_at is None
        with translation.override(STORED_LANGUAGE):
            outcome = import_csv(
                path,
                job.institution,
                actor=job.created_by,
                job=job,
                progress=_progress(job.pk),
                apply=not preview,
                skip_problems=job.skips_problems,
            )
        if preview:
            job.rows_total = job.rows_done = outcome.rows
            job.errors = [error.as_dict() for error in outcome.errors]
            job.error_count = outcome.error_count
            # A file with problems in some rows waits too: the data manager may correct
            # it, or choose to import the other rows.
            if outcome.ok or outcome.skippable:
                job.status = ImportStatus.PREVIEW
                job.preview = outcome.preview()
                waits = True
            return job
        job.rows_updated = outcome.updated
        job.rows_total = job.rows_done = outcome.rows
        job.rows_imported = outcome.imported
        job.errors = [error.as_dict() for error in outcome.errors]
        job.error_count = outcome.error_count
        job.status = ImportStatus.DONE if outcome.applied else ImportStatus.FAILED
        job.preview = outcome.preview() if outcome.applied else job.preview
        if outcome.applied and outcome.imported:
            from consilium.search.index import refresh_imported

            refresh_imported(job.pk)
        return job
    except Exception as exc:
        # The write took its rows out again; the job says why rather than failing blank.
        with translation.override(STORED_LANGUAGE):
            message = _(
                "The import stopped on an unexpected error (%(error)s): nothing was imported."
                " Try again, and tell the administrator if it happens again."
            ) % {"error": type(exc).__name__}
        job.errors = [{"row": 0, "column": "", "message": message}]
        job.error_count = 1
        job.rows_imported = 0
        raise
    finally:
        if waits:
            # Kept for the confirmed import; the sweep deletes it if nobody confirms.
            job.save()
        else:
            job.path = ""
            job.finished_at = timezone.now()
            if job.status != ImportStatus.DONE:
                job.status = ImportStatus.FAILED
            job.save()
            # The upload holds identifiers in clear: it is not kept once read, whatever
            # happened. Deleted after the job is saved: a worker that dies in between leaves a
            # file that no job points to, which the sweep deletes (registry.import_jobs).
            path.unlink(missing_ok=True)


@task(queue_name="default")
def run_import(*, job_id: int) -> int:
    job = ImportJob.objects.select_related("institution", "created_by").get(pk=job_id)
    if job.finished:  # a second run of a job that finished
        return job.rows_imported
    if job.status == ImportStatus.PREVIEW:  # a second run of a checked job: it waits
        return 0
    return run_job(job).rows_imported
