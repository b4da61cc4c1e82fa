from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.gzip import GZipMiddleware
from django.template.defaultfilters import filesizeformat
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

# Text worth compressing; images, PDFs and DICOM are compressed already or gain nothing.
COMPRESSIBLE_TYPES = frozenset(
    {
        "text/html",
        "text/plain",
        "text/csv",
        "text/calendar",
        "application/json",
        "application/fhir+json",
        "image/svg+xml",
    }
)
# Requests the reader's own browser made for this site: a link or form of the site itself
# ("same-origin") or an address typed, bookmarked or opened from a mail program ("none").
UNPROMPTED_FETCH_SITES = frozenset({"same-origin", "none"})


class SameOriginGZipMiddleware(GZipMiddleware):
    """Gzips pages, but only those another site could not have asked for.

    A compressed page's length leaks how well its secrets (patient names, hospital numbers,
    the CSRF token) compress together with text an attacker put into the same page, which is
    what BREACH measures. The attack needs the victim's browser to send thousands of requests
    the attacker chose, i.e. requests started by the attacker's site. Browsers say who
    started a request in `Sec-Fetch-Site`, which a page cannot forge; so a response is
    compressed only when the request came from this site itself or from the reader (an
    address typed, a bookmark). Cross-site and same-site requests, and browsers too old to
    send the header, get the page uncompressed: still correct, only heavier. Django adds a
    random-length gzip header field on top (Heal the Breach), and SameSite=Lax already keeps
    the session cookie off cross-site subresource requests. Static files are not handled
    here: whitenoise serves its pre-compressed gzip and Brotli files, which hold no secret.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type not in COMPRESSIBLE_TYPES:
            return response
        # Whether it is compressed depends on this header too: caches must keep both forms.
        patch_vary_headers(response, ("Sec-Fetch-Site",))
        if request.headers.get("Sec-Fetch-Site", "").lower() not in UNPROMPTED_FETCH_SITES:
            return response
        return super().process_response(request, response)


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body is larger than any the site accepts before a
    byte of it is read (uploads are then streamed to disk, see FILE_UPLOAD_HANDLERS), and an
    API body larger than a JSON body may be, with a JSON answer the API's clients can read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        api = request.path.startswith("/api/")
        multipart = request.content_type == "multipart/form-data"
        limit = (
            settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if api and not multipart
            else settings.CONSILIUM_MAX_REQUEST_BYTES
        )
        if length > limit:
            message = _("The request is larger than the limit of %(limit)s.") % {
                "limit": filesizeformat(limit)
            }
            if api:
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class NulInputMiddleware:
    """A NUL character in a query string or a form field is refused (400) before any view:
    PostgreSQL cannot hold one even in a search filter, and SQLite would store it, so both
    databases now answer the same. (JSON bodies are checked by the API's parser.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):  # the API answers in JSON (consilium.api)
            return self.get_response(request)
        fields = [request.GET]
        if request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            fields.append(request.POST)
        for data in fields:
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in v for v in values):
                    from consilium.core.views import bad_request

                    return bad_request(request)
        return self.get_response(request)
