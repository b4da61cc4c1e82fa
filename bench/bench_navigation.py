"""Navigation at scale: the daily missed-visit sweep over many planned visits, and the
navigator's page and day list p95.

Target (issue 20): with a national data set and 2,000,000 planned visits, the daily sweep
under 60 s and the navigator's page and day list p95 under 100 ms, on both databases. The
defaults are sized to finish in a few minutes on a shared 2-core machine; raise them with
--patients and --visits for the full figure.

Run: .venv/bin/python bench/bench_navigation.py                 (SQLite)
     DATABASE_URL=postgres://... .venv/bin/python bench/bench_navigation.py

The patients are the registry list benchmark's (CCHE, imported once and kept); the plans and
visits are written here with bulk inserts (the actions' per-visit audit entries are not what
is measured). Each run rebuilds the visits. Printed: the catch-up sweep (every past visit
left unmarked: the worst day, after a scheduler outage), the daily sweep (one day's unmarked
visits), then the pages' median and p95."""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry_setup import load_list_patients, setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--visits", type=int, default=400_000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="keep the visits and sweeps of the last run and time the pages again",
    )
    args = parser.parse_args()
    setup_django(str(Path(tempfile.gettempdir()) / "consilium-bench-navigation"))

    from django.db import connection, transaction

    from consilium.accounts.models import Membership, Role, User
    from consilium.navigation.actions import continuity, sweep
    from consilium.navigation.actions.plans import local_today
    from consilium.navigation.models import (
        OutreachTask,
        PlannedVisit,
        ProposedAbandonment,
        SweepRun,
        TherapyState,
        TreatmentPlan,
        VisitStatus,
    )
    from consilium.registry.models import Patient

    institution = load_list_patients(args.patients)
    today = local_today(institution)
    user, _ = User.objects.get_or_create(
        email="bench.navigator@cche.demo", defaults={"full_name": "Bench Navigator"}
    )
    Membership.objects.get_or_create(
        user=user, institution=institution, role=Role.NAVIGATOR, ended_at=None
    )
    patients = list(
        Patient.objects.filter(institution=institution).order_by("pk").values_list("pk", flat=True)
    )[: args.patients]
    per_patient = max(1, args.visits // len(patients))

    if args.pages_only:
        total = PlannedVisit.objects.filter(institution=institution).count()
        print(
            f"Navigation on {connection.vendor}: {len(patients):,} children, {total:,} planned"
            f" visits kept from the last run; load {os.getloadavg()[0]:.1f}"
        )
        time_pages(args, institution, user)
        return
    started = time.perf_counter()
    with transaction.atomic():
        ProposedAbandonment.objects.filter(institution=institution).delete()
        OutreachTask.objects.filter(institution=institution).delete()
        PlannedVisit.objects.filter(institution=institution).delete()
        TreatmentPlan.objects.filter(patient__institution=institution).delete()
        SweepRun.objects.filter(institution=institution).delete()
    plans = TreatmentPlan.objects.bulk_create(
        [
            TreatmentPlan(
                patient_id=pk, title="Bench", start_date=today, created_by=user, status="closed"
            )
            for pk in patients
        ],
        batch_size=5000,
    )
    # Each child's visits a week apart, ending between 900 days ago and 195 days ahead, so a
    # day holds a few hundred visits (a big day clinic); past ones attended but for one in ten
    # left unmarked (the catch-up) and, for one child in fifty, a stop five weeks ago.
    batch: list[PlannedVisit] = []
    total = 0
    for n, plan in enumerate(plans):
        end = today + datetime.timedelta(days=(n * 7919) % 1095 - 900)
        stopped = n % 50 == 0
        for k in range(per_patient):
            day = end - datetime.timedelta(days=7 * (per_patient - 1 - k))
            past = day < today
            if (past and (stopped and day >= today - datetime.timedelta(days=35))) or (
                past and (n + k) % 10 == 0
            ):
                status = VisitStatus.PLANNED
            elif past:
                status = VisitStatus.ATTENDED
            else:
                status = VisitStatus.PLANNED
            batch.append(
                PlannedVisit(
                    plan_id=plan.pk,
                    patient_id=plan.patient_id,
                    institution_id=institution.pk,
                    kind="chemotherapy",
                    label=f"C{k + 1}",
                    date=day,
                    status=status,
                )
            )
        if len(batch) >= 20_000:
            PlannedVisit.objects.bulk_create(batch)
            total += len(batch)
            batch = []
    PlannedVisit.objects.bulk_create(batch)
    total += len(batch)
    # The visits were bulk-written, so their children's kept therapy state is filled as the
    # migration fills it for an existing installation (timed: it is that migration's cost).
    filled = time.perf_counter()
    TherapyState.objects.filter(institution=institution).delete()
    continuity.refresh(patients)
    fill_seconds = time.perf_counter() - filled
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE navigation_plannedvisit")
            cursor.execute("VACUUM ANALYZE navigation_therapystate")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"Navigation on {connection.vendor}: {len(patients):,} children, {total:,} planned"
        f" visits (written in {time.perf_counter() - started:.0f} s); load {os.getloadavg()[0]:.1f}"
    )
    print(f"  therapy state filled for every child: {fill_seconds:.1f} s")

    started = time.perf_counter()
    result = sweep.run()
    print(
        f"  catch-up sweep: {time.perf_counter() - started:.1f} s"
        f" ({result['missed']:,} visits missed, {result['proposed']:,} abandonments proposed)"
    )
    # The next day: today's visits were never ticked, so the sweep finds one day's worth.
    tomorrow_noon = datetime.datetime.combine(
        today + datetime.timedelta(days=1), datetime.time(12), tzinfo=datetime.UTC
    )
    started = time.perf_counter()
    result = sweep.run(now=tomorrow_noon)
    print(
        f"  daily sweep:    {time.perf_counter() - started:.1f} s"
        f" ({result['missed']:,} visits missed, {result['proposed']:,} abandonments proposed)"
    )

    time_pages(args, institution, user)


def time_pages(args, institution, user) -> None:
    from django.test import Client

    client = Client()
    client.force_login(user)
    cases = {
        "navigator's page": f"/navigation/?institution={institution.code}",
        "day list (today)": f"/navigation/day/?institution={institution.code}",
    }
    for name, url in cases.items():
        assert client.get(url).status_code == 200
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"  {name:18} median {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms")
    print(f"  load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
