"""`consilium mail-policy`: a Postfix policy service that refuses unknown reply addresses at
RCPT, as `consilium smtpd` does, for installations that pipe mail to `ingest-mail`.

Postfix (master.cf)::

    consilium-policy unix - n n - 0 spawn user=consilium
      argv=/srv/consilium/.venv/bin/consilium mail-policy

and in main.cf, before the recipient is accepted::

    smtpd_recipient_restrictions = ..., check_policy_service unix:private/consilium-policy

Each request (Postfix's policy delegation protocol: name=value lines, then an empty line) is
answered with one action: REJECT with the reason for a reply address that is forged or
damaged, DUNNO (no opinion) for anything else. The check is the HMAC of the address: no
database, so it stays fast when the mail server is hammered.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from django.conf import settings
from django.core.management.base import BaseCommand

from consilium.consultations.mail.reply_tokens import LOCAL_PREFIX
from consilium.consultations.mail.smtp_server import check_recipient


def decide(attributes: dict[str, str]) -> str:
    """The action for one policy request."""
    recipient = attributes.get("recipient", "").strip().strip("<>")
    local, _at, domain = recipient.rpartition("@")
    if domain.lower() != settings.CONSILIUM_REPLY_DOMAIN.lower():
        return "DUNNO"  # not ours to judge
    if not local.lower().startswith(LOCAL_PREFIX):
        return "REJECT 5.1.1 no such mailbox"
    problem = check_recipient(recipient)
    if problem:
        return f"REJECT 5.1.1 {' '.join(str(problem).split())[:200]}"
    return "DUNNO"


def serve(stdin: TextIO, stdout: TextIO) -> None:
    attributes: dict[str, str] = {}
    for line in stdin:
        line = line.rstrip("\r\n")
        if line:
            name, _eq, value = line.partition("=")
            attributes[name] = value
            continue
        stdout.write(f"action={decide(attributes)}\n\n")
        stdout.flush()
        attributes = {}


class Command(BaseCommand):
    help = (
        "Postfix policy service: refuse forged or damaged reply addresses at RCPT "
        "(for installations that pipe mail to ingest-mail)."
    )
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        serve(sys.stdin, sys.stdout)
