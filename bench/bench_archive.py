"""Consultation archive and queue (/consultations/) with a seeded network: p95 per request.

Target (issue 16): p95 under 100 ms with the national data set for an expert who sees
thousands of consultations, any filter combination, on SQLite and PostgreSQL.

Run: .venv/bin/python bench/bench_archive.py --scale national        (SQLite)
     DATABASE_URL=postgres://... .venv/bin/python bench/bench_archive.py --scale national
The network is seeded once into the bench's own data directory (or database) and kept, so a
second run measures at once; the seed's duration is printed when it runs. The reader is the
expert (or coordinator) who sees the most consultations. Each filter combination prints the
request's median and p95 and the row count it lists."""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry_setup import setup_django

CASES = [
    ("queue and archive, no filter", {}),
    ("page 40", {"page": "40"}),
    ("open, overdue first", {"status": "open", "sort": "overdue"}),
    ("assigned to me, last activity", {"role": "assigned", "sort": "activity"}),
    ("answered by me, ICCC IV", {"role": "answered", "iccc": "IV"}),
    ("recommended, not followed", {"status": "closed", "followed": "not"}),
    ("urgent, since a year, ICCC III", {"urgency": "urgent", "since": "2025-01-01", "iccc": "III"}),
    ("every filter", {
        "status": "recommended", "role": "assigned", "iccc": "I", "urgency": "routine",
        "since": "2020-01-01", "until": "2030-01-01", "followed": "unknown", "sort": "activity",
    }),
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="national")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    setup_django(str(Path(tempfile.gettempdir()) / f"consilium-bench-archive-{args.scale}"))

    from django.db.models import Count
    from django.test import Client

    from consilium.consultations.models import Assignment, Consultation
    from consilium.core.seed import seed

    if not Consultation.objects.exists():
        started = time.perf_counter()
        counts = seed(args.scale, log=lambda line: print("  seed:", line, flush=True))
        print(f"seeded {args.scale} in {time.perf_counter() - started:.0f} s: {counts}")
    top = (
        Assignment.objects.values("expert")
        .annotate(n=Count("consultation", distinct=True))
        .order_by("-n")
        .first()
    )
    from consilium.accounts.models import User

    reader = User.objects.get(pk=top["expert"])
    client = Client()
    client.force_login(reader)
    print(
        f"{Consultation.objects.count()} consultations; reader {reader.email} is assigned "
        f"{top['n']}; database {(os.environ.get('DATABASE_URL') and 'postgresql') or 'sqlite'}"
    )
    for label, query in CASES:
        response = client.get("/consultations/", query)  # warm
        assert response.status_code == 200, (label, response.status_code)
        # CPU time beside the wall clock: on a shared machine the wall clock is mostly the
        # wait for a core; SQLite's work is inside this process (PostgreSQL's is not).
        times, cpu = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get("/consultations/", query)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        times.sort()
        cpu.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        cpu_p95 = cpu[int(0.95 * (len(cpu) - 1))]
        print(
            f"{label:40} median {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms"
            f"  CPU median {statistics.median(cpu):6.1f} ms  p95 {cpu_p95:6.1f} ms"
        )
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
