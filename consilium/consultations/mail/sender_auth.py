"""Is the sender of a reply who the From: header says? In layers a deployer can run:

1. ``Authentication-Results`` written by a mail server we trust (its authserv-id is in
   ``CONSILIUM_MAIL_TRUSTED_AUTHSERV_IDS``; that server must remove such headers arriving
   from outside): a DKIM or SPF pass for a domain aligned with the From: domain.
2. DKIM verified here (``CONSILIUM_MAIL_VERIFY_DKIM``) with dkimpy; ``dns`` replaces the DNS
   look-up (tests give it a key).
3. Neither: the sender is not authenticated. The gateway then holds what would change the
   consultation's state and marks plain messages "sender not verified".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from consilium.consultations.mail.parse import InboundMessage

logger = logging.getLogger(__name__)

DnsFunc = Callable[..., bytes | None]

_RESULT = re.compile(r"\b(dkim|spf|dmarc)\s*=\s*([a-z]+)\b([^;]*)", re.IGNORECASE)
_PROPERTY = re.compile(r"\b(header\.d|header\.i|smtp\.mailfrom|header\.from)\s*=\s*([^\s;]+)", re.I)


# What vouches for a domain: a DKIM signature's domain, or SPF's envelope sender.
_VOUCHING = frozenset({("dkim", "header.d"), ("dkim", "header.i"), ("spf", "smtp.mailfrom")})


@dataclass(frozen=True)
class SenderCheck:
    verified: bool
    method: str  # "authentication-results", "dkim", or "" when not verified
    detail: str


def _domain(value: str) -> str:
    return value.rpartition("@")[2].strip().strip(".<>\"'").lower()


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment: the same domain, or one a subdomain of the other."""
    domain, from_domain = domain.lower().strip("."), from_domain.lower().strip(".")
    if not domain or not from_domain:
        return False
    return (
        domain == from_domain
        or from_domain.endswith("." + domain)
        or domain.endswith("." + from_domain)
    )


def _from_trusted_results(parsed: InboundMessage, from_domain: str) -> SenderCheck | None:
    trusted = {t.lower() for t in settings.CONSILIUM_MAIL_TRUSTED_AUTHSERV_IDS}
    if not trusted:
        return None
    for header in parsed.header_all("authentication-results"):
        authserv, _semi, results = " ".join(str(header).split()).partition(";")
        words = authserv.split()
        if not words or words[0].lower() not in trusted:
            continue
        for method, verdict, rest in _RESULT.findall(results):
            if verdict.lower() != "pass":
                continue
            for prop, value in _PROPERTY.findall(rest):
                kind = (method.lower(), prop.lower())
                vouches = kind in {
                    ("dkim", "header.d"),
                    ("dkim", "header.i"),
                    ("spf", "smtp.mailfrom"),
                }
                if vouches and aligned(_domain(value), from_domain):
                    return SenderCheck(True, "authentication-results", f"{kind[0]}={value}")
    return None


def _from_dkim(raw: bytes, from_domain: str, dns: DnsFunc | None) -> SenderCheck | None:
    if not settings.CONSILIUM_MAIL_VERIFY_DKIM and dns is None:
        return None
    import dkim

    try:
        verifier = dkim.DKIM(raw, logger=logger)
        kwargs = {"dnsfunc": dns} if dns is not None else {}
        ok = verifier.verify(**kwargs)
    except Exception as exc:  # a broken signature or DNS failure is "not verified"
        logger.info("DKIM verification failed: %s", exc)
        return None
    signer = (verifier.domain or b"").decode("ascii", "replace")
    if ok and aligned(signer, from_domain):
        return SenderCheck(True, "dkim", f"d={signer}")
    return None


def authenticate(raw: bytes, parsed: InboundMessage, *, dns: DnsFunc | None = None) -> SenderCheck:
    """The first layer that vouches for the From: domain, or "not verified"."""
    from_domain = _domain(parsed.from_address)
    if not from_domain:
        return SenderCheck(False, "", "no sender domain")
    for check in (
        _from_trusted_results(parsed, from_domain),
        _from_dkim(raw, from_domain, dns or _dns_for_tests()),
    ):
        if check is not None:
            return check
    return SenderCheck(False, "", "no aligned DKIM or SPF pass")


def _dns_for_tests() -> DnsFunc | None:
    """Tests set ``CONSILIUM_MAIL_DKIM_DNS`` to a function returning the key record."""
    return getattr(settings, "CONSILIUM_MAIL_DKIM_DNS", None)
