from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from consilium.accounts.models import User
from consilium.audit.actions import record


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def _signed_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    record(actor=user, verb="auth.sign_in", request=request)


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
