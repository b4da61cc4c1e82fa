from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consilium.audit.actions import record
from consilium.network.models import Institution
from consilium.registry.fhir import bundle_json


class Command(BaseCommand):
    help = "Export an institution's registry as a pseudonymised FHIR R4 Bundle (mCODE-aligned)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--institution", required=True, help="Institution code, e.g. VNCH")
        parser.add_argument("--output", type=Path, help="File to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        institution = Institution.objects.filter(code=options["institution"]).first()
        if institution is None:
            raise CommandError(f"No institution has the code {options['institution']!r}.")
        text = bundle_json(institution)
        record(
            actor=None,
            actor_label="consilium export-fhir",
            verb="registry.exported",
            institution_id=institution.pk,
            details={"format": "fhir", "output": str(options["output"] or "stdout")},
        )
        if options["output"]:
            output = Path(options["output"])
            output.write_text(text, encoding="utf-8")
            self.stderr.write(f"Written to {output}.")
        else:
            self.stdout.write(text)
