from typing import Any

from django.core.management.base import BaseCommand

from consilium.network.actions import send_milestone_reminders


class Command(BaseCommand):
    help = "Queue reminder emails for milestones due within a week or overdue (run daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_milestone_reminders()
        self.stdout.write(f"{sent} milestone reminder(s) queued.")
