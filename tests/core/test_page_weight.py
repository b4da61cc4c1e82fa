"""The main page of every module stays light enough for a 2G link (issue 9).

The targets are 60 kB on a first visit (the page and every static file it loads) and 15 kB on
the next ones (the page alone: static files come from the cache), response headers included.
These budgets leave room for those headers and for real data being longer than the tests';
bench/bench_page_weight.py measures the real thing in a browser on an emulated link."""

import gzip
import re
from pathlib import Path

import pytest
from django.test import Client

from consilium.registry.views import PAGE_SIZE
from tests.consultations.conftest import consultation, make_patient, patient  # noqa: F401
from tests.library.conftest import draft_sop, publish
from tests.meetings.conftest import workshop  # noqa: F401
from tests.network.conftest import institutions, partnership  # noqa: F401

WARM_HTML_BUDGET = 12_000  # compressed page, of the 15 kB warm target
COLD_BUDGET = 55_000  # page and static files, of the 60 kB cold target
BROWSER = {"Accept-Encoding": "gzip, deflate, br, zstd", "Sec-Fetch-Site": "same-origin"}
STATIC = re.compile(r'(?:href|src)="(/static/[^"]+)"')
HX_ATTRIBUTE = re.compile(r"\shx-[a-z-]+=")
HTMX = '{% include "core/htmx.html" %}'
PACKAGE = Path(__file__).resolve().parents[2] / "consilium"
A_YEAR = 365 * 24 * 3600


@pytest.fixture
def pages(personas, institutions, partnership, consultation, workshop):  # noqa: F811
    """(persona, path) of each module's main page, the lists filled to a whole page."""
    from consilium.consultations.actions import post_message

    for i in range(PAGE_SIZE):
        make_patient(personas, name=f"Nguyễn Văn Bình {i}", birth=(2015 + i % 8, 1 + i % 12, 3))
    for i in range(6):
        author = personas["expert"] if i % 2 else personas["clinician"]
        post_message(
            actor=author,
            consultation=consultation,
            body="Thank you. MYCN amplified, stage M: induction per the adapted protocol, "
            f"then reassess at week {8 + i}. Please send the MIBG scan when you have it.",
        )
    document = publish(draft_sop(personas, institutions), personas).document
    return {
        "sign-in": (None, "/accounts/login/"),
        "home": ("clinician", "/"),
        "network dashboard": ("coordinator", "/network/dashboard/"),
        "partnership": ("coordinator", f"/network/partnerships/{partnership.pk}/"),
        "patient list": ("clinician", "/registry/"),
        "patient": ("clinician", f"/registry/patients/{consultation.patient_id}/"),
        "consultation queue": ("expert", "/consultations/"),
        "consultation": ("expert", f"/consultations/{consultation.pk}/"),
        "event": ("coordinator", f"/meetings/{workshop.pk}/"),
        "library document": ("clinician", f"/library/documents/{document.pk}/"),
        "outcomes": ("data_manager", "/outcomes/"),
    }


def test_it_keeps_every_main_page_within_the_2g_budgets(pages, personas):
    over = []
    for label, (persona, path) in pages.items():
        client = Client()
        if persona:
            client.force_login(personas[persona])
        response = client.get(path, headers=BROWSER)
        assert response.status_code == 200, label
        assert response["Content-Encoding"] == "gzip", label
        html = gzip.decompress(response.content).decode()
        if label == "patient list":  # the budget holds for a full page, not a near-empty one
            assert html.count("<tr>") >= PAGE_SIZE + 1
        urls = set(STATIC.findall(html))
        # htmx is most of a first visit's bytes: only pages that use it load it.
        assert bool(HX_ATTRIBUTE.search(html)) == any("htmx" in u for u in urls), label
        static = sum(_static_bytes(client, url) for url in urls)
        if len(response.content) > WARM_HTML_BUDGET:
            over.append(f"{label}: page {len(response.content):,} B compressed")
        # From another site (a webmail's link) the page comes uncompressed: still in budget.
        if len(html.encode()) + static > COLD_BUDGET:
            over.append(f"{label}: first visit {len(html.encode()) + static:,} B uncompressed")
    assert not over


def _static_bytes(client: Client, url: str) -> int:
    response = client.get(url, headers=BROWSER)
    assert response.status_code == 200, url
    assert response["Content-Encoding"] in {"br", "gzip"}, url
    # Hashed names never change content: the next visit must not even ask for them.
    cache = response["Cache-Control"]
    assert "immutable" in cache, url
    assert int(re.search(r"max-age=(\d+)", cache).group(1)) >= A_YEAR, url
    return len(b"".join(response.streaming_content))


def test_it_loads_htmx_in_every_page_that_uses_it():
    """A page with hx- attributes includes core/htmx.html; so does every page that includes
    a fragment with hx- attributes."""
    templates = {
        path.relative_to(next(p for p in path.parents if p.name == "templates")).as_posix(): text
        for path in PACKAGE.glob("**/templates/**/*.html")
        if (text := path.read_text())
    }
    missing = []
    for name, text in templates.items():
        if not HX_ATTRIBUTE.search(text) or HTMX in text:
            continue
        if "{% extends" in text:
            missing.append(name)
            continue
        for other, other_text in templates.items():
            if f'"{name}"' in other_text and HTMX not in other_text:
                missing.append(f"{other} (includes {name})")
    assert not missing
