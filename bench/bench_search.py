"""Search and similar cases on a seeded network: p95 per request, index build, write cost.

Targets (issue 21), on the national data set (50,000 consultations, 500,000 messages, 200,000
patients): search p95 under 150 ms for one-word and three-word queries as an expert and as a
clinician; building the index from nothing under 5 minutes; similar cases under 100 ms; writing
a message within 10% of its time without the index.

Run on a seeded database (the seed's own last step builds the index and prints its time):
  CONSILIUM_DATA_DIR=/tmp/bench-national .venv/bin/consilium migrate
  CONSILIUM_DATA_DIR=/tmp/bench-national .venv/bin/consilium seed --scale national
  CONSILIUM_DATA_DIR=/tmp/bench-national .venv/bin/python bench/bench_search.py [--rebuild]
(or with DATABASE_URL=postgres://... for PostgreSQL). `--rebuild` times a rebuild of the whole
index from nothing first. The machine may be shared: the load average is printed."""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ONE_WORD = ["neuroblastoma", "radiotherapy", "relapse", "wilms", "hanoi", "protocol"]
THREE_WORDS = [
    "neuroblastoma bone marrow",
    "high risk induction",
    "rhabdo orbit radiotherapy",
    "wilms tumour surgery",
    "fever neutropenia antibiotics",
]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


# On a shared machine the wall clock measures the queue for a core as much as the work; the
# CPU time spent on the request is what an idle machine's wall clock would come near, so both
# are kept: the process's own (SQLite runs inside it) plus, on PostgreSQL, that of the server
# process serving this connection, read from /proc (10 ms ticks, so medians of many runs).
BACKEND_STAT: Path | None = None


def cpu_seconds() -> float:
    spent = time.process_time()
    if BACKEND_STAT is not None:
        fields = BACKEND_STAT.read_text().rsplit(")", 1)[1].split()
        spent += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return spent


def timed(fn, repeat: int, cpu: list[float] | None = None) -> list[float]:
    times = []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), cpu_seconds()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((cpu_seconds() - started_cpu) * 1000)
    return times


def report(label: str, times: list[float], cpu: list[float] | None = None) -> None:
    line = (
        f"{label:<44} median {statistics.median(times):7.1f} ms   p95 {p95(times):7.1f} ms"
        f"   (n={len(times)})"
    )
    if cpu:
        line += f"   CPU median {statistics.median(cpu):6.1f} ms p95 {p95(cpu):6.1f} ms"
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rebuild", action="store_true", help="time a rebuild first")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each query")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import Count

    from consilium.accounts.models import Membership, Role
    from consilium.consultations import actions
    from consilium.consultations.models import Assignment, Consultation, Message
    from consilium.search import index
    from consilium.search.engine import search
    from consilium.search.models import SearchDocument
    from consilium.search.similar import similar_cases

    global BACKEND_STAT
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            stat = Path(f"/proc/{cursor.fetchone()[0]}/stat")
        BACKEND_STAT = stat if stat.exists() else None  # a server on another machine: not counted
    print(f"database: {connection.vendor}; load average {os.getloadavg()[0]:.1f}")
    print(
        f"{Consultation.objects.count():,} consultations, {Message.objects.count():,} messages,"
        f" {SearchDocument.objects.count():,} search rows"
    )
    if args.rebuild:
        started, started_cpu = time.perf_counter(), cpu_seconds()
        counts = index.rebuild()
        print(
            f"index rebuilt from nothing in {time.perf_counter() - started:.1f} s"
            f" (CPU {cpu_seconds() - started_cpu:.1f} s): {counts}"
        )

    busiest = Assignment.objects.values("expert").annotate(n=Count("id")).order_by("-n").first()
    from consilium.accounts.models import User

    expert = User.objects.get(pk=busiest["expert"])
    clinician_membership = (
        Membership.objects.filter(role=Role.CLINICIAN, ended_at__isnull=True)
        .annotate(n=Count("institution__consultations_requested"))
        .order_by("-n")
        .select_related("user")
        .first()
    )
    clinician = clinician_membership.user
    for person, label in ((expert, "expert"), (clinician, "clinician")):
        sample = search(person, "neuroblastoma")
        print(f"{label} {person.email}: 'neuroblastoma' finds {sample.counts}")
        for name, queries in (("one word", ONE_WORD), ("three words", THREE_WORDS)):
            times, cpu = [], []
            for query in queries:
                search(person, query)  # warm
                times += timed(lambda q=query, p=person: search(p, q), args.repeat, cpu)
            report(f"search, {name}, as {label}", times, cpu)

    consultations = list(
        Consultation.objects.filter(patient__diagnoses__iccc_main_group__isnull=False)
        .select_related("patient")
        .order_by("-pk")[:30]
    )
    times, cpu = [], []
    for consultation in consultations:
        diagnosis = consultation.patient.diagnoses.first()
        times += timed(
            lambda d=diagnosis, c=consultation: similar_cases(
                clinician, d, exclude_patient_id=c.patient_id
            ),
            1,
            cpu,
        )
    report("similar cases, as clinician", times, cpu)

    # A message's write: the whole action, then the index's share of it, in rolled-back
    # transactions so the data set is left as it was.
    open_case = Consultation.objects.filter(status="accepted").order_by("-pk").first()
    if open_case is not None:
        author = open_case.requested_by
        with_index, index_only = [], []
        for _ in range(20):
            with transaction.atomic():
                started = time.perf_counter()
                actions.post_message(actor=author, consultation=open_case, body="Bench message.")
                with_index.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                index.append_message(open_case.pk, "Bench message.")
                index_only.append((time.perf_counter() - started) * 1000)
                transaction.set_rollback(True)
        report("post a message (with the index)", with_index)
        report("of which keeping the index", index_only)
        share = statistics.median(index_only) / statistics.median(with_index) * 100
        print(f"the index is {share:.0f}% of a message's write")


if __name__ == "__main__":
    main()
