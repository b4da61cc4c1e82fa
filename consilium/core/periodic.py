"""Jobs the scheduler runs every few minutes. Each is idempotent: it claims its work with a
conditional UPDATE, so running it twice, or on two machines, sends nothing twice."""

import logging

from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

JOBS = [
    "consilium.audit.sealer.seal_periodically",
    "consilium.network.actions.send_milestone_reminders",
    "consilium.consultations.clock.run",
    "consilium.consultations.digest.run",
    "consilium.search.index.refresh_directory",
    "consilium.meetings.agenda_mail.send_due_agendas",
    "consilium.registry.import_jobs.sweep",
    "consilium.navigation.actions.sweep.run",
    "consilium.core.orphan_files.sweep",
]


def run_all() -> dict[str, object]:
    results: dict[str, object] = {}
    for path in JOBS:
        try:
            results[path] = import_string(path)()
        except Exception:  # one failing job must not stop the others
            logger.exception("periodic job %s failed", path)
            results[path] = "failed"
    return results
