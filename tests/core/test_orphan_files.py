"""The scheduler's sweep deletes stored files no row points to, and only those, once they are
older than the grace period: real attachments written by the actions, real files on disk."""

import os

import pytest
from django.utils import timezone

from consilium.consultations.actions import Upload, post_message
from consilium.consultations.models import Attachment
from consilium.core import orphan_files, periodic
from tests.consultations.conftest import consultation, patient  # noqa: F401
from tests.consultations.dicom_files import phone_photo
from tests.network.conftest import institutions, partnership  # noqa: F401


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def _age(path, by=orphan_files.GRACE * 2):
    old = (timezone.now() - by).timestamp()
    os.utime(path, (old, old))


def _photo(personas, consultation, text="Photo of the abdomen"):  # noqa: F811
    message = post_message(
        actor=personas["clinician"],
        consultation=consultation,
        body=text,
        files=[Upload("abdomen.jpg", phone_photo())],
    )
    return message.attachments.get()


def test_it_deletes_an_old_file_no_row_points_to_and_keeps_the_rest(
    media,
    personas,
    consultation,  # noqa: F811
):
    kept = _photo(personas, consultation)
    folder = (media / kept.file.name).parent
    orphan, in_flight = folder / "VN-orphan-01.jpg", folder / "VN-in-flight-02.jpg"
    orphan.write_bytes(b"left by a process that died before its commit")
    in_flight.write_bytes(b"its transaction has not committed yet")
    elsewhere = media / "not-a-file-field" / "note.txt"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"not ours to judge")
    for path in (media / kept.file.name, orphan, elsewhere):
        _age(path)

    assert orphan_files.sweep() == 1

    assert not orphan.exists()
    assert (media / kept.file.name).exists()
    assert in_flight.exists()  # younger than the grace period: its upload may be in flight
    assert elsewhere.exists()  # outside every file field's folder


def test_it_keeps_the_readers_copies_of_a_report(media, personas, consultation):  # noqa: F811
    # Each reader's copy is named by no row, yet mails waiting in the queue name it.
    _photo(personas, consultation)
    copy = media / "consultations" / "reports" / "readers" / "7" / "report-vi-Asia_Bangkok.pdf"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(b"%PDF-1.7 a reader's copy")
    _age(copy)

    assert orphan_files.sweep() == 0
    assert copy.exists()


def test_it_deletes_the_files_of_a_deleted_row(media, personas, consultation):  # noqa: F811
    gone, stays = _photo(personas, consultation), _photo(personas, consultation, "Second view")
    for attachment in (gone, stays):
        _age(media / attachment.file.name)
    Attachment.objects.filter(pk=gone.pk).delete()

    assert orphan_files.sweep() == 1

    assert not (media / gone.file.name).exists()
    assert (media / stays.file.name).exists()


def test_it_runs_with_the_scheduler_s_jobs(media, personas, consultation):  # noqa: F811
    orphan = media / "consultations" / "2026" / "01" / "VN-lost-01.dcm"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"DICM")
    _age(orphan)

    results = periodic.run_all()

    assert results["consilium.core.orphan_files.sweep"] == 1
    assert not orphan.exists()


def test_a_message_whose_transaction_fails_after_the_write_leaves_no_file(
    media,
    personas,
    consultation,  # noqa: F811
    monkeypatch,
):
    from consilium.consultations.mail import notify

    before = {p for p in media.rglob("*") if p.is_file()}

    def mail_server_config_broken(*args, **kwargs):
        raise RuntimeError("the notification could not be queued")

    monkeypatch.setattr(notify, "send", mail_server_config_broken)
    with pytest.raises(RuntimeError):
        _photo(personas, consultation)

    assert {p for p in media.rglob("*") if p.is_file()} == before
    assert not Attachment.objects.filter(message__isnull=False).exists()


def test_a_request_whose_transaction_fails_after_the_write_leaves_no_file(
    media,
    personas,
    patient,  # noqa: F811
    partnership,  # noqa: F811
    institutions,  # noqa: F811
    monkeypatch,
):
    from consilium.consultations import actions

    def no_expert_can_be_offered(*args, **kwargs):
        raise RuntimeError("offering failed")

    monkeypatch.setattr(actions, "offer_to_next_expert", no_expert_can_be_offered)
    with pytest.raises(RuntimeError):
        actions.request_consultation(
            actor=personas["clinician"],
            patient=patient,
            expert_institution=institutions["CURIE"],
            question="Is tandem HDCT feasible here?",
            urgency="routine",
            files=[Upload("scan.jpg", phone_photo())],
        )

    assert [p for p in media.rglob("*") if p.is_file()] == []
