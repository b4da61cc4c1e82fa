"""`consilium search-reindex`: make every search row anew (after a restore, an upgrade of
the folding rules, or to check the index against the data)."""

import time

from django.core.management.base import BaseCommand

from consilium.search.index import rebuild
from consilium.search.models import Kind


class Command(BaseCommand):
    help = "Rebuild the search index from the data."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=Kind.values, action="append")

    def handle(self, *args, **options):
        started = time.monotonic()
        counts = rebuild(options["kind"] or Kind.values)
        for kind, n in counts.items():
            self.stdout.write(f"{kind}: {n}")
        self.stdout.write(f"done in {time.monotonic() - started:.1f} s")
