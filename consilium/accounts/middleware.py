import time
import zoneinfo
from collections.abc import Callable
from urllib.parse import urlencode

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from consilium.accounts import expired_posts

_STARTED = "consilium_started"
_SEEN = "consilium_seen"
# Writing the session on every request would cost a database write per page; a minute
# of slack on the idle clock is harmless.
_SEEN_RESOLUTION = 60


class SessionTimeoutMiddleware:
    """Ends a signed-in session after it has been idle too long, or has simply lasted too
    long, whatever the activity: shared ward computers are the norm."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.get(_STARTED)
            seen = request.session.get(_SEEN)
            if started is None or seen is None:
                request.session[_STARTED] = started = now
                request.session[_SEEN] = seen = now
                request.consilium_seen_refreshed = True  # type: ignore[attr-defined]
            idle = now - seen > settings.SESSION_IDLE_TIMEOUT
            too_old = now - started > settings.SESSION_ABSOLUTE_TIMEOUT
            if idle or too_old:
                return self._expire(request)
            if now - seen >= _SEEN_RESOLUTION:
                request.session[_SEEN] = now
                request.consilium_seen_refreshed = True  # type: ignore[attr-defined]
        return self.get_response(request)

    def _expire(self, request: HttpRequest) -> HttpResponse:
        # Typed work posted into an expired session is kept first, while we still know whose
        # it is (accounts/expired_posts.py); the person finds it back after signing in.
        after = None
        if request.method == "POST" and _csrf_ok(request):
            after = expired_posts.keep(request, request.user)
        logout(request)
        login = reverse("account_login")
        if after is not None:
            messages.warning(
                request,
                _(
                    "Your session has expired, so nothing was sent. What you typed is kept: "
                    "sign in again to find it back, ready to send."
                ),
            )
            next_url = f"{login}?{urlencode({'next': after})}"
            if request.headers.get("HX-Request"):
                # An autosave in the background: say so where its status shows, and leave
                # the page (and what is typed in it) alone.
                return HttpResponse(
                    format_html(
                        '{} <a href="{}">{}</a>',
                        _("Your session has expired; what you typed is kept."),
                        next_url,
                        _("Sign in again"),
                    )
                )
            return HttpResponseRedirect(next_url)
        messages.info(request, _("Your session has expired. Please sign in again."))
        if request.method == "GET" and not request.headers.get("HX-Request"):
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{login}?{query}")
        return HttpResponseRedirect(login)


def _csrf_ok(request: HttpRequest) -> bool:
    """The CSRF check the view would have had (it runs after this middleware): only the
    person's own pages may put text into their drafts."""

    def view(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
        raise AssertionError

    return CsrfViewMiddleware(view).process_view(request, view, (), {}) is None


class UserSessionActivityMiddleware:
    """The sessions page's IP address, browser and last-seen time, kept up to date once a
    minute at most: allauth's own middleware writes them on every request, a transaction with a
    read and an update for each page. It runs when SessionTimeoutMiddleware (which must come
    first) refreshes its idle stamp, and on a session's first signed-in request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            getattr(request, "consilium_seen_refreshed", False)
            and request.user.is_authenticated
            and request.session.session_key
        ):
            UserSession.objects.create_from_request(request)
        return self.get_response(request)


class UserPreferencesMiddleware:
    """Shows every time in the reader's zone and the interface in their language."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            languages = dict(settings.LANGUAGES)
            if user.language in languages and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        else:
            timezone.deactivate()
        return self.get_response(request)


class NoStoreWhenSignedInMiddleware:
    """Pages for a signed-in person must not stay in a shared computer's cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated and not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
        return response
