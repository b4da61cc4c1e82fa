import resource
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.migrations.executor import MigrationExecutor

from consilium.core.seed import SCALES, refuse_if_seeded, seed


class Command(BaseCommand):
    help = (
        "Fill the database with a synthetic network: --scale small (seconds, for tests) or "
        "national (60 hospitals, 200,000 patients, 50,000 consultations, 500,000 messages)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", required=True, choices=sorted(SCALES))
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")

    def handle(self, *args: Any, **options: Any) -> None:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database is not migrated: run `consilium migrate` first.")
        why = refuse_if_seeded()
        if why:
            raise CommandError(
                f"This database already holds a seeded network ({why}); nothing was changed. "
                "Seed an empty database instead."
            )
        scale = options["scale"]
        self.stdout.write(f"Seeding a {scale} network into {connection.vendor}…")
        started = time.perf_counter()
        counts = seed(scale, seed=options["seed"], log=self.stdout.write)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in counts.items())
        )
        self.stdout.write(
            self.style.SUCCESS(f"Seeded in {seconds:.0f} s, peak memory {peak:.0f} MB.")
        )
