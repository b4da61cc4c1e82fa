import asyncio
import logging
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from consilium.consultations.mail.smtp_server import serve


class Command(BaseCommand):
    help = (
        "Receive replies to consultation notifications by SMTP: accepts mail for "
        "reply+TOKEN@CONSILIUM_REPLY_DOMAIN only, and answers 250 only once a message is "
        "stored. Run `consilium worker` to process what it stores."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525, help="0 picks a free port.")
        parser.add_argument(
            "--workers",
            type=int,
            default=4,
            help="Threads that write to the database (PostgreSQL; SQLite has one writer).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] < 2:
            # aiosmtpd logs every command of every session at INFO.
            logging.getLogger("mail.log").setLevel(logging.WARNING)

        def ready(address: tuple[Any, ...]) -> None:
            self.stdout.write(
                f"Consilium SMTP receiver listening on {address[0]}:{address[1]} "
                f"for reply+…@{settings.CONSILIUM_REPLY_DOMAIN}"
            )
            self.stdout.flush()

        asyncio.run(
            serve(
                host=options["host"],
                port=options["port"],
                workers=max(1, options["workers"]),
                ready=ready,
            )
        )
        self.stdout.write("Consilium SMTP receiver stopped.")
