import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from consilium.audit.sealer import seal_if_holder
from consilium.core.leases import new_worker_id


class Command(BaseCommand):
    help = (
        "Link the audit entries written since the last seal into the hash chain (workers do "
        "this every second; this is for installations without a worker, or to catch up)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop", action="store_true", help="Keep sealing, every CONSILIUM_AUDIT_SEAL_SECONDS."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        holder = f"audit-seal-{new_worker_id()}"
        while True:
            sealed = seal_if_holder(holder)
            if not options["loop"]:
                if sealed is None:
                    self.stdout.write("Another sealer holds the lease; nothing done.")
                else:
                    self.stdout.write(f"{sealed} audit entries sealed.")
                return
            time.sleep(settings.CONSILIUM_AUDIT_SEAL_SECONDS)
