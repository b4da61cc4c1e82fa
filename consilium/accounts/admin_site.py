"""The Django admin behind allauth's sign-in: its own login form would take a password alone,
without the second factor or the sign-in rate limits (allauth documents the gap, see
docs.allauth.org "Admin"). Here the admin never reads a password; it sends everyone to
allauth's sign-in and lets in only staff whose session passed a second factor."""

from functools import wraps
from typing import Any

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _


def signed_in_with_second_factor(request: HttpRequest) -> bool:
    user = request.user
    if not is_mfa_enabled(user):
        return False
    return any(r.get("method") == "mfa" for r in get_authentication_records(request, user))


def admin_login(request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
    """Replaces AdminSite.login: no form, whatever the method."""
    next_url = request.GET.get(REDIRECT_FIELD_NAME) or request.POST.get(REDIRECT_FIELD_NAME)
    if not next_url or not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    user = request.user
    if not user.is_authenticated:
        query = urlencode({REDIRECT_FIELD_NAME: next_url})
        return HttpResponseRedirect(f"{reverse('account_login')}?{query}")
    if not (user.is_active and user.is_staff):
        raise PermissionDenied
    if not is_mfa_enabled(user):
        messages.warning(
            request, _("The administration needs two-factor sign-in: set it up here first.")
        )
        return HttpResponseRedirect(reverse("mfa_index"))
    if not signed_in_with_second_factor(request):
        # A session that began without the second factor (a password reset, say) proves it now.
        query = urlencode({REDIRECT_FIELD_NAME: next_url})
        return HttpResponseRedirect(f"{reverse('mfa_reauthenticate')}?{query}")
    return HttpResponseRedirect(next_url)


def _has_permission(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and signed_in_with_second_factor(request))


def protect(site: admin.AdminSite) -> None:
    site.login = wraps(site.login)(admin_login)  # type: ignore[method-assign]
    site.has_permission = _has_permission  # type: ignore[method-assign]
