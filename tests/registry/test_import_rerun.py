"""A task runs at least once (consilium.core.leases): an import whose worker died after the
patients were committed, but before the job was finished, runs again and imports nothing
twice."""

import shutil
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from consilium.registry.models import ImportJob, Patient
from tests.registry.csv_samples import csv_bytes


def _import(client_for, vnch, tmp_path) -> tuple[ImportJob, Path]:
    client = client_for("data_manager")
    client.post(
        reverse("registry:import"),
        {"institution": vnch.pk, "file": SimpleUploadedFile("registry.csv", csv_bytes())},
    )
    job = ImportJob.objects.get()
    kept = tmp_path / "upload.csv"
    shutil.copy(job.path, kept)
    call_command("worker", batch=True, verbosity=0)  # the preview
    client.post(reverse("registry:import_decide", args=[job.pk]), {"confirm": "1"})
    call_command("worker", batch=True, verbosity=0)
    job.refresh_from_db()
    assert (job.status, job.rows_imported, Patient.objects.count()) == ("done", 3, 3)
    return job, kept


def _run_again(job: ImportJob) -> None:
    DBTaskResult.objects.filter(task_path__endswith="run_import").update(
        status="READY", started_at=None
    )
    call_command("worker", batch=True, verbosity=0)


def test_it_finishes_without_importing_again_when_the_worker_died_after_the_commit(
    audit_triggers_off_after_test, client_for, vnch, tmp_path
):
    job, kept = _import(client_for, vnch, tmp_path)
    # What a worker killed right after the import's commit leaves: the job still saving,
    # the upload still there.
    upload = Path(tmp_path / "again.csv")
    shutil.copy(kept, upload)
    ImportJob.objects.filter(pk=job.pk).update(status="saving", path=str(upload), finished_at=None)
    _run_again(job)
    job.refresh_from_db()
    assert (job.status, job.rows_imported, job.rows_done) == ("done", 3, 3)
    assert Patient.objects.count() == 3
    assert job.path == "" and not upload.exists()  # identifiers in clear are not kept
    assert job.finished_at is not None


def test_it_does_nothing_when_a_finished_import_runs_again(
    audit_triggers_off_after_test, client_for, vnch, tmp_path
):
    job, _ = _import(client_for, vnch, tmp_path)
    finished_at = job.finished_at
    _run_again(job)
    job.refresh_from_db()
    assert (job.status, job.finished_at, Patient.objects.count()) == ("done", finished_at, 3)
