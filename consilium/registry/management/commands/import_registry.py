import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consilium.network.models import Institution
from consilium.registry.importer import import_csv
from consilium.registry.models import ImportJob, ImportStatus


class Command(BaseCommand):
    help = "Import patients from a CSV file into an institution's registry, all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--institution", required=True, help="Institution code, e.g. VNCH")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        institution = Institution.objects.filter(code=options["institution"]).first()
        if institution is None:
            raise CommandError(f"No institution has the code {options['institution']!r}.")
        job = ImportJob.objects.create(institution=institution, file_name=path.name[:200])
        started = time.monotonic()
        interactive = sys.stdout.isatty()

        def progress(phase: str, done: int, total: int | None) -> None:
            line = f"{phase}: {done:,}" + (f" / {total:,}" if total else "") + " rows"
            if interactive:
                self.stdout.write("\r" + line, ending="")
                self.stdout.flush()
            elif (done and done % 10_000 == 0) or (total and done == total):
                self.stdout.write(line)

        outcome = import_csv(path, institution, actor=None, job=job, progress=progress)
        if interactive:
            self.stdout.write("")
        job.rows_total = job.rows_done = outcome.rows
        job.rows_imported = outcome.imported
        job.errors = [error.as_dict() for error in outcome.errors]
        job.error_count = outcome.error_count
        job.status = ImportStatus.DONE if outcome.ok else ImportStatus.FAILED
        job.save()
        seconds = time.monotonic() - started
        if not outcome.ok:
            for error in outcome.errors:
                column = f", column {error.column}" if error.column else ""
                self.stderr.write(f"row {error.row}{column}: {error.message}")
            if outcome.error_count > len(outcome.errors):
                self.stderr.write(f"… and {outcome.error_count - len(outcome.errors)} more.")
            raise CommandError(
                f"Nothing was imported: {outcome.error_count} problem(s) in {outcome.rows} rows."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {outcome.imported:,} patients into {institution.code}"
                f" in {seconds:.1f} s."
            )
        )
