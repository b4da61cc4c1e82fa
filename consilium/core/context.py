from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def navigation(request: HttpRequest) -> dict[str, object]:
    """The links of the top navigation; modules add theirs here as they arrive."""
    items: list[tuple[str, str]] = []
    if request.user.is_authenticated:
        items.append((reverse("home"), _("Home")))
        items.append((reverse("network:overview"), _("Network")))
    return {
        "nav_items": items,
        "languages": settings.LANGUAGES,
        "htmx_config": '{"includeIndicatorStyles":false,"allowEval":false}',
    }
