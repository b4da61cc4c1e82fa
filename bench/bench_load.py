"""Load benchmark: signed-in personas on gunicorn with the national data set.

Target (issue 16): p95 under 150 ms for every page at 64 users on this machine, and the
throughput at which a page's p95 crosses 150 ms (the ceiling), found by stepping the number
of users (--steps 8,16,32,64). /healthz alone is measured first as the stack's own floor; it
answers in a few ms, so it says nothing about pages and is no target.

Setup, once (the seed takes minutes; see its output for the time and peak memory):
    .venv/bin/pip install -e ".[bench]"
    createdb -h 127.0.0.1 -U postgres bench_NAME
    export CONSILIUM_DATA_DIR=$PWD/data/bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_NAME
    .venv/bin/consilium migrate && .venv/bin/consilium createcachetable
    .venv/bin/consilium seed --scale national
Run (same two variables):
    .venv/bin/python bench/bench_load.py                 # 2 gunicorn workers, 60 s per phase
    .venv/bin/python bench/bench_load.py --users 24 --duration 90 --workers 3
    .venv/bin/python bench/bench_load.py --steps 8,16,32,64 --duration 30
SQLite works too (DATABASE_URL empty, CONSILIUM_DATA_DIR the seeded data directory).

Phases: /healthz alone (back to back, the stack's floor), then the mixed journeys of
bench/locustfile.py (clinicians, experts, data managers, coordinators: consultation queue,
consultation page, posting a message, patient search, outcomes page) with think times of
0.5–1.5 s. Locust runs headless on 127.0.0.1 against gunicorn on a free loopback port, with a
fixed number of users and a run time, and stops by itself; gunicorn is stopped afterwards.
The load average is printed with every figure: the machine is shared, so run it 2–3 times.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PAGES = ("queue", "consultation", "post message", "patient search", "outcomes")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def personas(path: Path, per_kind: int) -> dict[str, int]:
    """Sessions for real people of the seeded network, written for the locustfile."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    # The pages link to hashed static names from the manifest, as in production.
    call_command("collectstatic", interactive=False, verbosity=0)
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    from consilium.accounts.models import Role, User
    from consilium.audit.models import AuditEntry
    from consilium.consultations.access import consultations_for_user
    from consilium.consultations.models import OPEN_STATUSES
    from consilium.registry.models import Patient, PatientIdentity

    seeded = AuditEntry.objects.filter(verb="core.seeded").first()
    if seeded is None:
        sys.exit("No seeded network here: run `consilium seed --scale national` first.")
    rng = random.Random(9)
    first = {
        "clinician": "lan.nguyen@vnch.demo",
        "expert": "claire.martin@curie.demo",
        "data_manager": "minh.tran@vnch.demo",
        "coordinator": "hoa.pham@vnch.demo",
    }
    roles = {
        "clinician": Role.CLINICIAN,
        "expert": Role.EXPERT,
        "data_manager": Role.DATA_MANAGER,
        "coordinator": Role.COORDINATOR,
    }
    out: dict[str, list[dict]] = {}
    for kind, role in roles.items():
        people = [User.objects.get(email=first[kind])]
        others = list(
            User.objects.filter(memberships__role=role, email__endswith=".seed").order_by("pk")
        )
        people += rng.sample(others, min(per_kind - 1, len(others)))
        out[kind] = []
        for user in people:
            visible = list(
                consultations_for_user(user)
                .order_by("-created_at")
                .values_list("pk", flat=True)[:400]
            )
            # A withdrawn consultation refuses messages (400): post only where one may.
            open_ = list(
                consultations_for_user(user)
                .filter(status__in=OPEN_STATUSES)
                .order_by("-created_at")
                .values_list("pk", flat=True)[:100]
            )
            institution_ids = list(user.memberships.values_list("institution_id", flat=True))
            patients = Patient.objects.filter(institution_id__in=institution_ids)
            pseudonyms = list(patients.order_by("-pk").values_list("pseudonym", flat=True)[:300])
            numbers = list(
                PatientIdentity.objects.filter(
                    patient__in=patients.order_by("pk")[:50]
                ).values_list("hospital_number", flat=True)
            )
            searches = [*rng.sample(pseudonyms, min(20, len(pseudonyms)))]
            searches += [p[: len(p) - 2] for p in searches[:5]] + numbers[:5]
            client = Client()
            client.force_login(user)
            out[kind].append(
                {
                    "email": user.email,
                    "session": client.cookies["sessionid"].value,
                    "csrf": _get_new_csrf_string(),
                    "consultations": rng.sample(visible, min(60, len(visible))) or [0],
                    "open": rng.sample(open_, min(30, len(open_))) or [0],
                    "searches": searches or ["X"],
                }
            )
    path.write_text(json.dumps(out), encoding="utf-8")
    return {kind: len(people) for kind, people in out.items()}


def run_locust(
    classes: list[str], *, users: int, duration: int, host: str, prefix: Path, env: dict
) -> list[dict]:
    cmd = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        *classes,
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(users, 1)),
        "--run-time",
        f"{duration}s",
        "--stop-timeout",
        "5",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    # Bounded twice: locust stops at --run-time, and is killed if it does not.
    done = subprocess.run(cmd, env=env, timeout=duration + 60, check=False, capture_output=True)
    if not Path(f"{prefix}_stats.csv").exists():
        sys.exit(f"locust failed:\n{done.stderr.decode()[-3000:]}")
    with open(f"{prefix}_failures.csv", encoding="utf-8") as handle:
        for failure in list(csv.DictReader(handle))[:5]:
            print(f"  failures: {failure['Occurrences']} x {failure['Name']}: {failure['Error']}")
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def report(title: str, rows: list[dict]) -> dict[str, float]:
    """Print one phase's table; return each page's p95 and the phase's requests per second."""
    print(f"\n{title}  ({load()})")
    print(f"  {'page':<16}{'requests':>9}{'fail':>6}{'req/s':>8}{'p50':>7}{'p95':>7}{'p99':>7}  ms")
    figures = {}
    for row in rows:
        name = "all" if row["Name"] == "Aggregated" else row["Name"]
        p95 = float(row["95%"]) if row["95%"] not in ("N/A", "") else 0.0
        figures[name] = p95
        if name == "all":
            figures["req/s"] = float(row["Requests/s"])
        verdict = "" if name in ("all", "/healthz") else ("  ok" if p95 < 150 else "  > 150")
        print(
            f"  {name:<16}{row['Request Count']:>9}{row['Failure Count']:>6}"
            f"{float(row['Requests/s']):>8.1f}{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}"
            f"{verdict}"
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=16, help="simulated personas (16)")
    parser.add_argument(
        "--steps", default="", help="user counts to step through, e.g. 8,16,32,64 (the ceiling)"
    )
    parser.add_argument("--healthz-users", type=int, default=4)
    parser.add_argument("--duration", type=int, default=60, help="seconds per phase (60)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--per-kind", type=int, default=6, help="distinct people per persona")
    parser.add_argument(
        "--journeys",
        default="Clinician,Expert,DataManager,Coordinator",
        help="locust user classes of the mixed phase (all four by default)",
    )
    args = parser.parse_args()
    steps = [int(n) for n in args.steps.split(",") if n.strip()] or [args.users]
    if not all(1 <= n <= 200 for n in steps) or not 5 <= args.duration <= 600:
        sys.exit("users are 1 to 200 and --duration 5 to 600 seconds.")
    database = "PostgreSQL" if os.environ.get("DATABASE_URL", "") else "SQLite"
    env = {
        **os.environ,
        "CONSILIUM_HTTPS": "false",
        "CONSILIUM_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "consilium.settings",
    }
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        env["CONSILIUM_BENCH_PERSONAS"] = str(work / "personas.json")
        counts = personas(work / "personas.json", args.per_kind)
        port = free_port()
        host = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "consilium.wsgi:application",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(work / "gunicorn.log", "w"),  # noqa: SIM115 - closed with the folder
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{host}/healthz", timeout=2) as r:  # noqa: S310
                        if r.status == 200:
                            break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        sys.exit("gunicorn did not start:\n" + (work / "gunicorn.log").read_text())
                    time.sleep(0.5)
            print(
                f"gunicorn, {args.workers} workers, {database}; personas {counts}; "
                f"{os.cpu_count()} cores; {load()}"
            )
            # A short warm-up so that every worker has its connection and its templates.
            run_locust(
                ["Clinician", "Expert", "DataManager", "Coordinator"],
                users=args.users,
                duration=10,
                host=host,
                prefix=work / "warm",
                env=env,
            )
            report(
                f"/healthz alone, {args.healthz_users} users back to back, {args.duration} s",
                run_locust(
                    ["Healthz"],
                    users=args.healthz_users,
                    duration=args.duration,
                    host=host,
                    prefix=work / "healthz",
                    env=env,
                ),
            )
            ceiling, crossed = None, False
            for users in steps:
                figures = report(
                    f"Mixed journeys, {users} signed-in personas, {args.duration} s "
                    "(target: p95 < 150 ms for every page)",
                    run_locust(
                        args.journeys.split(","),
                        users=users,
                        duration=args.duration,
                        host=host,
                        prefix=work / f"mixed-{users}",
                        env=env,
                    ),
                )
                pages = {k: v for k, v in figures.items() if k not in ("all", "req/s")}
                if pages and max(pages.values()) < 150:
                    if not crossed:
                        ceiling = (users, figures["req/s"])
                else:
                    worst = max(pages, key=pages.get) if pages else "?"
                    print(f"  p95 above 150 ms at {users} users ({worst})")
                    crossed = True
            if ceiling:
                print(
                    f"\nCeiling: every page's p95 under 150 ms up to {ceiling[0]} users, "
                    f"{ceiling[1]:.1f} requests/s"
                )
            else:
                print("\nCeiling: p95 above 150 ms already at the first step")
        finally:
            server.terminate()
            server.wait(timeout=30)
            errors = (work / "gunicorn.log").read_text()
            if "Traceback" in errors:
                print("\nThe server logged errors; the last of them:\n" + errors[-4000:])


if __name__ == "__main__":
    main()
