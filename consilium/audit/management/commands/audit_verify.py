import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consilium.audit.actions import verify_chain


class Command(BaseCommand):
    help = (
        "Check the audit log's hash chain and name the first broken entry; report entries "
        "left unsealed for longer than --unsealed-bound seconds (the sealer is not running)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unsealed-bound", type=int, default=60)

    def handle(self, *args: Any, **options: Any) -> None:
        bound = options["unsealed_bound"]
        result = verify_chain(unsealed_bound=dt.timedelta(seconds=bound))
        if not result.ok:
            raise CommandError(
                f"Audit log BROKEN at entry #{result.broken_id}: {result.reason}. "
                f"{result.checked} entries before it are intact."
            )
        if result.overdue:
            raise CommandError(
                f"Audit log: {result.checked} sealed entries verified, but {result.overdue} "
                f"entries (the oldest #{result.oldest_unsealed_id}) are unsealed after more "
                f"than {bound} s: is a worker or `consilium audit-seal --loop` running?"
            )
        pending = f" ({result.unsealed} recent entries not sealed yet)" if result.unsealed else ""
        self.stdout.write(f"Audit log intact: {result.checked} entries verified{pending}.")
