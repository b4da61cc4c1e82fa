from typing import Any

from django.core.management.base import BaseCommand

from consilium.core.periodic import run_all


class Command(BaseCommand):
    help = "Run the periodic jobs once (reminders, escalations, follow-up questions)."

    def handle(self, *args: Any, **options: Any) -> None:
        for job, result in run_all().items():
            self.stdout.write(f"{job}: {result}")
