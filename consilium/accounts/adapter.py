from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People join a network by invitation from its coordinators, never by self sign-up.
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        if template_prefix == "account/email/unknown_account":
            # There is no sign-up page to send them to: say whom to ask instead.
            context = {k: v for k, v in context.items() if k != "signup_url"}
            context["contact_email"] = settings.CONSILIUM_CONTACT_EMAIL
        super().send_mail(template_prefix, email, context)
