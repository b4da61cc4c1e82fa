from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consilium.registry.access import aggregate_institution_ids, clinical_institution_ids


def navigation(request: HttpRequest) -> dict[str, object]:
    """The links of the top navigation; modules add theirs here as they arrive."""
    items: list[tuple[str, str]] = []
    if request.user.is_authenticated:
        items.append((reverse("home"), _("Home")))
        if clinical_institution_ids(request.user):
            items.append((reverse("registry:patient_list"), _("Registry")))
            items.append((reverse("navigation:home"), _("Navigation")))
        items.append((reverse("consultations:queue"), _("Consultations")))
        items.append((reverse("network:overview"), _("Network")))
        items.append((reverse("meetings:events"), _("Meetings")))
        items.append((reverse("library:home"), _("Library")))
        if aggregate_institution_ids(request.user):
            items.append((reverse("outcomes:page"), _("Outcomes")))
    return {
        "nav_items": items,
        "languages": settings.LANGUAGES,
        "htmx_config": '{"includeIndicatorStyles":false,"allowEval":false}',
    }
