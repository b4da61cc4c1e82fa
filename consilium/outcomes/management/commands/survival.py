import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consilium.network.models import Institution, Partnership
from consilium.outcomes.endpoints import parse_endpoint
from consilium.outcomes.groupings import BY_CHOICES, GroupingError
from consilium.outcomes.selection import DEFAULT_PERIOD_YEARS, Selection, survival_report
from consilium.outcomes.survival import AggregateError
from consilium.outcomes.text import survival_text


class Command(BaseCommand):
    help = (
        "Kaplan-Meier survival by group with 95% CIs at 1, 2, 3 and 5 years, medians and the"
        " log-rank test, computed from the database's aggregate counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--endpoint",
            default="os",
            help="os, efs, as-os, as-efs, os-abandon-censored or efs-abandon-censored",
        )
        parser.add_argument("--by", default="institution", choices=sorted(BY_CHOICES))
        parser.add_argument(
            "--institution",
            action="append",
            default=[],
            metavar="CODE",
            help="Only these institutions (repeat); all by default.",
        )
        parser.add_argument("--periods", default="", help="e.g. 2015-2019,2020-2024")
        parser.add_argument("--period-years", type=int, default=DEFAULT_PERIOD_YEARS)
        parser.add_argument("--partnership", type=int, help="Partnership id for --by partnership")
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            endpoint = parse_endpoint(options["endpoint"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        institutions = Institution.objects.order_by("code")
        if codes := options["institution"]:
            institutions = institutions.filter(code__in=codes)
            missing = set(codes) - {i.code for i in institutions}
            if missing:
                raise CommandError(f"unknown institution: {', '.join(sorted(missing))}")
        partnership = None
        if options["partnership"] is not None:
            partnership = Partnership.objects.filter(pk=options["partnership"]).first()
            if partnership is None:
                raise CommandError(f"no partnership {options['partnership']}")
        selection = Selection(
            endpoint=endpoint,
            by=options["by"],
            institutions=list(institutions),
            periods=options["periods"],
            period_years=options["period_years"],
            partnership=partnership,
        )
        try:
            report = survival_report(selection)
        except (GroupingError, AggregateError) as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(f"{endpoint.label} by {BY_CHOICES[options['by']]}")
            self.stdout.write(survival_text(report))
