from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.registry.models import ImportJob, Patient
from tests.registry.csv_samples import ROWS, csv_bytes


def _upload(client, vnch, content: bytes):
    return client.post(
        reverse("registry:import"),
        {"institution": vnch.pk, "file": SimpleUploadedFile("registry.csv", content)},
    )


def test_it_imports_in_a_worker_and_shows_the_progress(
    audit_triggers_off_after_test, client_for, vnch
):
    client = client_for("data_manager")
    response = _upload(client, vnch, csv_bytes())
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("registry:import_job", args=[job.pk])
    assert Path(job.path).is_file()

    waiting = client.get(response["Location"]).content.decode()
    assert "Waiting for a worker" in waiting
    assert 'hx-trigger="every 2s"' in waiting
    assert 'http-equiv="refresh"' in waiting  # reloads without JavaScript too

    call_command("worker", batch=True, verbosity=0)

    job.refresh_from_db()
    assert (job.status, job.rows_total, job.rows_done, job.rows_imported) == ("done", 3, 3, 3)
    assert job.path == "" and not list(Path(job.path or "/nonexistent").parent.glob("*.csv"))
    assert Patient.objects.filter(import_job=job).count() == 3
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('\n<div id="progress"') or partial.lstrip().startswith(
        '<div id="progress"'
    )
    assert "every 2s" not in partial  # finished: the polling stops
    assert "3 patients imported" in partial
    assert AuditEntry.objects.filter(verb="registry.import_completed").count() == 1


def test_it_lists_every_problem_and_imports_nothing(
    audit_triggers_off_after_test, client_for, vnch
):
    client = client_for("data_manager")
    rows = [ROWS[0], ROWS[1].replace("C42.1", "C42.9"), ROWS[2].replace(",M,", ",?,")]
    response = _upload(client, vnch, csv_bytes(rows))

    call_command("worker", batch=True, verbosity=0)

    job = ImportJob.objects.get()
    assert job.status == "failed"
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "topography"), (4, "sex")]
    html = client.get(response["Location"]).content.decode()
    assert "Nothing was imported: 2 problems." in html
    assert Patient.objects.count() == 0
    assert not Path(job.path or "/nonexistent").exists()


def test_it_refuses_the_page_and_the_jobs_outside_the_clinical_team(client_for, vnch):
    job = ImportJob.objects.create(institution=vnch, file_name="x.csv")
    for persona in ("coordinator", "expert", "outsider"):
        client = client_for(persona)
        assert client.get(reverse("registry:import")).status_code == 403
        assert client.get(reverse("registry:import_job", args=[job.pk])).status_code == 404
