"""Background work of the registry: a long import runs in a worker, so the person who started it
can leave the page (and a slow connection cannot cut it off half-way)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone, translation
from django_tasks import task

from consilium.registry.importer import import_csv
from consilium.registry.models import ImportJob, ImportStatus


def _progress(job_id: int):
    def report(phase: str, done: int, total: int | None) -> None:
        # Written outside the import's transaction, so the page polling the job sees it. The
        # second pass runs inside that transaction: the page shows "saving" until it commits.
        if phase == "validating":
            ImportJob.objects.filter(pk=job_id).update(
                status=ImportStatus.VALIDATING, rows_done=done, rows_total=total
            )
        elif done == 0:
            ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.SAVING)

    return report


def run_job(job: ImportJob) -> ImportJob:
    path = Path(job.path)
    try:
        if job.rows_imported:
            # The patients were committed, then the worker died before it finished the job
            # (the task runs again, consilium.core.leases): finish it, import nothing twice.
            job.rows_total = job.rows_done = job.rows_imported
            job.status = ImportStatus.DONE
            return job
        if not path.is_file():
            job.errors = [{"row": 0, "column": "", "message": "The uploaded file is gone."}]
            job.error_count = 1
            return job
        # The problems are listed in the language of the person who uploaded the file.
        language = (job.created_by.language if job.created_by else "") or settings.LANGUAGE_CODE
        with translation.override(language):
            outcome = import_csv(
                path, job.institution, actor=job.created_by, job=job, progress=_progress(job.pk)
            )
        job.rows_total = job.rows_done = outcome.rows
        job.rows_imported = outcome.imported
        job.errors = [error.as_dict() for error in outcome.errors]
        job.error_count = outcome.error_count
        job.status = ImportStatus.DONE if outcome.ok else ImportStatus.FAILED
        if outcome.ok and outcome.imported:
            from consilium.search.index import refresh_imported

            refresh_imported(job.pk)
        return job
    finally:
        # The upload holds identifiers in clear: it is not kept once read, whatever happened.
        path.unlink(missing_ok=True)
        job.path = ""
        job.finished_at = timezone.now()
        if job.status != ImportStatus.DONE:
            job.status = ImportStatus.FAILED
        job.save()


@task(queue_name="default")
def run_import(*, job_id: int) -> int:
    job = ImportJob.objects.select_related("institution", "created_by").get(pk=job_id)
    if job.finished:  # a second run of a job that finished
        return job.rows_imported
    return run_job(job).rows_imported
