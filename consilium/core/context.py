from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from consilium.accounts.access import roles_by_institution
from consilium.registry.access import aggregate_institution_ids, clinical_institution_ids

# The places each role goes to most, first on a phone's one-line menu; the rest sit behind
# "Menu". A person with several roles gets the first role's places in this order.
PRIMARY_PLACES = {
    "clinician": ("registry:patient_list", "consultations:queue", "meetings:events"),
    "data_manager": ("registry:patient_list", "outcomes:page", "consultations:queue"),
    "expert": ("consultations:queue", "meetings:events", "library:home"),
    "coordinator": ("network:overview", "meetings:events", "outcomes:page"),
}
DEFAULT_PLACES = ("consultations:queue", "meetings:events", "library:home")
PRIMARY_COUNT = 3


def navigation(request: HttpRequest) -> dict[str, object]:
    """The links of the top navigation; modules add theirs here as they arrive."""
    items: list[tuple[str, str]] = []
    # A request refused by a middleware that runs before authentication (a Host header that
    # is not allowed, say) has no user: its error page is drawn for an anonymous visitor.
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
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
    primary, more = _split(request, items)
    return {
        "nav_items": items,
        "nav_primary": primary,
        "nav_more": more,
        "languages": settings.LANGUAGES,
        "language_next": _page_url(request),
        "htmx_config": '{"includeIndicatorStyles":false,"allowEval":false}',
    }


def _page_url(request: HttpRequest) -> str:
    """Where the language switcher comes back to. A page drawn in answer to a post (a form
    sent back with its errors) sits at an address that takes posts only: coming back there
    would be a 405, so it goes back to the page the form was on (the post's referer, when it
    is this site's), else home."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"


def _split(
    request: HttpRequest, items: list[tuple[str, str]]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The person's few main places (by their roles) and the rest, each in menu order."""
    if not items:
        return [], []
    held = {role for roles in roles_by_institution(request.user).values() for role in roles}
    wanted: list[str] = []
    for role, places in PRIMARY_PLACES.items():
        if role in held:
            wanted += [reverse(name) for name in places if reverse(name) not in wanted]
    wanted += [reverse(name) for name in DEFAULT_PLACES]
    present = {url for url, _label in items}
    chosen = [url for url in dict.fromkeys(wanted) if url in present][:PRIMARY_COUNT]
    by_url = dict(items)
    return [(url, by_url[url]) for url in chosen], [i for i in items if i[0] not in chosen]
