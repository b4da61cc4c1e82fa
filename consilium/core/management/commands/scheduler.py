import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from consilium.core.periodic import run_all


class Command(BaseCommand):
    help = "Run the periodic jobs every INTERVAL seconds, for ever (one per installation)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=int, default=300)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            close_old_connections()
            run_all()
            time.sleep(options["interval"])
