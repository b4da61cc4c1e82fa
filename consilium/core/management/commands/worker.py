from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run a background task worker (all queues)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command(
            "db_worker",
            queue_name="*",
            batch=options["batch"],
            max_tasks=options["max_tasks"],
            interval=options["interval"],
            reload=False,
            startup_delay=False,
            verbosity=options["verbosity"],
        )
