"""Time the outcomes page's quality indicators (consilium.outcomes.indicators.indicator_rows) on
one institution of ~25,000 patients with follow-up events, before and after reading the
patient-row facts.

    createdb -h 127.0.0.1 -U postgres bench_indicators
    .venv/bin/python bench/bench_indicators.py                                     # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_indicators \\
        .venv/bin/python bench/bench_indicators.py                                 # PostgreSQL
    dropdb -h 127.0.0.1 -U postgres bench_indicators

The patients come from the registry's CSV import (bench/registry_setup.py's writer), and are
kept between runs (SQLite: a data directory under the temporary directory; ``--patients`` to
choose how many). Their follow-up events (seeded: remissions, relapses before and after them,
progressions, abandonments, deaths of each cause, some patients with none) are then inserted
the way the importer writes rows (consilium.registry.bulk.insert), and the survival facts on
the patient rows filled by consilium.registry.survival_facts.refresh, as after an import.

"before" is the former query, kept here only to be timed: the first diagnoses derived with a
NOT EXISTS over earlier diagnoses, and five correlated EXISTS into the events per patient.
"after" is indicator_rows. Both must give the same figures (checked). Each is run
``--repeat`` times; the best and the median are printed with the load average (the machine
is shared: run it two or three times).
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry_setup import forget_patients, setup_django, write_csv

CODE = "CCHE"


def legacy_counts(ids, early_death_weeks, today):
    """The query indicator_rows ran before (one row per institution), for comparison."""
    from django.db.models import Count, Exists, OuterRef, Q

    from consilium.outcomes.aggregates import first_diagnoses
    from consilium.outcomes.days import DaysBetween
    from consilium.registry.models import DeathCause, EventKind, FollowUpEvent, VitalStatus

    def event(kind, **extra):
        return Exists(
            FollowUpEvent.objects.filter(patient_id=OuterRef("patient_id"), kind=kind, **extra)
        )

    early_days = early_death_weeks * 7
    cutoff = today - datetime.timedelta(days=early_days)
    early_death = FollowUpEvent.objects.filter(
        patient_id=OuterRef("patient_id"), kind=EventKind.DEATH
    ).annotate(days=DaysBetween("date", OuterRef("date")))
    rows = (
        first_diagnoses(ids)
        .annotate(
            abandoned=event(EventKind.ABANDONMENT),
            early_death=Exists(early_death.filter(days__gte=0, days__lte=early_days)),
            treatment_death=event(EventKind.DEATH, death_cause=DeathCause.TREATMENT),
            remission=event(EventKind.REMISSION),
            relapse=event(EventKind.RELAPSE),
        )
        .order_by()
        .values("patient__institution_id")
        .annotate(
            patients=Count("pk"),
            abandoned_n=Count("pk", filter=Q(abandoned=True)),
            early_base=Count("pk", filter=Q(date__lte=cutoff)),
            early_n=Count("pk", filter=Q(early_death=True, date__lte=cutoff)),
            treatment_n=Count("pk", filter=Q(treatment_death=True)),
            remission_n=Count("pk", filter=Q(remission=True)),
            relapse_n=Count("pk", filter=Q(remission=True, relapse=True)),
            followed_n=Count(
                "pk",
                filter=Q(patient__vital_status=VitalStatus.DEAD)
                | Q(patient__last_contact__gte=today - datetime.timedelta(days=365)),
            ),
        )
    )
    return list(rows)


def add_events(institution, seed: int) -> int:
    """Seeded follow-up events for every patient of the institution, bulk-inserted; then the
    survival facts refreshed. Returns the number of events."""
    from django.db import transaction

    from consilium.registry import bulk, survival_facts
    from consilium.registry.models import (
        DeathCause,
        EventKind,
        FollowUpEvent,
        Patient,
        VitalStatus,
    )

    rng = random.Random(seed)
    today = datetime.date.today()
    patients = Patient.objects.filter(institution=institution)
    events: list[FollowUpEvent] = []
    dead: list[int] = []
    for pk, origin in patients.values_list("pk", "origin_date").iterator():
        t = 0
        kinds: list[tuple[str, int, str]] = []
        if rng.random() < 0.7:
            t = rng.randrange(20, 150)
            kinds.append((EventKind.REMISSION, t, ""))
        roll = rng.random()
        if roll < 0.1:
            kinds.append((EventKind.ABANDONMENT, rng.randrange(5, 200), ""))
        elif roll < 0.3:
            # Sometimes dated before the remission (a data error the indicator still counts).
            kinds.append((EventKind.RELAPSE, rng.randrange(10, 900), ""))
        elif roll < 0.35:
            kinds.append((EventKind.PROGRESSION, rng.randrange(10, 400), ""))
        if rng.random() < 0.25:
            cause = rng.choice(list(DeathCause.values))
            kinds.append((EventKind.DEATH, rng.choice([rng.randrange(0, 40), t + 300]), cause))
            dead.append(pk)
        for kind, days, cause in kinds:
            date = min(today, origin + datetime.timedelta(days=days))
            events.append(FollowUpEvent(patient_id=pk, kind=kind, date=date, death_cause=cause))
    with transaction.atomic():
        FollowUpEvent.objects.filter(patient__institution=institution)._raw_delete(
            FollowUpEvent.objects.db
        )
        for start in range(0, len(events), 5000):
            bulk.insert(events[start : start + 5000])
        Patient.objects.filter(pk__in=dead).update(vital_status=VitalStatus.DEAD)
        survival_facts.refresh(patients)
    return len(events)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=25_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup_django(str(Path(tempfile.gettempdir()) / "consilium-bench-indicators"))

    from django.db import connection

    from consilium.network.models import Institution
    from consilium.outcomes.indicators import indicator_rows
    from consilium.registry.importer import import_csv
    from consilium.registry.models import Patient

    institution = Institution.objects.get(code=CODE)
    have = Patient.objects.filter(institution=institution).count()
    if have != args.patients:
        forget_patients(institution)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "registry.csv"
            write_csv(path, args.patients, seed=7, prefix="IND")
            started = time.perf_counter()
            outcome = import_csv(path, institution, actor=None)
            assert outcome.ok, outcome.errors[:5]
            print(
                f"(loaded {outcome.imported:,} patients in {time.perf_counter() - started:.0f} s)"
            )
    started = time.perf_counter()
    events = add_events(institution, seed=11)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE registry_followupevent")
            cursor.execute("VACUUM ANALYZE registry_patient")
    else:
        # As after an import: fresh statistics, and the WAL the events went to folded back
        # into the database file, which later reads would otherwise search page by page.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"({events:,} follow-up events added in {time.perf_counter() - started:.0f} s)")

    today = datetime.date.today()
    ids = [institution.pk]

    def timed(function) -> tuple[list[float], object]:
        timings, result = [], None
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = function()
            timings.append(time.perf_counter() - started)
        return timings, result

    before, old = timed(lambda: legacy_counts(ids, 4, today))
    after, rows = timed(lambda: indicator_rows([institution], today=today))
    old_row = old[0]
    got = {i.key: (i.numerator, i.denominator) for i in rows[0].indicators}
    want = {
        "abandonment": (old_row["abandoned_n"], old_row["patients"]),
        "early_death": (old_row["early_n"], old_row["early_base"]),
        "treatment_related_mortality": (old_row["treatment_n"], old_row["patients"]),
        "relapse": (old_row["relapse_n"], old_row["remission_n"]),
        "follow_up_completeness": (old_row["followed_n"], old_row["patients"]),
    }
    for key, value in want.items():
        assert got[key] == value, (key, got[key], value)
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{connection.vendor}: {args.patients:,} patients, {events:,} events; figures equal")
    for name, timings in (("before", before), ("after", after)):
        print(
            f"{connection.vendor}: indicator_rows {name}: best {min(timings) * 1000:.0f} ms, "
            f"median {statistics.median(timings) * 1000:.0f} ms over {args.repeat} runs "
            f"(load average {load})"
        )
    print(f"{connection.vendor}: speed-up {min(before) / min(after):.0f}x")


if __name__ == "__main__":
    main()
