from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _keep_patient_count_triggers(using: str, **kwargs: Any) -> None:
    """After every migrate (and flush): a migration that rebuilt the patient table on SQLite
    took the triggers of PatientCount with it (registry/patient_count_triggers.py)."""
    from consilium.registry import patient_count_triggers

    connection = connections[using]
    tables = connection.introspection.table_names()
    if "registry_patient" in tables and "registry_patientcount" in tables:
        patient_count_triggers.ensure(connection)


class RegistryConfig(AppConfig):
    name = "consilium.registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        post_migrate.connect(_keep_patient_count_triggers, sender=self)
