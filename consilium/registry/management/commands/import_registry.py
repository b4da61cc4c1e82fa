import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consilium.network.models import Institution
from consilium.registry.importer import import_csv
from consilium.registry.models import ImportJob, ImportStatus


class Command(BaseCommand):
    help = (
        "Import patients from a CSV file into an institution's registry, all or nothing;"
        " with --skip-problem-rows, every row without a problem and none of the others."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--institution", required=True, help="Institution code, e.g. VNCH")
        parser.add_argument(
            "--skip-problem-rows",
            action="store_true",
            help="Import the rows without problems and leave out the others (and everything"
            " the file says of those patients); the problems are listed.",
        )

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

        outcome = import_csv(
            path,
            institution,
            actor=None,
            job=job,
            progress=progress,
            skip_problems=options["skip_problem_rows"],
        )
        if interactive:
            self.stdout.write("")
        job.rows_total = job.rows_done = outcome.rows
        job.rows_imported = outcome.imported
        job.errors = [error.as_dict() for error in outcome.errors]
        job.error_count = outcome.error_count
        job.status = ImportStatus.DONE if outcome.applied else ImportStatus.FAILED
        job.save()
        seconds = time.monotonic() - started
        for error in outcome.errors:
            sheet = f"{error.sheet}, " if error.sheet else ""
            column = f", column {error.column}" if error.column else ""
            self.stderr.write(f"{sheet}row {error.row}{column}: {error.message}")
        if outcome.error_count > len(outcome.errors):
            self.stderr.write(f"… and {outcome.error_count - len(outcome.errors)} more.")
        if not outcome.applied:
            hint = (
                " (--skip-problem-rows imports the others)"
                if outcome.skippable and not options["skip_problem_rows"]
                else ""
            )
            raise CommandError(
                f"Nothing was imported: {outcome.error_count} problem(s) in {outcome.rows}"
                f" rows{hint}."
            )
        left_out = (
            f", {len(outcome.skipped):,} rows with problems left out" if outcome.skipped else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {outcome.imported:,} patients into {institution.code}"
                f" in {seconds:.1f} s{left_out}."
            )
        )
