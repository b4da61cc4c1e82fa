import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from consilium.registry.codes import is_valid_topography, normalise_site
from consilium.registry.models import CodeKind, CodeTerm

_MORPHOLOGY_LENGTH = len("9836/3")


def _kind_and_code(code: str) -> tuple[str, str] | None:
    code = code.strip().upper()
    if code.startswith("C"):
        site = normalise_site(code)
        return (CodeKind.TOPOGRAPHY, site) if site and is_valid_topography(site) else None
    histology, slash, behaviour = code.partition("/")
    if (
        slash
        and len(code) == _MORPHOLOGY_LENGTH
        and histology.isascii()
        and histology.isdigit()
        and behaviour.isascii()
        and behaviour.isdigit()
    ):
        return CodeKind.MORPHOLOGY, code
    return None


class Command(BaseCommand):
    help = (
        "Load a full ICD-O-3 list (a CSV with the columns code,term; e.g. C42.1 or 9836/3) that"
        " the registry holds a licence for. Replaces the terms loaded before; all or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        terms: list[CodeTerm] = []
        problems: list[str] = []
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                if not {"code", "term"} <= set(reader.fieldnames or ()):
                    raise CommandError("The first row must name the columns code and term.")
                for number, row in enumerate(reader, start=2):
                    parsed = _kind_and_code(row.get("code") or "")
                    term = (row.get("term") or "").strip()
                    if parsed is None or not term:
                        problems.append(f"row {number}: {row.get('code')!r} {term!r}")
                        continue
                    terms.append(CodeTerm(kind=parsed[0], code=parsed[1], term=term[:300]))
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path} cannot be read as UTF-8 CSV: {exc}") from None
        if problems:
            for problem in problems[:50]:
                self.stderr.write(problem)
            raise CommandError(f"Nothing was loaded: {len(problems)} rows are not ICD-O-3 codes.")
        with transaction.atomic():
            CodeTerm.objects.all().delete()
            CodeTerm.objects.bulk_create(terms, batch_size=2000)
        self.stdout.write(f"Loaded {len(terms)} ICD-O-3 terms.")
