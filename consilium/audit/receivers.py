from typing import Any

from allauth.account.authentication import get_authentication_records
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from consilium.accounts.models import User
from consilium.audit.actions import record


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def _signed_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    # How the session proved who it is (password, mfa, password_reset...): an admin's entry
    # shows whether the second factor was passed.
    methods = [str(r.get("method", "")) for r in get_authentication_records(request, user)]
    record(actor=user, verb="auth.sign_in", request=request, details={"methods": methods})


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def _signed_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        record(actor=user, verb="auth.sign_out", request=request)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked the password in `credentials`; only the address is kept.
    attempted = str(credentials.get("email") or credentials.get("username") or "")[:254]
    record(
        actor=None,
        verb="auth.sign_in_failed",
        request=request,
        actor_label=attempted,
        details={"attempted": attempted},
    )
