"""Time the outcomes pipeline end to end on 1,000,000 synthetic patients.

    .venv/bin/python bench/bench_outcomes.py                       # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/consilium \\
        .venv/bin/python bench/bench_outcomes.py                   # and PostgreSQL

What is timed is what the outcomes page does: the database's GROUP BY of per-time counts
(consilium.outcomes.aggregates, event-free survival by ICCC-3 main group: 12 groups), then
Kaplan-Meier with 95% confidence intervals for every group, estimates at 1, 2, 3, 5 years, the
at-risk tables and the log-rank test (consilium.outcomes.report.summarise). lifelines fits the
same curves and test from the same patients (as arrays, already in memory: it is not charged
for reading the database), and the ratio is printed.

The patients are **bulk-inserted directly** (executemany on SQLite, COPY on PostgreSQL) into a
throwaway database, bypassing the registry's actions, checks and audit log: a million
registrations through the actions would take hours and are not what is measured. As after the
registry's own bulk import, the survival facts the GROUP BY reads (first diagnosis, first event
of each kind, kept on Patient) are then filled by the registry's set-based UPDATE
(consilium.registry.survival_facts.refresh), timed apart from the insert and the query. SQLite uses
a temporary data directory; PostgreSQL a database ``consilium_bench_outcomes`` created and
dropped on the server of DATABASE_URL (``BENCH_DB=name`` to choose another name). numpy and
lifelines are bench/test dependencies only.

To time the query again without rebuilding the million patients: ``BENCH_KEEP=1`` keeps the
database (its SQLite directory is printed), then ``BENCH_REUSE=/tmp/bench-outcomes-xxxx``
(SQLite) or ``BENCH_REUSE=1`` (PostgreSQL, database ``BENCH_DB``) runs pending migrations on
it (so a new migration is exercised on a million rows) and times the query only.

Each figure is printed with the load average and, per run, this process's CPU time: on
SQLite the database runs inside the process, so CPU time is what the query costs when the
machine is shared; on PostgreSQL it leaves out the server's work.
"""

from __future__ import annotations

import datetime
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np

PATIENTS = int(os.environ.get("BENCH_PATIENTS", "1000000"))
REPEATS = 3
# A database kept by an earlier run (BENCH_KEEP=1): its SQLite data directory, or "1" for the
# PostgreSQL database BENCH_DB. Skips the insert (minutes on a busy machine) and times only
# the query; the same seed regenerates the same patients for the checks and for lifelines.
REUSE = os.environ.get("BENCH_REUSE", "")
BENCH_DB = os.environ.get("BENCH_DB", "consilium_bench_outcomes")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# topography, morphology, behaviour, basis, stage tumour, stages (ICCC codes are looked up)
CASES = [
    ("C421", "9836", "3", "5", "all", ("CNS1", "CNS2", "CNS3")),
    ("C421", "9861", "3", "5", "aml", ("CNS negative",)),
    ("C749", "9500", "3", "7", "neuroblastoma", ("L1", "L2", "M", "MS")),
    ("C649", "8960", "3", "7", "wilms", ("I", "II", "III", "IV")),
    ("C692", "9510", "3", "1", "retinoblastoma", ("0", "I", "II")),
    ("C716", "9470", "3", "7", "medulloblastoma", ("M0", "M1")),
    ("C716", "9421", "1", "7", "", ()),
    ("C771", "9663", "3", "7", "hodgkin", ("IIA", "IIIB")),
    ("C172", "9687", "3", "7", "nhl", ("III", "IV")),
    ("C402", "9180", "3", "7", "osteosarcoma", ("Localised", "Metastatic")),
    ("C220", "8970", "3", "7", "hepatoblastoma", ("I", "II", "III")),
    ("C499", "8910", "3", "7", "rhabdomyosarcoma", ("1", "2", "3")),
]


def pg_urls(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return (
        urlunsplit(parts._replace(path="/postgres")),
        urlunsplit(parts._replace(path=f"/{BENCH_DB}")),
    )


def prepare(vendor: str) -> None:
    if vendor == "postgresql":
        import psycopg

        admin, bench = pg_urls(os.environ["DATABASE_URL"])
        if not REUSE:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
                conn.execute(f"CREATE DATABASE {BENCH_DB}")
        os.environ["DATABASE_URL"] = bench
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["CONSILIUM_DATA_DIR"] = REUSE or tempfile.mkdtemp(prefix="bench-outcomes-")
        print(f"sqlite: data directory {os.environ['CONSILIUM_DATA_DIR']}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
    os.environ.setdefault("CONSILIUM_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if REUSE:
        # Migrations new since the database was built run on its million patients here.
        print(f"{vendor}: migrate on the kept database in {time.perf_counter() - started:.1f} s")
    from consilium.core.demo_data import load_foundation

    load_foundation()


def synthetic(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    origin = np.datetime64("2008-01-01")
    diag = origin + rng.integers(0, 6000, n).astype("timedelta64[D]")
    case = rng.integers(0, len(CASES), n)
    follow = rng.integers(0, 4000, n)
    death = np.where(rng.random(n) < 0.25, rng.exponential(900, n).astype(np.int64), -1)
    relapse = np.where(rng.random(n) < 0.2, rng.exponential(600, n).astype(np.int64), -1)
    abandon = np.where(rng.random(n) < 0.08, rng.integers(20, 200, n), -1)
    # Events after the end of follow-up did not happen (yet).
    death[death > follow] = -1
    relapse[(relapse > follow) | ((death >= 0) & (relapse >= death))] = -1
    abandon[(abandon > follow) | ((death >= 0) & (abandon > death))] = -1
    return {
        "diag": diag,
        "case": case,
        "follow": follow,
        "death": death,
        "relapse": relapse,
        "abandon": abandon,
        "institution": rng.integers(0, 2, n),
    }


def insert(data: dict[str, np.ndarray], institution_ids: list[int]) -> None:
    from django.db import connection, transaction

    from consilium.registry.iccc import classify

    codes = [classify(c[0], c[1], c[2]) for c in CASES]
    n = len(data["diag"])
    diag = data["diag"]
    last_contact = diag + data["follow"].astype("timedelta64[D]")
    dead = data["death"] >= 0
    now = datetime.datetime.now(datetime.UTC).isoformat()
    rng = np.random.default_rng(7)
    stage_pick = rng.integers(0, 4, n)

    def patients():
        for i in range(n):
            d = diag[i].item()
            yield (
                i + 1,
                institution_ids[data["institution"][i]],
                f"B-{i:07d}",
                d.year,
                i + 1,
                "female",
                2005,
                1,
                "",
                "given",
                None,
                "",
                "dead" if dead[i] else "alive",
                last_contact[i].item(),
                d.year,
                now,
                # origin_iccc_group, origin_stage_tumour, origin_stage_value,
                # origin_index_cancer: filled below with the other survival facts.
                "",
                "",
                "",
                "",
            )

    def diagnoses():
        for i in range(n):
            c = CASES[data["case"][i]]
            r = codes[data["case"][i]]
            stage = c[5][stage_pick[i] % len(c[5])] if c[5] else ""
            yield (
                i + 1,
                i + 1,
                diag[i].item(),
                c[0],
                c[1],
                c[2],
                "",
                "not_paired",
                c[3],
                r.recode,
                r.extended,
                r.main_group or "",
                c[4],
                2 if stage else None,
                stage,
                "",
                5,
                now,
            )

    def events():
        pk = 0
        for name, kind in (("death", "death"), ("relapse", "relapse"), ("abandon", "abandonment")):
            days = data[name]
            for i in np.flatnonzero(days >= 0):
                pk += 1
                when = (diag[i] + np.timedelta64(int(days[i]), "D")).item()
                yield (pk, int(i) + 1, None, kind, when, "disease" if kind == "death" else "", "")

    tables = [
        (
            "registry_patient",
            "id, institution_id, pseudonym, pseudonym_year, pseudonym_number, sex,"
            " birth_year, birth_month, region, consent_status, consent_date, consent_waiver_reason,"
            " vital_status, last_contact, diagnosis_year, created_at, origin_iccc_group,"
            " origin_stage_tumour, origin_stage_value, origin_index_cancer",
            patients,
        ),
        (
            "registry_diagnosis",
            "id, patient_id, date, topography, morphology, behaviour, grade,"
            " laterality, basis_of_diagnosis, iccc_recode, iccc_extended, iccc_main_group,"
            " stage_tumour, stage_tier, stage_value, risk_group, age_at_diagnosis, created_at",
            diagnoses,
        ),
        (
            "registry_followupevent",
            "id, patient_id, diagnosis_id, kind, date, death_cause, note",
            events,
        ),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, rows in tables:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows():
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns.split(",")))
                sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
                batch = []
                for row in rows():
                    batch.append(row)
                    if len(batch) == 50_000:
                        cursor.executemany(sql, batch)
                        batch.clear()
                if batch:
                    cursor.executemany(sql, batch)
    # What the registry does after its own bulk import: the survival facts (first diagnosis,
    # first event of each kind) computed onto the Patient rows by the same set-based UPDATE.
    from consilium.registry import survival_facts
    from consilium.registry.models import Patient

    started = time.perf_counter()
    with transaction.atomic():
        survival_facts.refresh(Patient.objects.all())
    print(
        f"{connection.vendor}: survival facts of {n:,} patients (set-based UPDATE)"
        f" in {time.perf_counter() - started:.1f} s"
    )
    with connection.cursor() as cursor:
        # VACUUM too on PostgreSQL: the UPDATE rewrote every row (autovacuum would, later).
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        if connection.vendor == "sqlite":
            # Time a settled database, not reads through a 400 MB write-ahead log.
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def run_ours(ids: list[int]):
    from consilium.outcomes import aggregates, groupings
    from consilium.outcomes.endpoints import Endpoint
    from consilium.outcomes.report import summarise

    return summarise(aggregates.life_tables(Endpoint.EFS, groupings.by_iccc(), ids))


def efs_arrays(data: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    big = np.iinfo(np.int64).max
    death = np.where(data["death"] >= 0, data["death"], big)
    relapse = np.where(data["relapse"] >= 0, data["relapse"], big)
    first = np.minimum(death, relapse)
    observed = first != big
    return np.where(observed, first, data["follow"]), observed


def run_lifelines(data, groups):
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test

    durations, observed = efs_arrays(data)
    for g in np.unique(groups):
        mask = groups == g
        KaplanMeierFitter().fit(durations[mask], observed[mask])
    return multivariate_logrank_test(durations, groups, observed)


def main() -> None:
    vendor = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    prepare(vendor)
    from consilium.network.models import Institution

    ids = list(Institution.objects.filter(code__in=["VNCH", "UZPHO"]).values_list("pk", flat=True))
    rng = np.random.default_rng(2024)
    data = synthetic(rng, PATIENTS)
    if REUSE:
        # The same seed makes the same patients: the checks below compare them to the rows.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    else:
        started = time.perf_counter()
        insert(data, ids)
        print(f"{vendor}: inserted {PATIENTS:,} patients in {time.perf_counter() - started:.1f} s")

    seconds, cpu_seconds = [], []
    load_before = os.getloadavg()
    for _ in range(REPEATS):
        started, cpu_started = time.perf_counter(), time.process_time()
        report = run_ours(ids)
        seconds.append(time.perf_counter() - started)
        cpu_seconds.append(time.process_time() - cpu_started)
    load_after = os.getloadavg()
    # Memory in a separate run: tracemalloc slows every allocation several times over.
    tracemalloc.start()
    run_ours(ids)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # The same curves straight from the arrays: the check that the database counted right.
    from consilium.registry.iccc import classify

    group_of_case = np.array([classify(*c[:3]).main_group for c in CASES])
    groups = group_of_case[data["case"]]
    _durations, observed = efs_arrays(data)
    for summary in report.groups:
        mask = groups == summary.key
        assert summary.patients == int(mask.sum()), summary.key
        assert summary.events == int(observed[mask].sum()), summary.key

    started = time.perf_counter()
    theirs = run_lifelines(data, groups)
    lifelines_seconds = time.perf_counter() - started
    assert abs(theirs.test_statistic - report.test.statistic) <= 1e-6 * theirs.test_statistic

    ours = statistics.median(seconds)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{vendor}: GROUP BY + Kaplan-Meier with CIs + log-rank, {len(report.groups)} groups,"
        f" {PATIENTS:,} patients: median {ours:.2f} s (runs: "
        f"{', '.join(f'{s:.2f}' for s in seconds)})"
    )
    # On SQLite the database works inside this process, so its CPU time is the query's too;
    # on a busy shared machine it shows what the wall clock alone would hide.
    print(
        f"{vendor}: CPU time of this process per run: "
        f"{', '.join(f'{s:.2f}' for s in cpu_seconds)} s"
        + (" (the PostgreSQL server's own CPU is not included)" if vendor == "postgresql" else "")
    )
    print(
        f"{vendor}: load average (1, 5, 15 min) before the runs"
        f" {', '.join(f'{x:.2f}' for x in load_before)}, after"
        f" {', '.join(f'{x:.2f}' for x in load_after)} on {os.cpu_count()} CPUs"
    )
    print(
        f"{vendor}: peak Python memory {peak / 2**20:.1f} MB (tracemalloc), process max RSS"
        f" {rss_mb:.0f} MB (includes the bench's own arrays and lifelines)"
    )
    print(
        f"{vendor}: lifelines on the same patients (arrays in memory, no database):"
        f" {lifelines_seconds:.2f} s; ratio ours/lifelines = {ours / lifelines_seconds:.2f}"
    )
    from django.db import connections

    connections.close_all()
    if vendor == "sqlite" and not (os.environ.get("BENCH_KEEP") or REUSE):
        # Half a gigabyte per run otherwise stays in /tmp (BENCH_KEEP=1 keeps it to profile).
        shutil.rmtree(os.environ["CONSILIUM_DATA_DIR"], ignore_errors=True)
    if vendor == "postgresql" and not (os.environ.get("BENCH_KEEP") or REUSE):
        import psycopg

        admin, _bench = pg_urls(os.environ["DATABASE_URL"])
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")


if __name__ == "__main__":
    main()
