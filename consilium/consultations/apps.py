from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consilium.consultations"
    verbose_name = _("Consultations")

    def ready(self) -> None:
        from consilium.accounts import expired_posts
        from consilium.consultations import kept

        expired_posts.register(kept.keeper)
