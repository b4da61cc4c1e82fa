"""The expert's invitation shows the consultation's de-identified images as small inline
previews, so she can look at them on her phone without signing in: a few, each a small JPEG,
a bounded total, never one kept as sent for its sender to check; the plain text says how many
there are and where to see them. Read from the mail as a real SMTP server received it."""

import io
import random

import pydicom
import pytest
from django.utils import translation
from PIL import Image

from consilium.consultations import actions
from consilium.consultations.actions import Upload
from consilium.consultations.mail import previews
from consilium.consultations.models import Attachment

from .dicom_files import ct_slice, phone_photo
from .fixtures import SEND_EMAIL, run_queued_tasks

QUESTION = "MYCN amplified: is tandem HDCT feasible here?"


def _burned_in_ct() -> bytes:
    """A CT slice its modality says has text burned into the pixels: kept for review."""
    ds = pydicom.dcmread(io.BytesIO(ct_slice()))
    ds.BurnedInAnnotation = "YES"
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def _large_photo(seed: int) -> bytes:
    """A 12 MP-like phone photo in miniature: noise, which JPEG cannot shrink much."""
    rng = random.Random(seed)
    image = Image.frombytes("RGB", (1600, 1200), rng.randbytes(1600 * 1200 * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def english_expert(personas):
    expert = personas["expert"]
    expert.language = "en"
    expert.save(update_fields=["language"])
    return expert


def _invite(personas, patient, institutions, capture, files, inbox):
    with capture(execute=True):
        consultation = actions.request_consultation(
            actor=personas["clinician"],
            patient=patient,
            expert_institution=institutions["CURIE"],
            question=QUESTION,
            urgency="routine",
            files=files,
        )
    run_queued_tasks(SEND_EMAIL)
    [mail] = [
        m
        for m in inbox.messages
        if m["To"] == personas["expert"].email and m["X-Consilium-Consultation"]
    ]
    return consultation, mail


def _images(mail) -> list:
    return [p for p in mail.walk() if p.get_content_type() == "image/jpeg"]


def _content_id(part) -> str:
    return part["Content-ID"].strip().strip("<>")


def test_it_shows_the_deidentified_images_inline_and_not_the_one_to_review(
    personas,
    partnership,
    patient,
    institutions,
    django_capture_on_commit_callbacks,
    smtp_inbox,
    english_expert,
):
    files = [
        Upload("ct.dcm", ct_slice()),
        Upload("ct-annotated.dcm", _burned_in_ct()),
        Upload("IMG_0042.jpg", phone_photo()),
    ]
    consultation, mail = _invite(
        personas, patient, institutions, django_capture_on_commit_callbacks, files, smtp_inbox
    )
    ct, annotated, photo = consultation.attachments.all()
    assert annotated.needs_review and not ct.needs_review and ct.preview

    html_part = mail.get_body(("html",))
    html = html_part.get_content()
    images = _images(mail)
    assert [_content_id(p).partition("@")[0] for p in images] == [
        f"preview-{consultation.pk}-{ct.pk}",
        f"preview-{consultation.pk}-{photo.pk}",
    ]
    for part in images:
        assert f'src="cid:{_content_id(part)}"' in html
        assert part.get_content_disposition() == "inline"
        image = Image.open(io.BytesIO(part.get_content()))
        assert image.format == "JPEG" and max(image.size) <= 480
        assert not image.getexif() and "icc_profile" not in image.info
    # Nothing of the file kept for review travels, nor any reference to it.
    assert f"-{annotated.pk}@" not in html
    assert all(f"-{annotated.pk}@" not in _content_id(p) for p in images)
    # The images sit beside the HTML in one multipart/related part, which is the HTML
    # alternative of the plain text: a reader of the text gets no attachments.
    related = next(p for p in mail.walk() if p.get_content_type() == "multipart/related")
    assert [p.get_content_type() for p in related.iter_parts()] == [
        "text/html",
        "image/jpeg",
        "image/jpeg",
    ]
    assert mail.get_content_type() == "multipart/alternative"
    assert list(mail.iter_attachments()) == []
    # Three images in all, two shown: the third is on the page.
    assert "This consultation has 3 images; see them on its page:" in html
    assert "1 more image on the consultation page" in html
    assert 'alt="Image 1 of 3 (DICOM image), de-identified"' in html
    assert 'alt="Image 3 of 3 (Photo), de-identified"' in html
    # The images come after the summary, before the reply commands.
    assert html.index(QUESTION) < html.index("cid:") < html.index("#recommend")


def test_the_plain_text_part_counts_the_images_and_links_the_page(
    personas,
    partnership,
    patient,
    institutions,
    django_capture_on_commit_callbacks,
    smtp_inbox,
    english_expert,
):
    files = [Upload("ct.dcm", ct_slice()), Upload("IMG_0042.jpg", phone_photo())]
    consultation, mail = _invite(
        personas, patient, institutions, django_capture_on_commit_callbacks, files, smtp_inbox
    )
    text = mail.get_body(("plain",)).get_content()
    url = f"/consultations/{consultation.pk}/"
    line = next(line for line in text.splitlines() if line.startswith("This consultation has"))
    assert line.startswith("This consultation has 2 images; see them on its page: http")
    assert line.endswith(url)
    # The rest of the invitation is as it was: question, codes, commands, no marker.
    for expected in (QUESTION, "9500/3", "#recommend", "Reply to this email"):
        assert expected in text
    assert "\x1e" not in text and "cid:" not in text
    assert "\x1e" not in mail.get_body(("html",)).get_content()


def test_the_inline_images_stay_within_the_bound_with_many_large_photos(
    personas,
    partnership,
    patient,
    institutions,
    django_capture_on_commit_callbacks,
    smtp_inbox,
    english_expert,
):
    files = [Upload(f"IMG_{i:04d}.jpg", _large_photo(i)) for i in range(7)]
    consultation, mail = _invite(
        personas, patient, institutions, django_capture_on_commit_callbacks, files, smtp_inbox
    )
    images = _images(mail)
    sizes = [len(p.get_content()) for p in images]
    assert 1 <= len(images) <= previews.MAX_IMAGES
    assert sum(sizes) <= previews.MAX_TOTAL_BYTES
    # Stopped because the next would not fit, not because it ran out of images.
    next_one = previews.choose(
        consultation.attachments.all()[len(images) : len(images) + 1],
        consultation_id=consultation.pk,
    )
    assert len(images) == previews.MAX_IMAGES or sum(sizes) + next_one.shown[0].size > (
        previews.MAX_TOTAL_BYTES
    )
    for part in images:
        assert max(Image.open(io.BytesIO(part.get_content())).size) <= 480
    html = mail.get_body(("html",)).get_content()
    more = 7 - len(images)
    assert f"{more} more images on the consultation page" in html
    assert "This consultation has 7 images" in mail.get_body(("plain",)).get_content()
    # The whole mail stays light: the bound, a third more for base64, and the text.
    assert len(mail.as_bytes()) < previews.MAX_TOTAL_BYTES * 4 / 3 + 60_000


def test_an_invitation_without_images_has_no_image_part_and_no_count(
    personas,
    partnership,
    patient,
    institutions,
    django_capture_on_commit_callbacks,
    smtp_inbox,
    english_expert,
):
    files = [Upload("ct-annotated.dcm", _burned_in_ct())]
    _consultation, mail = _invite(
        personas, patient, institutions, django_capture_on_commit_callbacks, files, smtp_inbox
    )
    # The only image is kept for review: counted (it is on the page), never shown.
    assert _images(mail) == []
    assert all(p.get_content_type() != "multipart/related" for p in mail.walk())
    html = mail.get_body(("html",)).get_content()
    assert "cid:" not in html
    assert "This consultation has 1 image; see it on its page:" in html
    assert "1 more image on the consultation page" not in html


def test_the_alt_text_and_counts_are_in_the_experts_language(
    personas, partnership, patient, institutions, django_capture_on_commit_callbacks, smtp_inbox
):
    expert = personas["expert"]
    assert expert.language == "fr"
    files = [Upload("ct.dcm", ct_slice()) for _ in range(2)] + [
        Upload(f"IMG_{i:04d}.jpg", _large_photo(i)) for i in range(5)
    ]
    _consultation, mail = _invite(
        personas, patient, institutions, django_capture_on_commit_callbacks, files, smtp_inbox
    )
    shown = len(_images(mail))
    html = mail.get_body(("html",)).get_content()
    with translation.override("fr"):
        alt = translation.gettext("Image %(number)s of %(total)s (%(kind)s), de-identified") % {
            "number": 1,
            "total": 7,
            "kind": translation.gettext("DICOM image"),
        }
        more = translation.ngettext(
            "%(n)s more image on the consultation page",
            "%(n)s more images on the consultation page",
            7 - shown,
        ) % {"n": 7 - shown}
    assert f'alt="{alt}"' in html
    assert more in html


def test_a_message_mail_shows_the_messages_own_images(
    consultation, personas, django_capture_on_commit_callbacks, smtp_inbox
):
    clinician = personas["clinician"]
    clinician.language = "en"
    clinician.save(update_fields=["language"])
    actions.accept(actor=personas["expert"], consultation=consultation)
    run_queued_tasks(SEND_EMAIL)
    before = len(smtp_inbox.envelopes)
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.post_message(
            actor=personas["expert"],
            consultation=consultation,
            body="The photo shows what I mean.",
            files=[Upload("annotated.jpg", phone_photo())],
        )
    run_queued_tasks(SEND_EMAIL)
    [mail] = [m for m in smtp_inbox.messages[before:] if m["To"] == clinician.email]
    [attachment] = Attachment.objects.filter(message=message)
    [image] = _images(mail)
    assert _content_id(image).startswith(f"preview-{consultation.pk}-{attachment.pk}@")
    html = mail.get_body(("html",)).get_content()
    assert f"cid:{_content_id(image)}" in html
    assert html.index("The photo shows what I mean.") < html.index("cid:")
    assert html.index("cid:") < html.index(consultation.patient.pseudonym)  # context line after
