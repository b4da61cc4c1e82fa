import io
import re
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from consilium.audit.models import AuditEntry
from consilium.registry.models import ImportJob, Patient
from tests.registry.csv_samples import HEADER, ROWS, csv_bytes


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
    assert (job.status, job.preview["new"], Patient.objects.count()) == ("preview", 3, 0)
    preview = client.get(response["Location"]).content.decode()
    assert "3 new patients" in preview and "every 2s" not in preview
    assert Path(job.path).is_file()  # kept for the confirmed import
    client.post(reverse("registry:import_decide", args=[job.pk]), {"confirm": "1"})
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


def test_it_lists_every_problem_and_imports_nothing_until_told_to_leave_their_rows_out(
    audit_triggers_off_after_test, client_for, vnch
):
    client = client_for("data_manager")
    rows = [ROWS[0], ROWS[1].replace("C42.1", "C42.9"), ROWS[2].replace(",M,", ",?,")]
    response = _upload(client, vnch, csv_bytes(rows))

    call_command("worker", batch=True, verbosity=0)

    job = ImportJob.objects.get()
    assert (job.status, job.preview["new"], job.preview["skipped"]) == ("preview", 1, 2)
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "topography"), (4, "sex")]
    html = client.get(response["Location"]).content.decode()
    assert "The file has 2 problems, listed below." in html
    assert "2 patients left out" in html and "Patient rows left out: 3, 4" in html
    assert 'value="skip">Import without the 2 patients with problems' in html
    assert 'value="1">Import</button>' not in html  # no plain "Import" for such a file
    assert Patient.objects.count() == 0 and Path(job.path).is_file()

    # A plain confirmation (an old form, a crafted post) is refused: the choice is explicit.
    refused = client.post(
        reverse("registry:import_decide", args=[job.pk]), {"confirm": "1"}, follow=True
    )
    assert "This file has problems" in refused.content.decode()
    job.refresh_from_db()
    assert (job.status, job.skips_problems) == ("preview", False)

    client.post(reverse("registry:import_decide", args=[job.pk]), {"confirm": "skip"})
    call_command("worker", batch=True, verbosity=0)

    job.refresh_from_db()
    assert (job.status, job.rows_imported, job.error_count) == ("done", 1, 2)
    assert list(Patient.objects.values_list("identity__hospital_number", flat=True)) == [
        "BN24-00101"
    ]
    assert not Path(job.path or "/nonexistent").exists()
    done = client.get(response["Location"]).content.decode()
    assert "1 patient imported." in done
    assert "2 patients with problems were left out, as chosen" in done
    confirmed = AuditEntry.objects.get(verb="registry.import_confirmed")
    assert confirmed.details["rows_left_out"] == 2
    completed = AuditEntry.objects.get(verb="registry.import_completed")
    assert completed.details["rows_left_out"] == 2


def test_the_problems_are_shown_in_the_readers_language_not_the_uploaders(
    audit_triggers_off_after_test, client_for, personas, vnch
):
    uploader = client_for("data_manager")
    personas["data_manager"].language = "vi"
    personas["data_manager"].save(update_fields=["language"])
    rows = [ROWS[0], ROWS[1].replace("2016-07-30", "30/07/2016")]
    response = _upload(uploader, vnch, csv_bytes(rows))
    call_command("worker", batch=True, verbosity=0)

    reader = client_for("clinician")
    personas["clinician"].language = "fr"
    personas["clinician"].save(update_fields=["language"])
    french = reader.get(response["Location"]).content.decode()
    vietnamese = uploader.get(response["Location"]).content.decode()

    assert "n'est pas une date" in french or "pas une date" in french
    assert "không phải là ngày" in vietnamese
    assert "is not a date" not in french + vietnamese


def test_it_refuses_the_page_and_the_jobs_outside_the_clinical_team(client_for, vnch):
    job = ImportJob.objects.create(institution=vnch, file_name="x.csv")
    for persona in ("coordinator", "expert", "outsider"):
        client = client_for(persona)
        assert client.get(reverse("registry:import")).status_code == 403
        assert client.get(reverse("registry:import_job", args=[job.pk])).status_code == 404


def _previewed(client, vnch, content: bytes) -> ImportJob:
    response = _upload(client, vnch, content)
    call_command("worker", batch=True, verbosity=0)
    job = ImportJob.objects.order_by("-pk").first()
    assert response["Location"] == reverse("registry:import_job", args=[job.pk])
    return job


def test_a_re_import_previews_exactly_the_two_changed_rows_and_writes_only_them(
    audit_triggers_off_after_test, client_for, vnch
):
    client = client_for("data_manager")
    first = _previewed(client, vnch, csv_bytes())
    client.post(reverse("registry:import_decide", args=[first.pk]), {"confirm": "1"})
    call_command("worker", batch=True, verbosity=0)
    changed = [
        ROWS[0].replace(",alive,2026-06-01", ",dead,2026-06-01"),
        ROWS[1],
        ROWS[2].replace(",III,", ",IV,"),
    ]

    job = _previewed(client, vnch, csv_bytes(changed))

    assert job.status == "preview"
    assert (job.preview["new"], job.preview["changed"], job.preview["unchanged"]) == (0, 2, 1)
    html = client.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    assert "2 patients changed" in html and "1 patient unchanged" in html
    assert re.search(r"<td[^>]*>alive</td><td[^>]*>dead</td>", html)
    assert re.search(r"<td[^>]*>III</td><td[^>]*>IV</td>", html)
    assert "Nguyễn" not in html  # no identifier in the preview
    assert AuditEntry.objects.filter(verb="registry.import_previewed").count() == 1
    assert Patient.objects.filter(vital_status="dead").count() == 0

    client.post(reverse("registry:import_decide", args=[job.pk]), {"confirm": "1"})
    call_command("worker", batch=True, verbosity=0)

    job.refresh_from_db()
    assert (job.status, job.rows_imported, job.rows_updated) == ("done", 0, 2)
    assert Patient.objects.filter(vital_status="dead").count() == 1
    assert AuditEntry.objects.filter(verb="registry.import_updated").count() == 2
    assert AuditEntry.objects.filter(verb="registry.import_confirmed").count() == 2
    assert (
        "2 patients updated"
        in client.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    )


def test_a_cancelled_preview_writes_nothing_and_deletes_the_upload(
    audit_triggers_off_after_test, client_for, vnch
):
    client = client_for("data_manager")
    job = _previewed(client, vnch, csv_bytes())
    upload = Path(job.path)

    client.post(reverse("registry:import_decide", args=[job.pk]), {"cancel": "1"})

    job.refresh_from_db()
    assert (job.status, job.path, upload.exists()) == ("cancelled", "", False)
    assert (
        "Cancelled: nothing was imported"
        in client.get(reverse("registry:import_job", args=[job.pk])).content.decode()
    )
    # Confirming afterwards is refused by message, and nothing is queued.
    response = client.post(
        reverse("registry:import_decide", args=[job.pk]), {"confirm": "1"}, follow=True
    )
    assert "no longer waiting for a confirmation" in response.content.decode()
    call_command("worker", batch=True, verbosity=0)
    assert Patient.objects.count() == 0
    assert AuditEntry.objects.filter(verb="registry.import_cancelled").count() == 1


def test_an_unconfirmed_preview_is_dropped_with_its_upload_after_a_day(
    audit_triggers_off_after_test, client_for, vnch
):
    import datetime

    from django.utils import timezone

    from consilium.registry.import_jobs import sweep

    job = _previewed(client_for("data_manager"), vnch, csv_bytes())
    upload = Path(job.path)
    sweep()
    assert upload.exists()  # a fresh preview waits
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2)
    )

    sweep()

    job.refresh_from_db()
    assert (job.status, upload.exists(), Patient.objects.count()) == ("failed", False, 0)
    assert "Nobody confirmed" in job.errors[0]["message"]


def test_only_the_clinical_team_decides(audit_triggers_off_after_test, client_for, vnch):
    job = _previewed(client_for("data_manager"), vnch, csv_bytes())
    for persona in ("coordinator", "expert", "outsider"):
        response = client_for(persona).post(
            reverse("registry:import_decide", args=[job.pk]), {"confirm": "1"}
        )
        assert response.status_code in (403, 404)
    job.refresh_from_db()
    assert job.status == "preview" and job.confirmed_at is None


def test_an_xlsx_upload_is_read_though_it_waits_under_another_name(
    audit_triggers_off_after_test, client_for, vnch
):
    """The upload waits as "<uuid>.upload": openpyxl refuses such a path by its name."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "patients"
    sheet.append(HEADER.split(","))
    for row in ROWS:
        sheet.append(row.split(","))
    out = io.BytesIO()
    book.save(out)
    client = client_for("data_manager")
    client.post(
        reverse("registry:import"),
        {"institution": vnch.pk, "file": SimpleUploadedFile("registry.xlsx", out.getvalue())},
    )

    call_command("worker", batch=True, verbosity=0)

    job = ImportJob.objects.get()
    assert (job.status, job.preview["new"]) == ("preview", 3), job.errors


def test_it_lists_a_fhir_bundles_problems_by_entry_resource_and_field(
    audit_triggers_off_after_test, client_for, vnch
):
    client = client_for("data_manager")
    bundle = (
        b'{"resourceType": "Bundle", "type": "collection", "entry": ['
        b'{"resource": {"resourceType": "Encounter", "id": "e1"}},'
        b'{"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Condition", "id": "c1",'
        b' "subject": {"reference": "urn:uuid:nobody"}}}]}'
    )
    response = client.post(
        reverse("registry:import"),
        {"institution": vnch.pk, "file": SimpleUploadedFile("registry.json", bundle)},
    )

    call_command("worker", batch=True, verbosity=0)

    job = ImportJob.objects.get()
    assert job.status == "failed"  # a Bundle's problems are the whole file's: none left out
    assert [(e["sheet"], e["column"]) for e in job.errors] == [
        ("Bundle entry 1 (Encounter/e1)", "resourceType"),
        ("Bundle entry 2 (Condition/c1)", "subject.reference"),
    ]
    html = client.get(response["Location"]).content.decode()
    assert "Unknown resource “Encounter”" in html and "Bundle entry 2 (Condition/c1)" in html
    assert Patient.objects.count() == 0
