"""`consilium ingest-mail FILE|-`: replies from a file, an mbox, or a pipe from a mail server.

For Postfix, for example (master.cf)::

    consilium unix - n n - - pipe flags=Rq user=consilium argv=/srv/consilium/.venv/bin/consilium
      ingest-mail --sender ${sender} --recipient ${original_recipient} -

Exit codes are the ones mail servers understand (sysexits.h): 0 once every message is stored
(and then added to its thread, bounced with an explanation, or ignored as automatic); 75
(EX_TEMPFAIL) when the database could not store one, so the mail server keeps the message and
tries again; a message delivered again is recognised by its Message-ID and stored once.
"""

from __future__ import annotations

import logging
import re
import sys
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from consilium.consultations.mail import inbound
from consilium.consultations.models import InboundEmail, InboundStatus

logger = logging.getLogger(__name__)

EX_DATAERR = 65
EX_NOINPUT = 66
EX_TEMPFAIL = 75

_MBOX_ESCAPED = re.compile(rb"^>(>*From )")


def split_mbox(data: bytes) -> list[tuple[str | None, bytes]]:
    """(envelope sender of the From_ line, message) pairs; one message without a From_ line.

    A From_ line starts a message at the beginning of the data or after an empty line;
    ">From " lines are unescaped (mboxrd)."""
    if not data.startswith(b"From "):
        return [(None, data)]
    messages: list[tuple[str | None, list[bytes]]] = []
    previous_blank = True
    for line in data.splitlines(keepends=True):
        if previous_blank and line.startswith(b"From "):
            sender = (
                line[5:].split(maxsplit=1)[0].decode("ascii", "replace") if line[5:].split() else ""
            )
            messages.append((sender, []))
        else:
            messages[-1][1].append(_MBOX_ESCAPED.sub(rb"\1", line))
        previous_blank = not line.strip()
    out = []
    for sender, lines in messages:
        # The empty line before the next From_ line belongs to the mbox, not the message.
        if len(lines) > 1 and not lines[-1].strip():
            lines = lines[:-1]
        out.append((sender, b"".join(lines)))
    return out


class Command(BaseCommand):
    help = (
        "Take replies to consultation notifications from files, an mbox, or standard input "
        "(-), store each once and process it: added to its thread, bounced with an "
        "explanation, or ignored if automatic. Exits 75 when the database is unavailable."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sources", nargs="+", metavar="FILE|-")
        parser.add_argument(
            "--sender",
            default=None,
            help="The envelope sender (MAIL FROM), e.g. Postfix's ${sender}; empty, <> or "
            "MAILER-DAEMON mean the null sender of a bounce.",
        )
        parser.add_argument(
            "--recipient",
            action="append",
            default=[],
            help="An envelope recipient, e.g. Postfix's ${original_recipient} (repeatable).",
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Only store, and leave the processing to `consilium worker`.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        counts: Counter[str] = Counter()
        tempfail = False
        for source in options["sources"]:
            data = self._read(source)
            for mbox_sender, raw in split_mbox(data):
                sender = options["sender"] if options["sender"] is not None else mbox_sender
                envelope_from = "" if sender is None else inbound.null_sender(sender)
                try:
                    email, created = inbound.store(
                        raw,
                        envelope_from=envelope_from,
                        envelope_to=options["recipient"],
                        queue=options["queue"],
                    )
                except DatabaseError as exc:
                    self.stderr.write(f"consilium ingest-mail: message not stored: {exc}")
                    counts["not stored"] += 1
                    tempfail = True
                    continue
                if not created:
                    counts["already stored"] += 1
                if options["queue"]:
                    counts["queued"] += created
                    continue
                if email.status == InboundStatus.RECEIVED:
                    # New, or stored before by a run that could not process it.
                    outcome = self._process(email)
                    tempfail = tempfail or outcome == "tempfail"
                    counts[outcome] += 1
                if options["verbosity"] >= 2:
                    email.refresh_from_db(fields=["status", "reason"])
                    self.stdout.write(f"{email.message_id}: {email.status} {email.reason}")
        if options["verbosity"] >= 1:
            summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "nothing"
            self.stdout.write(f"ingest-mail: {summary}")
        if tempfail:
            raise CommandError(
                "the database is unavailable; the mail server should try again later",
                returncode=EX_TEMPFAIL,
            )

    def _read(self, source: str) -> bytes:
        try:
            if source == "-":
                data = sys.stdin.buffer.read()
            else:
                with open(source, "rb") as f:
                    data = f.read()
        except OSError as exc:
            raise CommandError(f"cannot read {source}: {exc}", returncode=EX_NOINPUT) from None
        if not data.strip():
            raise CommandError(f"{source}: no message in the input", returncode=EX_DATAERR)
        return data

    def _process(self, email: InboundEmail) -> str:
        try:
            return inbound.process(email).status
        except DatabaseError:
            logger.exception("inbound %s stored but not processed", email.message_id)
            return "tempfail"
        except Exception:
            # Stored, so not lost: queue it for the worker, which retries and shows failures.
            logger.exception("inbound %s stored, processing failed", email.message_id)
            from consilium.consultations.mail.inbound import process_inbound

            try:
                process_inbound.enqueue(inbound_id=email.pk)
            except DatabaseError:
                return "tempfail"
            return "queued after an error"
