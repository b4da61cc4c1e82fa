"""No English left in a translated mail or PDF (issue 18), beside the pages' own test.

Mails: every mail template of the project is rendered in French, Russian, Vietnamese and Uzbek
with a stand-in for every value (a number that is also every object, list and attribute), so
that each template's own words are read whatever the data. PDFs: every PDF the product makes is
built from the demo's data with everyone's language set to the one under test, and its text is
taken out with pdftotext. A catalogue message of a few words that is still in English in either
fails the test."""

import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.module_loading import import_string

from consilium.core.demo_data import DEMO_LOADERS
from tests.core.test_untranslated_text import LANGUAGES, _catalogue, _translations

# Which words are English is the templates' and catalogues' doing, not the database's.
pytestmark = pytest.mark.same_on_every_database

ROOT = Path(__file__).resolve().parents[2] / "consilium"
MAIL_TEMPLATES = sorted(
    str(path.relative_to(path.parents[2]))
    for path in ROOT.glob("**/templates/**/email/*")
    if path.suffix in (".txt", ".html") and "allauth" not in str(path)
)


_DATE_PARTS = {
    "weekday",
    "isoweekday",
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "second",
    "microsecond",
    "tzinfo",
    "utcoffset",
    "timetuple",
    "isoformat",
    "strftime",
    "date",
    "time",
    "astimezone",
    "toordinal",
    "isocalendar",
}


class _Anything(int):
    """Every value a template may ask for: a number (for plurals and arithmetic), any
    attribute or key of it, a one-item list of it, and true."""

    def __new__(cls):
        return super().__new__(cls, 2)

    def __getattr__(self, name):
        # Not a date: the date and time filters then give "" instead of failing.
        if name.startswith("__") or name in _DATE_PARTS:
            raise AttributeError(name)
        return _value(name)

    def __getitem__(self, key):
        return _value(str(key))

    def __iter__(self):
        return iter([_Anything()])

    def __len__(self):
        # "{% for a, b in pairs %}" unpacks each item into as many values as it names: the
        # for tag's frame says how many.
        return sys._getframe(1).f_locals.get("num_loopvars", 1)


def _value(name: str):
    # A time zone must be one ({% timezone %} refuses anything else).
    return "UTC" if "zone" in name or name in ("tz", "tzname") else _Anything()


class _Context(dict):
    def __missing__(self, key):
        return _value(key)

    def __contains__(self, key):
        return True


@cache
def _english_phrases(language: str) -> list[tuple[re.Pattern[str], str]]:
    """Catalogue messages of three words or more (their fixed parts, for messages with
    values) that this language translates differently, as word-bounded patterns."""
    found = []
    translations = _translations(language)
    for msgid, translated in _catalogue(language).items():
        if translated == msgid or "\x00" in msgid:
            continue
        for part in re.split(r"%\(\w+\)[sd]|%[sd]|\{[^}]*\}", msgid):
            part = " ".join(part.replace("%%", "%").split()).strip(" .,:;·—-")
            if len(part.split()) < 3 or part in translations:
                continue
            found.append((re.compile(r"(?<!\w)" + re.escape(part) + r"(?!\w)"), msgid))
    return found


def _english_left(language: str, text: str) -> set[str]:
    flat = " ".join(text.split())
    return {msgid for pattern, msgid in _english_phrases(language) if pattern.search(flat)}


def _strip_tags(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_mail_template_keeps_english(db, language):
    left = {}
    for name in MAIL_TEMPLATES:
        with translation.override(language):
            text = render_to_string(name, _Context())
        found = _english_left(language, _strip_tags(text) if name.endswith(".html") else text)
        if found:
            left[name] = sorted(found)
    assert len(MAIL_TEMPLATES) > 30  # the glob found the mails
    assert not left, "\n".join(f"{name}: {found}" for name, found in left.items())


def test_it_finds_english_left_in_a_mail():
    # The test's own eye: a message left in English is caught, a code is let through.
    assert _english_left("vi", "Chào bạn.\nYears since\n diagnosis: 3") == {"Years since diagnosis"}
    assert _english_left("vi", "Chào bạn. Mã C74.9 · 9500/3") == set()


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def _pdfs(language: str) -> dict[str, bytes]:
    """Every PDF the product makes, from the demo's data, for readers of ``language``."""
    from django.test import Client

    from consilium.accounts.models import User
    from consilium.consultations.models import Recommendation
    from consilium.consultations.report import render_report
    from consilium.meetings.certificates import certificate_pdf
    from consilium.meetings.models import Registration
    from consilium.meetings.report import build_report, report_pdf

    User.objects.update(language=language)
    pdfs: dict[str, bytes] = {}
    recommendation = Recommendation.objects.select_related("consultation").first()
    pdfs["consultation report"] = render_report(recommendation)
    attended = Registration.objects.filter(hours_attended__gt=0)
    registration = attended.filter(user__isnull=False).first() or attended.first()
    if registration is not None:
        pdfs["certificate"] = certificate_pdf(registration)
        with translation.override(language):
            pdfs["event report"] = report_pdf(build_report(registration.event))
    for email, path in (
        ("minh.tran@vnch.demo", "/outcomes/report.pdf"),
        ("minh.tran@vnch.demo", "/navigation/calls.pdf"),
    ):
        client = Client()
        client.force_login(User.objects.get(email=email))
        response = client.get(path)
        if response.status_code == 200:
            pdfs[path] = b"".join(response) if response.streaming else response.content
    return pdfs


# CI installs poppler-utils (.ci/run), so there the test never skips.
@pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("CI"),
    reason="pdftotext (poppler-utils) missing",
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_pdf_keeps_english(db, language, tmp_path):
    for loader in DEMO_LOADERS:
        import_string(loader)()
    pdfs = _pdfs(language)
    assert {"consultation report", "/outcomes/report.pdf"} <= pdfs.keys()
    left = {
        name: sorted(found)
        for name, pdf in pdfs.items()
        if (found := _english_left(language, _pdf_text(pdf, tmp_path)))
    }
    assert not left, "\n".join(f"{name}: {found}" for name, found in left.items())
