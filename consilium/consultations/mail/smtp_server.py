"""The SMTP receiver for replies: ``reply+TOKEN@CONSILIUM_REPLY_DOMAIN`` and nothing else.

Its one promise is the SMTP one: "250" means the message is stored. So:

- RCPT refuses (550 5.1.1) every recipient that is not a reply address with a valid signature,
  before any data is sent; that check is an HMAC, no database. Expired addresses are
  accepted, so that their sender gets a bounce that explains instead of a bare 550.
- DATA commits the raw message, and the task that will process it, to the database (in
  writer threads, since the ORM is synchronous) and only then answers 250. Messages that
  arrive together share a commit (group commit), so a disk flush per message does not cap
  the rate. If the database fails the answer is 451 4.3.0 and the sending server keeps the
  message and tries again later; a message sent again after a lost 250 is recognised by its
  Message-ID and stored once.
- SIGTERM or SIGINT stops accepting connections, lets messages being stored finish and
  answers 421 to the sessions still open.

On SQLite the receiver's connections use ``synchronous=FULL``, so a stored message survives a
power cut as well as a killed process (WAL's NORMAL only guarantees the latter).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import re
import signal
import threading
import time
import weakref
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection

from consilium.consultations.mail import inbound, notify
from consilium.consultations.mail.reply_tokens import ExpiredToken, TokenError, parse_reply_address

__all__ = ["InboundHandler", "check_recipient", "serve", "store_received"]

logger = logging.getLogger(__name__)

MAX_RECIPIENTS = 20
SHUTDOWN_GRACE_SECONDS = 30
_UNSAFE_TRACE = re.compile(r"[^\x21-\x7e]")


def check_recipient(address: str, *, now: float | None = None) -> str | None:
    """Why ``address`` cannot receive mail here (for a 550 reply), or None if it can."""
    domain = settings.CONSILIUM_REPLY_DOMAIN
    try:
        parse_reply_address(
            address,
            secret=notify.reply_secret(),
            domain=domain,
            max_age_seconds=settings.CONSILIUM_REPLY_MAX_AGE_DAYS * 86400,
            now=time.time() if now is None else now,
        )
    except ExpiredToken:
        return None
    except TokenError as exc:
        if exc.code == "wrong-domain":
            return f"this server only receives replies to Consilium notifications at {domain}"
        return (
            "no such reply address here (it may have been changed or copied incompletely); "
            "reply to a Consilium notification or use the website"
        )
    return None


def store_received(messages: list[inbound.Incoming]) -> list[tuple[int, bool]]:
    """Commit messages and their processing tasks; runs in a writer thread."""
    if connection.vendor == "sqlite":
        # A file handle does not go stale (and with CONN_MAX_AGE 0 Django would reopen it
        # for every batch).
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=FULL")
    else:
        close_old_connections()  # a server restarted since the last batch
    try:
        stored = inbound.store_many(messages, queue=True)
    except DatabaseError:
        connection.close()  # start the next batch on a fresh connection
        raise
    return [(email.pk, created) for email, created in stored]


class _Writer:
    """Threads that store what the sessions received, in batches: whatever arrived while the
    previous commit was being flushed to disk goes into the next transaction, so one commit
    answers many sessions and throughput does not stop at one disk flush per message."""

    def __init__(self, threads: int, *, max_batch: int = 64) -> None:
        self.max_batch = max_batch
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.threads = [
            threading.Thread(target=self._run, name=f"smtp-store-{i}", daemon=True)
            for i in range(threads)
        ]
        for thread in self.threads:
            thread.start()

    def submit(self, message: inbound.Incoming) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        self.queue.put((message, future))
        return future

    def stop(self, timeout: float) -> None:
        for _thread in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join(timeout)

    def _run(self) -> None:
        try:
            stopping = False
            while not stopping:
                item = self.queue.get()
                if item is None:
                    return
                batch = [item]
                while len(batch) < self.max_batch:
                    try:
                        item = self.queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        stopping = True
                        break
                    batch.append(item)
                self._store(batch)
        finally:
            connection.close()

    def _store(self, batch: list) -> None:
        batch = [(m, f) for m, f in batch if f.set_running_or_notify_cancel()]
        if not batch:
            return
        started = time.perf_counter()
        try:
            results = store_received([m for m, _f in batch])
            logger.debug("stored %d in %.1f ms", len(batch), 1000 * (time.perf_counter() - started))
        except Exception as exc:
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
            # One bad message must not fail the others: store them one by one.
            for item in batch:
                try:
                    [result] = store_received([item[0]])
                except Exception as one_exc:
                    item[1].set_exception(one_exc)
                else:
                    item[1].set_result(result)
            return
        for (_m, future), result in zip(batch, results, strict=True):
            future.set_result(result)


class InboundHandler:
    """aiosmtpd handler hooks."""

    def __init__(self, writer: _Writer, *, hostname: str) -> None:
        self.writer = writer
        self.hostname = hostname
        self.closing = False
        self.in_flight: set[asyncio.Future] = set()

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        problem = check_recipient(address)
        if problem:
            logger.info("refused recipient %r from %r: %s", address, session.peer, problem)
            return f"550 5.1.1 <{address}>: {problem}"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.closing:
            return "421 4.3.2 Service shutting down, please try again later"
        raw = self._trace_header(session) + (envelope.original_content or b"")
        message = inbound.Incoming(
            raw, inbound.null_sender(envelope.mail_from), tuple(envelope.rcpt_tos)
        )
        future = asyncio.wrap_future(self.writer.submit(message))
        self.in_flight.add(future)
        try:
            pk, created = await future
        except DatabaseError:
            logger.exception("could not store an inbound message from %r", envelope.mail_from)
            return "451 4.3.0 The message could not be stored just now; please try again later"
        except Exception:
            logger.exception("unexpected error storing a message from %r", envelope.mail_from)
            return "451 4.3.0 The message could not be stored just now; please try again later"
        finally:
            self.in_flight.discard(future)
        return f"250 2.0.0 Stored as {pk}" + ("" if created else ", already received")

    def _trace_header(self, session: Session) -> bytes:
        """RFC 5321 asks a receiving server to add trace information."""
        helo = _UNSAFE_TRACE.sub("", str(session.host_name or "unknown"))[:100] or "unknown"
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer or "")
        peer = _UNSAFE_TRACE.sub("", str(peer))[:100]
        protocol = "ESMTP" if session.extended_smtp else "SMTP"
        return (
            f"Received: from {helo} ([{peer}])\r\n\tby {self.hostname} (Consilium) with "
            f"{protocol};\r\n\t{formatdate(usegmt=True)}\r\n"
        ).encode("ascii", "replace")

    async def drain(self, timeout: float) -> None:
        self.closing = True
        if self.in_flight:
            await asyncio.wait(set(self.in_flight), timeout=timeout)
        # Let the sessions whose message was just stored write their 250.
        await asyncio.sleep(0.05)


async def serve(
    *,
    host: str,
    port: int,
    workers: int = 4,
    stop: asyncio.Event | None = None,
    ready: Callable[[tuple[Any, ...]], None] | None = None,
) -> None:
    """Run the receiver until ``stop`` is set or the process gets SIGTERM/SIGINT."""
    loop = asyncio.get_running_loop()
    # SQLite has one writer at a time: more threads would only queue on its lock.
    writer = _Writer(1 if connection.vendor == "sqlite" else workers)
    handler = InboundHandler(writer, hostname=settings.CONSILIUM_REPLY_DOMAIN)
    sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()

    def session_factory() -> SMTP:
        smtp = SMTP(
            handler,
            hostname=settings.CONSILIUM_REPLY_DOMAIN,
            ident="Consilium",
            data_size_limit=inbound.max_message_bytes(),
            enable_SMTPUTF8=True,
            decode_data=False,
            loop=loop,
        )
        sessions.add(smtp)
        return smtp

    server = await loop.create_server(session_factory, host=host, port=port)
    stop = stop or asyncio.Event()
    handled_signals = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
            handled_signals.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread (tests): the caller sets ``stop``
    if ready is not None:
        ready(server.sockets[0].getsockname())
    try:
        await stop.wait()
    finally:
        server.close()
        await handler.drain(SHUTDOWN_GRACE_SECONDS)
        for smtp in list(sessions):
            transport = getattr(smtp, "transport", None)
            if transport is not None and not transport.is_closing():
                transport.write(b"421 4.3.2 Service shutting down, please try again later\r\n")
                transport.close()
        await server.wait_closed()
        await loop.run_in_executor(None, writer.stop, SHUTDOWN_GRACE_SECONDS)
        for sig in handled_signals:
            loop.remove_signal_handler(sig)
