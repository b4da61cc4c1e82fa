from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consilium.audit.actions import record
from consilium.network.models import Institution
from consilium.registry.fhir import bundle_chunks


class Command(BaseCommand):
    help = "Export an institution's registry as a pseudonymised FHIR R4 Bundle (mCODE-aligned)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--institution", required=True, help="Institution code, e.g. VNCH")
        parser.add_argument("--output", type=Path, help="File to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        institution = Institution.objects.filter(code=options["institution"]).first()
        if institution is None:
            raise CommandError(f"No institution has the code {options['institution']!r}.")
        record(
            actor=None,
            actor_label="consilium export-fhir",
            verb="registry.exported",
            institution_id=institution.pk,
            details={"format": "fhir", "output": str(options["output"] or "stdout")},
        )
        chunks = bundle_chunks(institution)
        if not options["output"]:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            return
        output = Path(options["output"])
        # Written beside the file and renamed when complete: a failed export leaves no
        # half-written Bundle where the last good one was.
        partial = output.with_name(output.name + ".partial")
        try:
            with partial.open("w", encoding="utf-8") as file:
                file.writelines(chunks)
            partial.replace(output)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"Could not write {output}: {exc.strerror}.") from exc
        self.stderr.write(f"Written to {output}.")
