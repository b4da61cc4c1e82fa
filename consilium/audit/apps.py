from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "consilium.audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        # Sign-in events come from Django and allauth as signals; this is the one place
        # they are turned into audit entries.
        from consilium.audit import receivers  # noqa: F401
