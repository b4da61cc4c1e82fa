from typing import Any

from django.core.management.base import BaseCommand, CommandError

from consilium.audit.actions import verify_chain


class Command(BaseCommand):
    help = "Check the audit log's hash chain and name the first broken entry."

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_chain()
        if not result.ok:
            raise CommandError(
                f"Audit log BROKEN at entry #{result.broken_id}: {result.reason}. "
                f"{result.checked} entries before it are intact."
            )
        self.stdout.write(f"Audit log intact: {result.checked} entries verified.")
