from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consilium.network.models import Institution
from consilium.outcomes.actions import export_aggregates
from consilium.outcomes.exchange import DEFAULT_THRESHOLD, ExchangeError


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
            text = export_aggregates(
                institution=institution,
                actor=None,
                actor_label="consilium outcomes-export",
                threshold=options["threshold"],
                output=str(options["output"] or "-"),
            )
        except ExchangeError as exc:
            raise CommandError(str(exc)) from None
        if options["output"]:
            options["output"].write_text(text + "\n", encoding="utf-8")
        else:
            self.stdout.write(text)
