"""Badges and certificates for a congress of 900 registrants (Tashkent 2024).

Targets (issue 17): the badge PDF for all 900 in under 2 minutes through the task queue
(queued as the organiser's "Prepare the badges" does, made by the worker); certificates for
all 900 (each rendered in its reader's language, mailed through the task queue and its
worker) in under 3 minutes. Mail goes to the data directory's outbox (the file backend) unless
CONSILIUM_EMAIL_HOST names an SMTP server.

Run: .venv/bin/python bench/bench_badges.py          (SQLite)
     DATABASE_URL=postgres://... .venv/bin/python bench/bench_badges.py
A data directory keeps its congress between runs: --registrants below its count still
renders them all, so try a small count in a fresh --data-dir."""

import argparse
import datetime
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check_in import congress
from pypdf import PdfReader
from registry_setup import setup_django


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrants", type=int, default=900)
    parser.add_argument("--language", default="uz")
    parser.add_argument(
        "--data-dir", default=str(Path(tempfile.gettempdir()) / "consilium-bench-checkin")
    )
    args = parser.parse_args()
    setup_django(args.data_dir)

    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from consilium.meetings.badges import prepare_badges
    from consilium.meetings.certificates import mail_certificates, mail_progress
    from consilium.meetings.models import DayAttendance, Registration, RegistrationStatus

    event, coordinator = congress(args.registrants)
    DBTaskResult.objects.all().delete()  # a previous run's
    registered = list(
        event.registrations.filter(status=RegistrationStatus.REGISTERED).order_by("full_name")
    )
    print(f"{connection.vendor}: {len(registered)} registrants; load {_load()}")

    # As the organiser's "Prepare the badges" does, then the worker: the request only queues.
    wall, cpu = time.perf_counter(), _cpu()
    prepare_badges(actor=coordinator, event=event, language=args.language)
    call_command("worker", batch=True, verbosity=0)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    event.refresh_from_db()
    assert event.badges_count == len(registered), (event.badges_count, event.badges_failed_at)
    with default_storage.open(event.badges_file, "rb") as f:
        pdf = f.read()
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(
        f"badges for {len(registered)}, queued and made by the worker: {wall:.1f} s wall, "
        f"{cpu:.1f} s CPU, {pages} pages, {len(pdf) / 1e6:.1f} MB (target 120 s)"
    )

    # Everyone attended the first day, six hours (the desk's own path is bench_check_in's).
    day = timezone.localdate(event.starts_at)
    DayAttendance.objects.bulk_create(
        [
            DayAttendance(registration=r, day=day, method="desk", at=event.starts_at)
            for r in registered
        ],
        ignore_conflicts=True,
    )
    Registration.objects.filter(pk__in=[r.pk for r in registered]).update(
        hours_attended=6, checked_in_at=event.starts_at, certificate_mailed_at=None
    )
    wall, cpu = time.perf_counter(), _cpu()
    queued = mail_certificates(actor=coordinator, event=event)
    call_command("worker", batch=True, verbosity=0)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    progress = mail_progress(event)
    print(
        f"certificates: {queued} queued, {progress['mailed']}/{progress['total']} mailed in "
        f"{wall:.1f} s wall, {cpu:.1f} s CPU (target 180 s); load {_load()}"
    )
    assert progress["mailed"] == progress["total"] == len(registered)


def _load() -> str:
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


if __name__ == "__main__":
    started = datetime.datetime.now()
    main()
    print(f"whole run {(datetime.datetime.now() - started).total_seconds():.0f} s")
