"""Registry CSV import: 100,000 patient rows, all checks, all or nothing.

Targets (issue 4): under 60 s and under 300 MB peak memory.

Run: .venv/bin/python bench/bench_registry_import.py [--rows 100000]
(SQLite in a new data directory of its own; with DATABASE_URL set, that PostgreSQL database,
where the patients of the previous run are deleted first.)"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry_setup import forget_patients, setup_django, write_csv


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    setup_django(tempfile.mkdtemp(prefix="consilium-bench-import-"))

    from django.db import connection

    from consilium.network.models import Institution
    from consilium.registry.importer import import_csv

    institution = Institution.objects.get(code="KHOSP")
    forget_patients(institution)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "registry.csv"
        write_csv(path, args.rows)
        size = path.stat().st_size
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started, started_cpu = time.perf_counter(), time.process_time()
        outcome = import_csv(path, institution, actor=None)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - started_cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert outcome.ok, outcome.errors[:5]
    print(
        f"Registry import on {connection.vendor}: {outcome.imported:,} rows"
        f" ({size / 1e6:.1f} MB CSV) in {seconds:.1f} s"
        f" ({outcome.imported / seconds:,.0f} rows/s);"
        f" peak RSS {peak / 1024:.0f} MB (before the import {before / 1024:.0f} MB)"
    )
    print(
        f"targets: < 60 s {'OK' if seconds < 60 else 'MISSED'},"
        f" < 300 MB {'OK' if peak / 1024 < 300 else 'MISSED'}"
    )
    print(
        f"(CPU time of this process {cpu:.1f} s; load average {os.getloadavg()[0]:.1f} on"
        f" {os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    main()
