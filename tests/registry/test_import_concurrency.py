"""The importer with other writers at once (issue 22), on the database the suite runs on (run it
on SQLite and on PostgreSQL): two imports of one file, a sign-in's audit entry during an
import, a worker that dies half-way, a task given up, an error half-way."""

import datetime
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from consilium.audit.actions import record
from consilium.audit.models import AuditEntry
from consilium.core import leases
from consilium.registry import import_jobs, importer
from consilium.registry.importer import import_csv
from consilium.registry.models import ImportJob, Patient, PatientIdentity
from tests.registry.csv_samples import csv_bytes

pytestmark = pytest.mark.usefixtures("audit_triggers_off_after_test")


def _rows(count: int, prefix: str = "BN") -> list[str]:
    """Distinct children: hospital number, name and birth date differ on every row."""
    start = datetime.date(2010, 1, 1)
    return [
        f"{prefix}-{i:06d},Child {prefix} {i},{start + datetime.timedelta(days=i % 3000)},"
        f"{'male' if i % 2 else 'female'},Hà Nội,2024-02-01,C74.9,9500,3,7,"
        "neuroblastoma,2,L2,alive,2026-06-01"
        for i in range(count)
    ]


def _file(tmp_path: Path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows))
    return path


def _in_thread(target, *args, **kwargs) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def run() -> None:
        try:
            result["value"] = target(*args, **kwargs)
        except BaseException as exc:
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def test_it_refuses_the_second_of_two_imports_of_one_file_checked_at_once(
    tmp_path, vnch, personas, monkeypatch
):
    monkeypatch.setattr(importer, "BATCH", 100)
    rows = _rows(250)
    paths = [_file(tmp_path, f"copy{i}.csv", rows) for i in (1, 2)]
    # Both have checked the file against an empty registry before either writes: what two
    # workers taking two uploads of one file at once do.
    both_checked = threading.Barrier(2, timeout=30)

    def progress(phase: str, done: int, total: int | None) -> None:
        if phase == "saving" and done == 0:
            both_checked.wait()

    runs = [
        _in_thread(import_csv, path, vnch, actor=personas["data_manager"], progress=progress)
        for path in paths
    ]
    for thread, _ in runs:
        thread.join(60)
    outcomes = [result["value"] for _, result in runs]

    assert sorted(o.ok for o in outcomes) == [False, True]
    refused = next(o for o in outcomes if not o.ok)
    assert refused.imported == 0
    assert {(e.row, e.column) for e in refused.errors} >= {
        (2, "hospital_number"),
        (2, "name"),
    }
    assert "already registered" in refused.errors[0].message
    assert Patient.objects.filter(institution=vnch).count() == 250
    assert PatientIdentity.objects.values("hospital_number_digest").distinct().count() == 250
    assert sorted(ImportJob.objects.values_list("status", "rows_imported")) == [
        ("done", 250),
        ("failed", 0),
    ]


def test_it_takes_out_its_first_batches_when_a_later_one_was_registered_meanwhile(
    tmp_path, vnch, personas, monkeypatch
):
    """Files that overlap in part: the second finds the first's rows only in its second batch,
    after its first batch was committed; it takes that batch out again."""
    monkeypatch.setattr(importer, "BATCH", 100)
    first = _rows(100)
    second = _rows(200, prefix="XX") + first[:100]
    both_checked = threading.Barrier(2, timeout=30)
    second_batch = threading.Event()

    def first_progress(phase: str, done: int, total: int | None) -> None:
        if phase == "saving" and done == 0:
            both_checked.wait()
            second_batch.wait(30)  # the other writes its first batch first

    def second_progress(phase: str, done: int, total: int | None) -> None:
        if phase == "saving" and done == 0:
            both_checked.wait()
        if phase == "saving" and done == 100:
            second_batch.set()
            first_thread.join(60)  # its next batch now meets the rows of the first

    first_thread, first_result = _in_thread(
        import_csv, _file(tmp_path, "c.csv", first), vnch, actor=None, progress=first_progress
    )
    second_thread, second_result = _in_thread(
        import_csv, _file(tmp_path, "d.csv", second), vnch, actor=None, progress=second_progress
    )
    second_thread.join(60)
    first_thread.join(60)

    assert first_result["value"].ok
    refused = second_result["value"]
    assert not refused.ok and refused.imported == 0
    assert refused.errors[0].row == 202  # row 2 of the file is its first data row
    assert Patient.objects.count() == 100
    assert AuditEntry.objects.filter(verb="registry.import_undone").count() == 1


def test_it_lets_another_writer_in_between_its_batches(tmp_path, vnch, monkeypatch):
    """A sign-in writes an audit entry while a large file is being written: it waits for one
    batch, not for the file (SQLite has one write lock for the whole database)."""
    monkeypatch.setattr(importer, "BATCH", 200)
    path = _file(tmp_path, "big.csv", _rows(3000))
    job = ImportJob.objects.create(institution=vnch, file_name="big.csv")
    # A handshake rather than a race: after each batch's commit the import waits until the
    # other writer has written once, so the test does not depend on how threads are scheduled.
    # Had the import kept the lock across batches, that write would fail (busy timeout).
    turn, wrote, finished = threading.Event(), threading.Event(), threading.Event()
    seen_during_import: list[int] = []
    failures: list[BaseException] = []

    def progress(phase: str, done: int, total: int | None) -> None:
        if phase == "saving" and 0 < done < 3000:
            turn.set()
            wrote.wait(30)
            wrote.clear()

    def sign_ins() -> None:
        try:
            if connection.vendor == "sqlite":
                connection.ensure_connection()
                connection.connection.execute("PRAGMA busy_timeout=2000")
            while not finished.is_set():
                if not turn.wait(0.1):
                    continue
                turn.clear()
                record(actor=None, actor_label="sign-in", verb="account.signed_in")
                seen_during_import.append(ImportJob.objects.get(pk=job.pk).rows_imported)
                wrote.set()
        except BaseException as exc:
            failures.append(exc)
            wrote.set()
        finally:
            connection.close()

    writer = threading.Thread(target=sign_ins)
    writer.start()
    try:
        outcome = import_csv(path, vnch, actor=None, job=job, progress=progress)
    finally:
        finished.set()
        writer.join(60)

    assert outcome.ok and outcome.imported == 3000
    assert failures == []
    # Entries committed while some batches were in and others not: the lock was let go.
    assert len(set(seen_during_import)) >= 2


def test_it_resumes_after_the_rows_a_dead_worker_wrote(tmp_path, vnch, personas, monkeypatch):
    monkeypatch.setattr(importer, "BATCH", 100)
    path = _file(tmp_path, "upload.csv", _rows(350))
    job = ImportJob.objects.create(institution=vnch, file_name="upload.csv", path=str(path))

    class Killed(BaseException):
        pass

    def die_after_two_batches(phase: str, done: int, total: int | None) -> None:
        if phase == "saving" and done == 200:
            raise Killed

    # SIGKILL runs no clean-up: nothing takes the committed batches out.
    monkeypatch.setattr(import_jobs, "undo", lambda job: 0)
    with pytest.raises(Killed):
        import_csv(path, vnch, actor=None, job=job, progress=die_after_two_batches)
    monkeypatch.undo()
    monkeypatch.setattr(importer, "BATCH", 100)
    job.refresh_from_db()
    assert (job.rows_imported, Patient.objects.count()) == (200, 200)

    outcome = import_csv(path, vnch, actor=None, job=job)

    assert outcome.ok and outcome.imported == 350
    assert Patient.objects.count() == 350
    assert PatientIdentity.objects.values("hospital_number_digest").distinct().count() == 350


def _upload(client_for, vnch, rows: list[str]) -> ImportJob:
    client_for("data_manager").post(
        reverse("registry:import"),
        {"institution": vnch.pk, "file": SimpleUploadedFile("registry.csv", csv_bytes(rows))},
    )
    return ImportJob.objects.get()


def test_it_fails_the_job_and_removes_its_upload_when_its_worker_died_three_times(
    client_for, vnch, monkeypatch, settings
):
    monkeypatch.setattr(importer, "BATCH", 100)
    job = _upload(client_for, vnch, _rows(250))
    upload = Path(job.path)
    assert upload.is_file()

    class Killed(BaseException):
        pass

    def die_after_one_batch(phase: str, done: int, total: int | None) -> None:
        if phase == "saving" and done == 100:
            raise Killed

    real_undo = import_jobs.undo
    monkeypatch.setattr(import_jobs, "undo", lambda job: 0)
    with pytest.raises(Killed):
        import_csv(upload, vnch, actor=None, job=job, progress=die_after_one_batch)
    monkeypatch.setattr(import_jobs, "undo", real_undo)
    assert Patient.objects.count() == 100
    # The third worker running it died too: the lease gives the task up.
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    DBTaskResult.objects.filter(task_path=import_jobs.TASK_PATH).update(
        status="RUNNING", started_at=long_ago, worker_ids=["w1", "w2", "w3"]
    )
    assert leases.reclaim_lost_tasks() == 1

    assert import_jobs.sweep()["failed"] == 1

    job.refresh_from_db()
    assert job.status == "failed"
    assert "stopped before it finished, several times" in job.errors[0]["message"]
    assert job.path == "" and not upload.exists()
    assert Patient.objects.count() == 0 and job.rows_imported == 0
    assert AuditEntry.objects.filter(verb="registry.import_failed").count() == 1
    assert import_jobs.sweep() == {"failed": 0, "undone": 0, "orphans": 0}


def test_it_fails_a_job_whose_task_was_never_queued(vnch, tmp_path):
    upload = tmp_path / "lost.csv"
    upload.write_bytes(csv_bytes())
    job = ImportJob.objects.create(institution=vnch, file_name="lost.csv", path=str(upload))
    assert import_jobs.sweep()["failed"] == 0  # its task may still be on its way
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - import_jobs.TASK_LOST_AFTER * 2
    )

    assert import_jobs.sweep()["failed"] == 1

    job.refresh_from_db()
    assert (job.status, job.path, upload.exists()) == ("failed", "", False)
    assert "never started" in job.errors[0]["message"]


def test_it_deletes_uploads_no_unfinished_job_points_to(vnch, settings):
    folder = import_jobs.uploads_folder()
    folder.mkdir(parents=True, exist_ok=True)
    orphan, fresh, waiting = (folder / f"{n}.csv" for n in ("orphan", "fresh", "waiting"))
    for path in (orphan, fresh, waiting):
        path.write_bytes(b"x")
    old = (timezone.now() - import_jobs.ORPHAN_AFTER * 2).timestamp()
    import os

    os.utime(orphan, (old, old))
    os.utime(waiting, (old, old))
    ImportJob.objects.create(institution=vnch, file_name="w.csv", path=str(waiting))

    assert import_jobs.sweep()["orphans"] == 1

    assert (orphan.exists(), fresh.exists(), waiting.exists()) == (False, True, True)
    for path in (fresh, waiting):
        path.unlink()


def test_it_fails_the_job_with_its_reason_and_takes_out_its_rows_on_an_error_half_way(
    client_for, vnch, monkeypatch
):
    monkeypatch.setattr(importer, "BATCH", 100)
    job = _upload(client_for, vnch, _rows(250))
    upload = Path(job.path)
    real = importer._write_batch
    calls = []

    def second_batch_breaks(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "_write_batch", second_batch_breaks)

    call_command("worker", batch=True, verbosity=0)  # the preview
    client_for("data_manager").post(
        reverse("registry:import_decide", args=[job.pk]), {"confirm": "1"}
    )
    call_command("worker", batch=True, verbosity=0)

    job.refresh_from_db()
    assert job.status == "failed"
    assert "unexpected error (RuntimeError)" in job.errors[0]["message"]
    assert job.path == "" and not upload.exists()
    assert Patient.objects.count() == 0
    assert AuditEntry.objects.filter(verb="registry.import_undone").count() == 1
