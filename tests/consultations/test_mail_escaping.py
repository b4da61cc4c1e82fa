"""What people type reaches every outbound mail's HTML part escaped, and its text part as
typed. Every template that sends mail is rendered here with hostile text in each field a
person can fill in; a new mail template is picked up from the directory listing."""

import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from consilium.consultations.mail import notify
from consilium.consultations.models import Consultation

from .fixtures import all_queued_emails

HOSTILE = (
    '<script>alert(1)</script> <img src=x onerror="alert(2)"> '
    '<a href="javascript:alert(3)">x</a> http://example.org/?a=1&b="><b>bold</b>'
)
RAW_MARKERS = ("<script", "<img", 'onerror="alert', 'href="javascript:', "<b>bold")
EMAIL_DIR = Path(__file__).parents[2] / "consilium/consultations/templates/consultations/email"
TEMPLATES = sorted(
    p.stem
    for p in EMAIL_DIR.glob("*.txt")
    if not p.name.startswith("_")
    and not p.stem.endswith("_subject")
    # The digest is not sent through notify.send; test_digest checks its escaping.
    and p.stem != "digest"
)


def _assert_escaped(html: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in html, marker
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.fixture
def hostile(consultation, personas):
    Consultation.objects.filter(pk=consultation.pk).update(
        question=HOSTILE, specialty=HOSTILE[:100], history=HOSTILE
    )
    consultation.refresh_from_db()
    consultation.follow_up_due_on = timezone.localdate() + datetime.timedelta(weeks=8)
    author = SimpleNamespace(full_name=HOSTILE, email="x@example.org")
    return {
        "consultation": consultation,
        "context": {
            "expert": author,
            "author": author,
            "message": SimpleNamespace(body=HOSTILE),
            "attachment_count": 1,
            "answer": SimpleNamespace(note=HOSTILE, get_adherence_display=lambda: HOSTILE),
            "recommendation": SimpleNamespace(
                author=author,
                diagnostic_opinion=HOSTILE,
                recommended_treatment=HOSTILE,
                further_investigations=HOSTILE,
                local_feasibility=HOSTILE,
            ),
        },
    }


def test_it_finds_the_consultation_mail_templates():
    assert {"offered", "message", "recommendation", "outcome"} <= set(TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES)
def test_it_escapes_typed_text_in_the_html_part_of_each_consultation_mail(
    template, hostile, personas, django_capture_on_commit_callbacks
):
    before = len(all_queued_emails())
    with django_capture_on_commit_callbacks(execute=True):
        notify.send(
            hostile["consultation"],
            [personas["expert"]],
            template,
            context=hostile["context"],
        )
    mail = all_queued_emails()[before:]
    assert len(mail) == 1
    _assert_escaped_if_present(mail[0]["html"], mail[0]["body"])


def _assert_escaped_if_present(html: str, text: str) -> None:
    """Each template shows some typed field; where the text part carries hostile text as
    typed, the HTML part carries it escaped and nothing of it raw."""
    for marker in RAW_MARKERS:
        assert marker not in html, marker
    if HOSTILE in text:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_it_keeps_the_text_part_as_typed(hostile, personas, django_capture_on_commit_callbacks):
    before = len(all_queued_emails())
    with django_capture_on_commit_callbacks(execute=True):
        notify.send(
            hostile["consultation"], [personas["expert"]], "message", context=hostile["context"]
        )
    mail = all_queued_emails()[before]
    assert HOSTILE in mail["body"]
    _assert_escaped(mail["html"])


def test_it_escapes_the_milestone_reminder():
    title = HOSTILE
    html = render_to_string(
        "network/email/milestone_reminder.html",
        {
            "owner": SimpleNamespace(full_name=HOSTILE),
            "kind": "due",
            "milestone": SimpleNamespace(title=title, due_on=datetime.date(2026, 1, 1)),
            "partnership": SimpleNamespace(title=HOSTILE),
            "area": SimpleNamespace(get_kind_display=lambda: HOSTILE),
            "url": "https://consilium.example.org/",
        },
    )
    _assert_escaped(html)
