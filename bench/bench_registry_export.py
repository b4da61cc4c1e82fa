"""Registry exports of 100,000 patients: the FHIR Bundle and the CSV, time and peak memory.

No target in the issue; what is checked is that an export streams: its memory must not grow
with the registry (the FHIR Bundle built as one model took 5.6 GB and 268 s at 100,000).

Run: .venv/bin/python bench/bench_registry_export.py          (SQLite)
     DATABASE_URL=postgres://... .venv/bin/python bench/bench_registry_export.py
It shares the patient-list benchmark's data directory and patients (loaded once and kept).
Each export is written to a temporary file, as `consilium export-fhir --output` does."""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry_setup import load_list_patients, setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    args = parser.parse_args()
    setup_django(str(Path(tempfile.gettempdir()) / "consilium-bench-list"))

    from django.db import connection

    from consilium.registry import exports, fhir

    institution = load_list_patients(args.patients)
    formats = {
        "FHIR Bundle": lambda: fhir.bundle_chunks(institution),
        "CSV, pseudonymised": lambda: exports.csv_lines(institution, identifiers=False),
        "CSV, with identifiers": lambda: exports.csv_lines(institution, identifiers=True),
    }
    print(f"Registry exports on {connection.vendor}, {args.patients:,} patients:")
    for name, chunks in formats.items():
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started, cpu = time.perf_counter(), time.process_time()
        with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
            out.writelines(chunks())
            size = out.tell()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"  {name:<22} {seconds:6.1f} s (CPU {cpu:.1f} s), {size / 1e6:6.1f} MB written,"
            f" peak RSS {peak / 1024:.0f} MB (before {before / 1024:.0f} MB)"
        )
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
