import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consilium.outcomes.endpoints import parse_endpoint
from consilium.outcomes.exchange import (
    EXPORTED_BY,
    ExchangeError,
    pool,
    pool_abandonment,
    read_files,
)
from consilium.outcomes.report import summarise
from consilium.outcomes.survival import AggregateError
from consilium.outcomes.text import survival_text


class Command(BaseCommand):
    help = (
        "Pool sites' aggregate files (from outcomes-export) into survival curves, without any"
        " patient record: per site (--by institution) or per group across sites."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--endpoint", default="os")
        parser.add_argument("--by", default="institution", choices=["institution", *EXPORTED_BY])
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            endpoint = parse_endpoint(options["endpoint"])
            sites = read_files(options["files"])
            report = summarise(pool(sites, endpoint=endpoint, by=options["by"]))
            by = options["by"] if options["by"] in ("institution", "all", "period") else "all"
            abandonment = pool_abandonment(sites, by=by)
        except (ValueError, ExchangeError, AggregateError) as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            document = report.as_dict()
            document["sites"] = [s.site for s in sites]
            document["excluded_by_site"] = {s.site: s.excluded(endpoint.value) for s in sites}
            document["abandonment"] = {
                key: {"abandoned": rate.numerator, "children": rate.denominator}
                for key, rate in abandonment.items()
            }
            self.stdout.write(json.dumps(document, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{endpoint.label} by {options['by']}, pooled from {', '.join(s.site for s in sites)}"
            " (times in months)"
        )
        self.stdout.write(survival_text(report))
        for site in sites:
            if counts := site.excluded(endpoint.value):
                detail = ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items()))
                self.stdout.write(f"{site.site}: {sum(counts.values())} excluded ({detail})")
        if abandonment:
            self.stdout.write(f"Abandonment (SIOP PODC) by {by}:")
            for key, rate in abandonment.items():
                self.stdout.write(f"  {key}: {rate.numerator}/{rate.denominator} ({rate.percent}%)")
