"""A partner expert (and the outsider) signs in and follows every same-site link from the home
page, as a curious person or a crawler would; nowhere, in pages, API answers, CSV, calendar
files or PDF text, may a direct identifier of a patient appear. The identifiers are read from
the database (decrypted), not typed here, so every patient the world holds is covered."""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections import deque
from html import unescape
from html.parser import HTMLParser
from urllib.parse import quote, urljoin, urlsplit

import pytest
from pypdf import PdfReader

from consilium.audit.actions import verify_chain
from consilium.navigation.models import FamilyContact
from consilium.registry.models import PatientIdentity
from tests.security.conftest import csrf_client

pytestmark = pytest.mark.django_db

MAX_PAGES = 250
# Links a crawler must not follow: they end the session or change the reader's settings.
SKIP = re.compile(r"^/(accounts/logout|language|admin/logout)")


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"a": "href", "link": "href", "img": "src", "iframe": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.links.append(value)


def _fold(text: str) -> str:
    """NFC, case-folded: what a reader would recognise as the same words."""
    return unicodedata.normalize("NFC", text).casefold()


def _ascii(text: str) -> str:
    return (
        "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        .replace("đ", "d")
        .replace("Đ", "D")
    )


def identifiers() -> dict[str, re.Pattern]:
    """Every patient's name (also without diacritics), hospital number, birth date in the
    usual spellings, address and phone, each matched as whole words only: "Nguyễn Văn An"
    must not be found inside "Nguyễn Văn Anh"."""
    found: dict[str, re.Pattern] = {}
    for identity in PatientIdentity.objects.all():
        born = identity.birth_date
        values = [
            identity.name,
            _ascii(identity.name),
            identity.hospital_number,
            identity.address,
            identity.phone,
            identity.phone.replace(" ", ""),
            born.isoformat(),
            born.strftime("%d/%m/%Y"),
            born.strftime("%d.%m.%Y"),
            born.strftime("%m/%d/%Y"),
            born.strftime("%Y%m%d"),
            f"{born.day} {born.strftime('%B')} {born.year}",
            f"{born.strftime('%B')} {born.day}, {born.year}",
        ]
        for value in filter(None, (v.strip() for v in values)):
            found[value] = re.compile(rf"(?<!\w){re.escape(_fold(value))}(?!\w)")
    for family in FamilyContact.objects.all():  # navigation: who to call, and where
        values = [family.name, family.phone, family.phone.replace(" ", ""), family.address]
        for value in filter(None, (v.strip() for v in values)):
            found[value] = re.compile(rf"(?<!\w){re.escape(_fold(value))}(?!\w)")
    return found


def text_of(response) -> str:
    kind = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if kind.startswith("application/pdf"):
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)
    if kind.startswith("application/json"):
        # The raw JSON escapes non-ASCII letters; compare the values as they read.
        return json.dumps(json.loads(body), ensure_ascii=False)
    if kind.startswith(("text/", "application/xml", "image/svg")):
        return unescape(body.decode(response.charset or "utf-8", "replace"))
    return ""  # images, DICOM: de-identification has its own tests


def crawl(client, seeds: list[str]) -> dict[str, str]:
    """Breadth-first over same-site links, GET only; the text of every page reached."""
    seen: dict[str, str] = {}
    queue = deque(seeds)
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen or SKIP.match(urlsplit(url).path):
            continue
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200:
            seen[url] = ""
            continue
        seen[url] = text_of(response)
        if response.get("Content-Type", "").startswith("text/html"):
            parser = _Links()
            parser.feed(seen[url])
            for link in parser.links:
                target = urljoin(url, link)
                parts = urlsplit(target)
                if parts.netloc in ("", "testserver") and not parts.path.startswith("/static/"):
                    queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def leaks(pages: dict[str, str]) -> list[str]:
    patterns = identifiers()
    return [
        f"{url}: {value!r}"
        for url, text in pages.items()
        for value, pattern in patterns.items()
        if pattern.search(_fold(text))
    ]


def api_seeds(world) -> list[str]:
    ids = world.ids
    return [
        "/api/v1/consultations/",
        f"/api/v1/consultations/{ids.consultation}",
        f"/api/v1/consultations/{ids.consultation}/messages",
        "/api/v1/library/sendouts",
        f"/api/v1/library/sendouts/{ids.sendout}",
        f"/api/v1/meetings/events/{ids.board}",
        f"/api/v1/meetings/events/{ids.workshop}/programme",
        # The workshop's badge sheet: an organiser's download, refused to a partner.
        f"/meetings/{ids.workshop}/badges.pdf",
        "/api/v1/registry/patients",
        f"/api/v1/registry/patients/{ids.patient}",
        f"/api/v1/search/similar/{ids.consultation}",
        "/navigation/",
        "/navigation/?institution=VNCH",
        "/navigation/calls.pdf?institution=VNCH",
        "/navigation/day/?institution=VNCH",
        "/navigation/lists/outreach/?institution=VNCH",
        "/navigation/lists/missed/?institution=VNCH",
        f"/navigation/patients/{ids.patient}/",
        f"/api/v1/navigation/patients/{ids.patient}/plans",
        f"/api/v1/navigation/patients/{ids.patient}/outreach",
        "/api/v1/navigation/institutions/VNCH/abandonments",
        "/api/v1/navigation/institutions/VNCH/measures",
    ]


def search_seeds(world) -> list[str]:
    """Searches that reach the patient's data, by page and API. (Searching for the
    identifiers themselves echoes what was typed: tests/search/test_results.py checks that
    such a search finds nothing for a partner, counts included.)"""
    queries = [world.patient.pseudonym, "neuroblastoma", "diagnosis:IV"]
    return [
        *(f"/search/?q={quote(q)}" for q in queries),
        *(f"/search/?q={quote(q)}&kind=patient" for q in queries),
        *(f"/api/v1/search/?q={quote(q)}" for q in queries),
        f"/search/similar/?consultation={world.consultation.pk}",
    ]


def test_it_finds_the_identifiers_where_they_belong(world):
    """The check itself works: the treating clinician's patient page shows them."""
    page = csrf_client(world, "clinician").get(f"/registry/patients/{world.patient.pk}/")
    assert leaks({"patient page": text_of(page)})


def test_it_finds_the_familys_phone_on_the_navigators_call_list(world):
    """The family's number is an identifier the crawl looks for: the call list shows it to
    the institution's clinical roles (and so must not to anyone else)."""
    pdf = csrf_client(world, "clinician").get("/navigation/calls.pdf?institution=VNCH")
    found = leaks({"call list": text_of(pdf)})
    assert any("+84 98 765 4321" in leak for leak in found), found


def test_it_does_not_match_a_name_inside_a_longer_name(world):
    assert not leaks({"page": "Dr Nguyễn Văn Anh and Nguyễn Văn Ann presented."})


@pytest.mark.parametrize("persona", ["expert", "outsider"])
def test_no_identifier_reaches_a_partner_anywhere(world, persona):
    pages = crawl(csrf_client(world, persona), ["/", *api_seeds(world), *search_seeds(world)])
    assert not leaks(pages)
    if persona == "expert":
        # The crawl really went where the patient's data lives for a partner.
        reached = {urlsplit(url).path for url, text in pages.items() if text}
        cid = world.consultation.pk
        for must in (
            f"/consultations/{cid}/",
            f"/consultations/{cid}/report.pdf",
            f"/library/sendouts/{world.sendout.pk}/",
            f"/meetings/{world.board.pk}/agenda/",
            f"/meetings/{world.board.pk}/present/1/",
            f"/meetings/{world.board.pk}/minutes.pdf",
            f"/meetings/{world.board.pk}/event.ics",
        ):
            assert must in reached, (must, sorted(reached))
        assert world.patient.pseudonym in pages[f"/consultations/{cid}/"]
    assert verify_chain().ok
