from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consilium.network.models import Institution
from consilium.registry.actions import check_institution


class Command(BaseCommand):
    help = "Run every data-quality check on an institution's registry and store the findings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--institution", required=True, help="Institution code, e.g. VNCH")

    def handle(self, *args: Any, **options: Any) -> None:
        institution = Institution.objects.filter(code=options["institution"]).first()
        if institution is None:
            raise CommandError(f"No institution has the code {options['institution']!r}.")
        counts = check_institution(actor=None, institution=institution)
        self.stdout.write(
            f"{institution.code}: {counts['patients']} patients checked,"
            f" {counts['errors']} errors, {counts['warnings']} warnings."
        )
