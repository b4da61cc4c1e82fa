import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consilium.registry import checks, iccc


class Command(BaseCommand):
    help = "Print the ICCC-3 recode, extended code and group of an ICD-O-3 diagnosis."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", required=True, help="Topography, e.g. C421 or C42.1")
        parser.add_argument("--histology", required=True, help="Four digits, e.g. 9836")
        parser.add_argument("--behaviour", required=True, help="One digit, e.g. 3")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        site, histology, behaviour = options["site"], options["histology"], options["behaviour"]
        # A typing slip must not read as a real answer: classify() calls it 999, "not
        # classified", which is also what a valid but rare diagnosis gets. The messages are
        # the entry form's.
        for field, value in (("site", site), ("histology", histology), ("behaviour", behaviour)):
            if problem := checks.invalid_code(field, value):
                raise CommandError(f"--{field} {value!r}: {problem}")
        result = iccc.classify(site, histology, behaviour)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "recode": result.recode,
                        "extended": result.extended,
                        "main_group": result.main_group,
                        "main_group_name": result.main_group_name,
                        "subgroup_name": result.subgroup_name,
                        "extended_name": result.extended_name,
                        "classified": result.classified,
                    },
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(f"recode:   {result.recode}")
        self.stdout.write(f"extended: {result.extended}")
        self.stdout.write(f"group:    {result.main_group or '-'} {result.main_group_name}")
        self.stdout.write(f"subgroup: {result.subgroup_name}")
        if result.extended_name != result.subgroup_name:
            self.stdout.write(f"division: {result.extended_name}")
