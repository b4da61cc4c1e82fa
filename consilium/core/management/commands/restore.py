from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from consilium.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by `consilium backup` (stop the app first)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--force", action="store_true", help="Replace an existing database.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore(options["archive"], force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Restored the backup of {manifest['created_at']}.")
        # Bring an older backup up to this version's schema, then prove the log is intact.
        call_command("migrate", interactive=False, verbosity=0)
        call_command("audit_verify", stdout=self.stdout)
