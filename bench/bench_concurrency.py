"""Registrations, imports, audited page reads and incoming mail at once on PostgreSQL (issue 22).

For --seconds, in threads of one process, each on its own database connection:
- --writers audited patient reads: a transaction that loads a patient and appends the audit
  entry a patient page appends (the audit log's hot path, with its foreign key to the
  institution that registrations lock);
- two registrars that walk the same list of children in the same order, so each child is
  submitted twice at about the same moment (and one in ten children twice more);
- two import workers that import the same file at the same moment, round after round (as
  two workers given two uploads of one file do), each file 90 new children and 10 of the
  registrars' children ahead of them, so imports race each other and the registrars;
- a mail gateway storing incoming messages with their processing task (`inbound.store`);
- the audit sealer, as a worker runs it (lease, every CONSILIUM_AUDIT_SEAL_SECONDS).

Reports deadlocks and other errors, duplicate hospital numbers, stored mails without their
task (lost tasks), audit entries per second, the sealing lag (sealed_at - at) p50/p99, and
whether `audit-verify` holds at the end. Targets: 0 deadlocks, 0 duplicates, 0 lost tasks,
audit entries >= 5,000/s from 16 writers, sealing lag p99 < 5 s.

Run: .venv/bin/python bench/bench_concurrency.py [--seconds 120] [--writers 16]
     [--database postgres://postgres@127.0.0.1:5432/consilium_bench_concurrency]
The database named is dropped and created afresh.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/consilium_bench_concurrency"
    )
    args = parser.parse_args()

    import psycopg

    url = urlsplit(args.database)
    name = url.path.lstrip("/")
    admin = args.database.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(
        DATABASE_URL=args.database,
        CONSILIUM_DATA_DIR=tempfile.mkdtemp(prefix="consilium-bench-concurrency-"),
        CONSILIUM_LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="consilium.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run(args)


def run(args: argparse.Namespace) -> None:
    from django.db import OperationalError, connection, transaction
    from django_tasks_db.models import DBTaskResult

    from consilium.audit.actions import record, verify_chain
    from consilium.audit.models import AuditEntry
    from consilium.audit.sealer import Sealer
    from consilium.consultations.mail import inbound
    from consilium.consultations.models import InboundEmail
    from consilium.core.demo_data import load_foundation
    from consilium.network.models import Institution
    from consilium.registry import actions
    from consilium.registry.actions import PossibleDuplicate
    from consilium.registry.importer import import_csv
    from consilium.registry.models import Patient, PatientIdentity
    from consilium.registry.validation import (
        ChecksFailed,
        DiagnosisData,
        IdentityData,
        PatientData,
    )

    personas = load_foundation()
    clinician = personas["clinician"]
    data_manager = personas["data_manager"]
    vnch = Institution.objects.get(code="VNCH")
    rng = random.Random(22)

    def child(i: int) -> IdentityData:
        return IdentityData(
            name=f"Child {i} Nguyễn",
            birth_date=datetime.date(2015, 1, 1) + datetime.timedelta(days=i % 3000),
            hospital_number=f"BN-{i:06d}",
        )

    def register(identity: IdentityData) -> Patient:
        return actions.register_patient(
            actor=clinician,
            institution=vnch,
            identity=identity,
            patient=PatientData(sex="male", region="Hà Nội", consent_status="given"),
            diagnosis=DiagnosisData(
                date=datetime.date(2024, 5, 2),
                topography="C74.0",
                morphology="9500",
                behaviour="3",
                basis_of_diagnosis="7",
            ),
            confirm_duplicate=True,  # the worst case: even a confirmed duplicate must not pass
        )

    seen = [register(child(-i - 1)) for i in range(20)]
    patients = [p.pk for p in seen]
    connection.close()

    stop = threading.Event()
    errors: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    lock = threading.Lock()

    def count(key: str, n: int = 1) -> None:
        with lock:
            counts[key] += n

    def failed(exc: Exception) -> None:
        kind = "deadlock" if "deadlock" in str(exc).lower() else type(exc).__name__
        with lock:
            errors[kind] += 1

    def reader() -> None:
        local = random.Random(threading.get_ident())
        try:
            while not stop.is_set():
                try:
                    with transaction.atomic():
                        patient = Patient.objects.only("pk", "institution_id").get(
                            pk=local.choice(patients)
                        )
                        record(
                            actor=clinician,
                            verb="registry.patient_viewed",
                            obj=patient,
                            institution_id=patient.institution_id,
                            details={"pseudonym": "bench"},
                        )
                    count("audited reads")
                except OperationalError as exc:
                    failed(exc)
        finally:
            connection.close()

    order = list(range(100_000))
    repeats = set(rng.sample(range(2000), 200))

    def registrar() -> None:
        try:
            for i in order:
                if stop.is_set():
                    return
                for _ in range(2 if i in repeats else 1):
                    try:
                        register(child(i))
                        count("registered")
                    except (PossibleDuplicate, ChecksFailed):
                        count("duplicates refused")
                    except OperationalError as exc:
                        failed(exc)
                time.sleep(0.05)
        finally:
            connection.close()

    def mail() -> None:
        n = 0
        try:
            while not stop.is_set():
                msg = EmailMessage()
                msg["From"] = "claire.martin@curie.demo"
                msg["To"] = "reply+x@consilium.example"
                msg["Subject"] = "Re: consultation"
                msg["Message-ID"] = make_msgid(domain="curie.demo")
                msg.set_content(f"Reply {n}")
                n += 1
                try:
                    inbound.store(msg.as_bytes(), queue=True)
                    count("mails stored")
                except OperationalError as exc:
                    failed(exc)
                time.sleep(0.02)
        finally:
            connection.close()

    files = Path(tempfile.mkdtemp(prefix="consilium-bench-imports-"))
    same_moment = threading.Barrier(2)

    def import_rows(n: int) -> bytes:
        rows = [
            f"IMP-{n:05d}-{i:03d},Child {n} {i} Trần,2016-03-{1 + i % 28:02d}" for i in range(90)
        ]
        for j in range(10):
            # A child the registrars reach later: the same hospital number, name and birth date.
            ahead = child(n * 40 + j * 4)
            rows.append(f"{ahead.hospital_number},{ahead.name},{ahead.birth_date}")
        lines = [IMPORT_HEADER] + [row + IMPORT_REST for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode()

    def import_worker(which: int) -> None:
        n = 0
        try:
            while not stop.is_set():
                path = files / f"worker{which}-{n}.csv"
                path.write_bytes(import_rows(n))
                try:
                    same_moment.wait(timeout=30)
                except threading.BrokenBarrierError:
                    return
                try:
                    outcome = import_csv(path, vnch, actor=data_manager)
                    count("imports done" if outcome.ok else "imports refused")
                    count("patients imported", outcome.imported)
                except OperationalError as exc:
                    failed(exc)
                n += 1
        finally:
            same_moment.abort()
            connection.close()

    sealer = Sealer(holder="bench-sealer")
    threads = [threading.Thread(target=reader) for _ in range(args.writers)]
    threads += [threading.Thread(target=registrar) for _ in range(2)]
    threads += [threading.Thread(target=import_worker, args=(w,)) for w in range(2)]
    threads.append(threading.Thread(target=mail))
    start_entries = AuditEntry.objects.count()
    connection.close()
    started = time.monotonic()
    sealer.start()
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join(60)
    elapsed = time.monotonic() - started
    # Let the sealer catch up, as it would in a few seconds.
    deadline = time.monotonic() + 30
    while AuditEntry.objects.filter(seq__isnull=True).exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    sealer.stop()

    entries = AuditEntry.objects.count() - start_entries
    lags = sorted(
        (sealed - at).total_seconds()
        for at, sealed in AuditEntry.objects.filter(sealed_at__isnull=False)
        .values_list("at", "sealed_at")
        .order_by("-id")[:entries]
    )
    duplicates = (
        PatientIdentity.objects.exclude(hospital_number_digest="")
        .values("institution_id", "hospital_number_digest")
        .annotate(n=django_count())
        .filter(n__gt=1)
        .count()
    )
    stored = set(InboundEmail.objects.values_list("pk", flat=True))
    queued = {
        row.args_kwargs["kwargs"]["inbound_id"]
        for row in DBTaskResult.objects.filter(task_path__endswith="process_inbound")
    }
    verified = verify_chain()

    print(f"bench_concurrency: {args.seconds:.0f} s on PostgreSQL, {args.writers} audited readers,")
    print("  2 registrars racing on the same children, 2 import workers racing on the same")
    print("  files and with the registrars, 1 mail gateway, 1 sealer")
    for key in (
        "audited reads",
        "registered",
        "duplicates refused",
        "imports done",
        "imports refused",
        "patients imported",
        "mails stored",
    ):
        print(f"  {key:<22}{counts[key]:>10,}")
    print(f"  audit entries/s       {entries / elapsed:>10,.0f}   ({entries:,} entries)")
    if lags:
        p50 = statistics.median(lags)
        p99 = lags[int(len(lags) * 0.99) - 1] if len(lags) >= 100 else lags[-1]
        print(f"  sealing lag p50/p99   {p50:>7.2f} s / {p99:.2f} s   (max {lags[-1]:.2f} s)")
    print(f"  deadlocks             {errors['deadlock']:>10}")
    other = {k: v for k, v in errors.items() if k != "deadlock"}
    print(f"  other errors          {sum(other.values()):>10}   {other or ''}")
    print(f"  duplicate hospital nos{duplicates:>10}")
    print(f"  lost tasks            {len(stored - queued):>10}")
    print(
        f"  audit-verify          {'intact' if verified.ok else 'BROKEN'}: {verified.checked:,} "
        f"sealed, {verified.unsealed} unsealed"
    )


IMPORT_HEADER = (
    "hospital_number,name,birth_date,sex,region,diagnosis_date,topography,morphology,behaviour,"
    "basis_of_diagnosis,stage_tumour,stage_tier,stage_value,vital_status,last_contact"
)
IMPORT_REST = ",male,Hà Nội,2024-05-02,C74.0,9500,3,7,neuroblastoma,2,L2,alive,2026-06-01"


def django_count():
    from django.db.models import Count

    return Count("pk")


if __name__ == "__main__":
    main()
