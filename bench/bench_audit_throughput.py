"""Audit writes per second on PostgreSQL, with the sealer linking them into the chain (issue 22).

Four ways of appending entries, each for --seconds with --writers writers (each its own
connection), while one sealer seals every CONSILIUM_AUDIT_SEAL_SECONDS as a worker does:
- one, processes: `record`, one entry per transaction (an audited page view: a read's entry,
  which commits without waiting for the disk flush), each writer its own process, as app
  servers' workers are (threads of one process share one interpreter lock and measure Python,
  not the log);
- a change's, processes: the same with a change's verb, whose entry waits for the flush;
- one, threads: the same from threads of one process;
- batch, processes: `record_many`, --batch entries per transaction (bulk paths such as the
  consultation history; the importer writes one entry per import, not per patient).
For scale, the PostgreSQL server's own ceiling on the machine: `pgbench -n -c 16 -j 2 -T 8 -f`
a file with one single-row INSERT (its tps is one committed row per transaction).
The figures: entries per second appended, the sealing lag p50/p99 after the writers stop,
and `audit-verify` at the end. Target (issue 22): >= 5,000 entries/s, lag p99 < 5 s.

Run: .venv/bin/python bench/bench_audit_throughput.py [--seconds 20] [--writers 16]
     [--batch 100] [--database postgres://postgres@127.0.0.1:5432/consilium_bench_audit]
The database named is dropped and created afresh.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/consilium_bench_audit"
    )
    args = parser.parse_args()

    import psycopg

    name = urlsplit(args.database).path.lstrip("/")
    admin = args.database.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(
        DATABASE_URL=args.database,
        CONSILIUM_DATA_DIR=tempfile.mkdtemp(prefix="consilium-bench-audit-"),
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
    from django.db import connection
    from django.db.models import F

    from consilium.audit.actions import Pending, record, record_many, verify_chain
    from consilium.audit.models import AuditEntry
    from consilium.audit.sealer import seal as seal_entries
    from consilium.core.demo_data import load_foundation
    from consilium.network.models import Institution

    clinician = load_foundation()["clinician"]
    vnch = Institution.objects.get(code="VNCH")
    print(
        f"bench_audit_throughput: PostgreSQL, {args.writers} writers, {args.seconds:.0f} s a mode,"
        f" batch {args.batch}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )

    def one() -> int:
        # A read's entry (audit.actions.READS): committed without waiting for the disk flush.
        record(actor=clinician, verb="registry.patient_viewed", obj=vnch, institution_id=vnch.pk)
        return 1

    def one_change() -> int:
        # A change's entry on its own (as a change recorded outside its transaction would be):
        # it waits for the flush, as every read's entry did before.
        record(actor=clinician, verb="registry.event_recorded", obj=vnch, institution_id=vnch.pk)
        return 1

    def batch() -> int:
        pending = Pending(
            actor=clinician, verb="registry.patient_imported", obj=vnch, institution_id=vnch.pk
        )
        return record_many([pending] * args.batch)

    modes = (
        ("one a transaction, processes", one, True),
        ("a change's, processes", one_change, True),
        ("one a transaction, threads", one, False),
        (f"{args.batch} a transaction, processes", batch, True),
    )
    for mode, write, in_processes in modes:
        stop = threading.Event()
        counts = [0] * args.writers
        sealer_stop = threading.Event()

        def writer(i: int, write=write, stop=stop, counts=counts) -> None:
            try:
                while not stop.is_set():
                    counts[i] += write()
            finally:
                connection.close()

        def seal(sealer_stop=sealer_stop) -> None:
            # One sealer, as the lease keeps it in a deployment (consilium.audit.sealer).
            try:
                while not sealer_stop.is_set():
                    seal_entries()
                    sealer_stop.wait(1)
                seal_entries()
            finally:
                connection.close()

        before = AuditEntry.objects.count()
        sealer_thread = threading.Thread(target=seal)
        sealer_thread.start()
        threads = [threading.Thread(target=writer, args=(i,)) for i in range(args.writers)]
        started = time.perf_counter()
        if in_processes:
            append_from_processes(args, write)
        else:
            for t in threads:
                t.start()
            time.sleep(args.seconds)
            stop.set()
            for t in threads:
                t.join()
        elapsed = time.perf_counter() - started
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and AuditEntry.objects.filter(seq__isnull=True).exists():
            time.sleep(0.5)
        sealer_stop.set()
        sealer_thread.join()
        written = AuditEntry.objects.count() - before
        lags = sorted(
            (lag.total_seconds())
            for lag in AuditEntry.objects.filter(pk__gt=0)
            .order_by("-pk")[:written]
            .annotate(lag=F("sealed_at") - F("at"))
            .values_list("lag", flat=True)
            if lag is not None
        )
        p99 = lags[int(len(lags) * 0.99) - 1] if len(lags) >= 100 else (lags[-1] if lags else 0)
        print(
            f"  {mode:<24}{written / elapsed:>9,.0f} entries/s  ({written:,} entries; "
            f"sealing lag p50 {statistics.median(lags) if lags else 0:.2f} s, p99 {p99:.2f} s)"
        )
    verified = verify_chain()
    print(
        f"  audit-verify: {'intact' if verified.ok else 'BROKEN'}, {verified.checked:,} sealed, "
        f"{verified.unsealed} unsealed"
    )


def append_from_processes(args: argparse.Namespace, write) -> None:
    """--writers forked processes call `write` for --seconds, each on its own connection."""
    import multiprocessing

    from django.db import connections

    def writer(deadline: float) -> None:
        while time.monotonic() < deadline:
            write()
        connections.close_all()

    connections.close_all()
    context = multiprocessing.get_context("fork")
    deadline = time.monotonic() + args.seconds
    processes = [context.Process(target=writer, args=(deadline,)) for _ in range(args.writers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join()


if __name__ == "__main__":
    main()
