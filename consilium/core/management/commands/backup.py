from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from consilium.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the SQLite database and uploaded files into one .tar.gz."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        output = options["output"] or Path(f"consilium-{timezone.now():%Y%m%d-%H%M%S}.tar.gz")
        try:
            manifest = backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Backed up to {output}: database {manifest['database_bytes']} bytes, "
            f"{manifest['media_files']} uploaded files."
        )
