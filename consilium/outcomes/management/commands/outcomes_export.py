import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consilium.audit.actions import record
from consilium.network.models import Institution
from consilium.outcomes.exchange import DEFAULT_THRESHOLD, ExchangeError, export_document


class Command(BaseCommand):
    help = (
        "Write one institution's survival aggregates (life tables per endpoint and group,"
        " times in months, small groups combined) as JSON a hub can pool. No patient data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--institution", required=True, metavar="CODE")
        parser.add_argument(
            "--output", type=Path, help="File to write; standard output if omitted."
        )
        parser.add_argument(
            "--threshold",
            type=int,
            default=DEFAULT_THRESHOLD,
            help=f"Smallest group published on its own (default {DEFAULT_THRESHOLD}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        institution = Institution.objects.filter(code=options["institution"]).first()
        if institution is None:
            raise CommandError(f"unknown institution {options['institution']!r}")
        try:
            document = export_document(institution, threshold=options["threshold"])
        except ExchangeError as exc:
            raise CommandError(str(exc)) from None
        text = json.dumps(document, ensure_ascii=False, indent=1)
        if options["output"]:
            options["output"].write_text(text + "\n", encoding="utf-8")
        else:
            self.stdout.write(text)
        record(
            actor=None,
            actor_label="consilium outcomes-export",
            verb="outcomes.aggregates_exported",
            institution_id=institution.pk,
            details={"threshold": options["threshold"], "output": str(options["output"] or "-")},
        )
