"""CPU time of each page of the load benchmark, per persona, on a seeded network.

The load benchmark (bench_load.py) says where pages queue; this says what each costs. On two
cores, p95 under 150 ms at 64 users (issue 16) needs a mean near 20 ms of CPU per request
(about 50 requests a second asked, with the load generator on the same cores), so this is
the figure to bring down. Each page is asked --repeat times as the persona who uses it (the
bench_load personas' first of each kind), after one warm-up request; printed: the median
CPU time of the process (SQLite runs inside it; on PostgreSQL the server's own CPU is not
counted), the median wall clock, the queries and the page's size. --profile prints the top
of a cProfile of each page.

Run on the seeded national data set (consilium seed --scale national), with the same
CONSILIUM_DATA_DIR / DATABASE_URL as the seed:
    .venv/bin/python bench/bench_page_cpu.py [--repeat 9] [--pages queue,outcomes] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

PEOPLE = {
    "clinician": "lan.nguyen@vnch.demo",
    "expert": "claire.martin@curie.demo",
    "data_manager": "minh.tran@vnch.demo",
    "coordinator": "hoa.pham@vnch.demo",
}
# The pages each persona asks for in bench/locustfile.py.
PAGES = {
    "clinician": ("queue", "consultation", "patient search", "outcomes"),
    "expert": ("queue", "consultation"),
    "data_manager": ("queue", "patient search", "outcomes"),
    "coordinator": ("queue", "outcomes"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--pages", default="", help="only these pages, comma-separated")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consilium.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from consilium.accounts.models import User
    from consilium.consultations.access import consultations_for_user
    from consilium.registry.models import Patient

    # Pages link to hashed static names from the manifest, as in production.
    call_command("collectstatic", interactive=False, verbosity=0)
    only = set(filter(None, args.pages.split(",")))
    rng = random.Random(16)
    print(f"{'persona':<14}{'page':<16}{'CPU ms':>8}{'wall ms':>9}{'queries':>9}{'kB':>7}")
    for kind, email in PEOPLE.items():
        user = User.objects.get(email=email)
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        seen = list(
            consultations_for_user(user).order_by("-created_at").values_list("pk", flat=True)[:60]
        )
        pseudonyms = list(
            Patient.objects.filter(
                institution_id__in=user.memberships.values("institution_id")
            ).values_list("pseudonym", flat=True)[:30]
        )
        urls = {
            "queue": lambda: "/consultations/",
            "consultation": lambda seen=seen: f"/consultations/{rng.choice(seen)}/",
            "patient search": lambda p=pseudonyms: f"/registry/?q={rng.choice(p)}",
            "outcomes": lambda: "/outcomes/",
        }
        for page in PAGES[kind]:
            if only and page not in only:
                continue
            client.get(urls[page]())  # warm: templates, catalogues, the database's cache
            cpu, wall, queries, size = [], [], [], 0
            for _ in range(args.repeat):
                url = urls[page]()
                started_cpu, started = time.process_time(), time.perf_counter()
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(url)
                cpu.append((time.process_time() - started_cpu) * 1000)
                wall.append((time.perf_counter() - started) * 1000)
                queries.append(len(captured))
                size = len(response.content)
                if response.status_code != 200:
                    sys.exit(f"{kind} {url}: {response.status_code}")
            print(
                f"{kind:<14}{page:<16}{statistics.median(cpu):>8.1f}"
                f"{statistics.median(wall):>9.1f}{statistics.median(queries):>9.0f}"
                f"{size / 1000:>7.1f}"
            )
            if args.profile:
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(5):
                    client.get(urls[page]())
                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    print("load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
