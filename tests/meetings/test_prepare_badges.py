"""The sheet of every registered participant's badge, made through the task queue: asked for
on the participants page, made by the worker in the organiser's language, then downloaded."""

import io
import threading
import zoneinfo
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from consilium.audit.models import AuditEntry
from consilium.meetings import attendance, badges
from consilium.meetings.models import Event
from tests.consultations.fixtures import run_queued_tasks
from tests.meetings.conftest import guest

MAKE = "consilium.meetings.badges.make_badges"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Each test's files in its own folder, so a file left by another test is never found."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def _register(personas, event, n, first=0):
    return [
        attendance.register(
            actor=personas["coordinator"],
            event=event,
            mode="in_person",
            guest=guest(f"Nguyễn Văn {i}", institution_name=f"Bệnh viện {i}"),
        )
        for i in range(first, first + n)
    ]


def _prepare(client, event):
    return client.post(reverse("meetings:prepare_badges", args=[event.pk]), follow=True)


def _page(client, event) -> str:
    return client.get(reverse("meetings:participants", args=[event.pk])).content.decode()


def _queued() -> int:
    return DBTaskResult.objects.ready().filter(task_path=MAKE).count()


def _pdf(response) -> PdfReader:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    return PdfReader(io.BytesIO(b"".join(response.streaming_content)))


def _local(at, user) -> str:
    return f"{at.astimezone(zoneinfo.ZoneInfo(user.time_zone)):%H:%M}"


def test_it_makes_every_badge_through_the_queue_eight_to_an_a4_sheet(
    client_for, personas, two_days, media
):
    _register(personas, two_days, 9)
    client = client_for("coordinator")
    assert "Prepare the badges" in _page(client, two_days)
    response = _prepare(client, two_days)
    assert "9 badges are being prepared" in response.content.decode()
    # Queued, not rendered in the request.
    assert _queued() == 1
    assert not any(media.rglob("*.pdf"))
    two_days.refresh_from_db()
    page = _page(client, two_days)
    requested = _local(two_days.badges_requested_at, personas["coordinator"])
    assert f"Badges being prepared (requested {requested})" in page
    assert "Download the badges" not in page
    assert AuditEntry.objects.get(verb="meetings.badges_requested").details["badges"] == 9

    assert run_queued_tasks(MAKE) == 1
    two_days.refresh_from_db()
    assert two_days.badges_count == 9
    assert two_days.badges_made_at >= two_days.badges_requested_at
    # Stored under the data directory's media, where backups take it.
    assert (media / two_days.badges_file).is_file()
    page = _page(client, two_days)
    assert "Badges being prepared" not in page
    made = two_days.badges_made_at.astimezone(zoneinfo.ZoneInfo(personas["coordinator"].time_zone))
    assert f"Download the badges (9 badges, made at {made:%-d %b, %H:%M})" in page
    assert "out of date" not in page

    reader = _pdf(client.get(reverse("meetings:badges", args=[two_days.pk])))
    assert len(reader.pages) == 2
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)) == (210, 297)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert all(f"Nguyễn Văn {i}" in " ".join(text.split()) for i in range(9))
    assert AuditEntry.objects.get(verb="meetings.badges_printed").details["badges"] == 9


def test_the_worker_renders_in_the_organisers_language(client_for, personas, two_days):
    _register(personas, two_days, 1)
    coordinator = personas["coordinator"]
    coordinator.language = "fr"
    coordinator.save(update_fields=["language"])
    _prepare(client_for("coordinator"), two_days)
    run_queued_tasks(MAKE)
    reader = _pdf(client_for("coordinator").get(reverse("meetings:badges", args=[two_days.pk])))
    assert "À scanner à l’accueil" in reader.pages[0].extract_text()


def test_a_second_request_while_one_is_pending_queues_nothing(client_for, personas, two_days):
    _register(personas, two_days, 2)
    client = client_for("coordinator")
    _prepare(client, two_days)
    response = _prepare(client, two_days)
    assert "already being prepared" in response.content.decode()
    assert _queued() == 1
    assert AuditEntry.objects.filter(verb="meetings.badges_requested").count() == 1
    # Once made, it may be asked for again.
    run_queued_tasks(MAKE)
    _prepare(client, two_days)
    assert _queued() == 1
    assert AuditEntry.objects.filter(verb="meetings.badges_requested").count() == 2


def test_the_action_refuses_a_second_request_too(personas, two_days):
    _register(personas, two_days, 1)
    kwargs = {"actor": personas["coordinator"], "event": two_days, "language": "en"}
    assert badges.prepare_badges(**kwargs) == 1
    with pytest.raises(ValidationError, match="already being prepared"):
        badges.prepare_badges(**kwargs)
    assert _queued() == 1


def test_nobody_registered_queues_nothing(client_for, personas, two_days):
    cancelled = _register(personas, two_days, 1)[0]
    attendance.cancel_registration(actor=personas["coordinator"], registration=cancelled)
    response = _prepare(client_for("coordinator"), two_days)
    assert "Nobody is registered yet" in response.content.decode()
    assert _queued() == 0
    assert not AuditEntry.objects.filter(verb="meetings.badges_requested").exists()
    two_days.refresh_from_db()
    assert two_days.badges_requested_at is None


def test_downloading_before_the_file_is_made_says_so(client_for, personas, two_days):
    _register(personas, two_days, 1)
    client = client_for("coordinator")
    url = reverse("meetings:badges", args=[two_days.pk])
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0].endswith(
        reverse("meetings:participants", args=[two_days.pk]) + "#badges"
    )
    assert "There is no badge file yet" in response.content.decode()
    _prepare(client, two_days)
    # Asked for, not made yet.
    assert "There is no badge file yet" in client.get(url, follow=True).content.decode()
    assert not AuditEntry.objects.filter(verb="meetings.badges_printed").exists()


def test_a_file_gone_from_the_disk_says_so_and_may_be_prepared_again(
    client_for, personas, two_days
):
    _register(personas, two_days, 1)
    client = client_for("coordinator")
    _prepare(client, two_days)
    run_queued_tasks(MAKE)
    two_days.refresh_from_db()
    default_storage.delete(two_days.badges_file)
    response = client.get(reverse("meetings:badges", args=[two_days.pk]), follow=True)
    assert response.status_code == 200
    assert "The badge file is gone" in response.content.decode()
    assert not AuditEntry.objects.filter(verb="meetings.badges_printed").exists()
    _prepare(client, two_days)
    assert run_queued_tasks(MAKE) == 1
    assert _pdf(client.get(reverse("meetings:badges", args=[two_days.pk])))


@pytest.mark.parametrize("change", ["registered", "cancelled"])
def test_a_registration_changed_since_the_file_was_made_makes_it_out_of_date(
    client_for, personas, two_days, change, media
):
    first = _register(personas, two_days, 2)[0]
    client = client_for("coordinator")
    _prepare(client, two_days)
    run_queued_tasks(MAKE)
    two_days.refresh_from_db()
    old = two_days.badges_file
    if change == "registered":
        _register(personas, two_days, 1, first=2)
    else:
        attendance.cancel_registration(actor=personas["coordinator"], registration=first)
    page = _page(client, two_days)
    assert "out of date" in page
    assert "Prepare the badges again" in page
    _prepare(client, two_days)
    run_queued_tasks(MAKE)
    two_days.refresh_from_db()
    assert two_days.badges_count == (3 if change == "registered" else 1)
    assert "out of date" not in _page(client, two_days)
    # The previous sheet is not kept beside the new one.
    assert not (media / old).exists()
    assert [p.name for p in media.rglob("*.pdf")] == [Path(two_days.badges_file).name]


def test_a_failed_rendering_is_shown_and_may_be_asked_for_again(
    client_for, personas, two_days, monkeypatch
):
    _register(personas, two_days, 1)
    client = client_for("coordinator")
    _prepare(client, two_days)

    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint fell over")

    monkeypatch.setattr(badges, "badges_pdf", broken)
    with pytest.raises(RuntimeError):
        run_queued_tasks(MAKE)
    page = _page(client, two_days)
    assert "Preparing the badges failed" in page
    assert "Badges being prepared" not in page
    monkeypatch.undo()
    _prepare(client, two_days)
    assert run_queued_tasks(MAKE) == 1
    assert "Download the badges (1 badge, made at" in _page(client, two_days)


def test_the_worker_counts_who_is_registered_when_it_runs(personas, two_days):
    first, _second = _register(personas, two_days, 2)
    badges.prepare_badges(actor=personas["coordinator"], event=two_days, language="en")
    attendance.cancel_registration(actor=personas["coordinator"], registration=first)
    run_queued_tasks(MAKE)
    two_days.refresh_from_db()
    assert two_days.badges_count == 1
    assert not badges.badge_sheet(two_days).out_of_date


def test_a_deleted_event_leaves_the_task_nothing_to_do(personas, two_days):
    assert badges.make_badges.call(event_id=two_days.pk + 1000, language="en") == 0
    assert not Event.objects.filter(badges_made_at__isnull=False).exists()


@pytest.mark.parametrize("persona", ["clinician", "expert", "outsider"])
def test_only_organisers_prepare_and_download_the_badges(client_for, personas, two_days, persona):
    _register(personas, two_days, 1)
    attendance.register(
        actor=personas["coordinator"], event=two_days, user=personas["clinician"], mode="online"
    )
    badges.prepare_badges(actor=personas["coordinator"], event=two_days, language="en")
    run_queued_tasks(MAKE)
    client = client_for(persona)
    prepare = client.post(reverse("meetings:prepare_badges", args=[two_days.pk]))
    download = client.get(reverse("meetings:badges", args=[two_days.pk]))
    # 403 for a member who sees the event, 404 for one who does not (get_managed_event).
    assert prepare.status_code in (403, 404)
    assert download.status_code in (403, 404)
    assert _queued() == 0
    assert not AuditEntry.objects.filter(verb="meetings.badges_printed").exists()
    with pytest.raises(PermissionDenied):
        badges.prepare_badges(actor=personas[persona], event=two_days, language="en")


def test_the_single_badge_is_still_made_in_the_request(client_for, personas, two_days):
    registration = _register(personas, two_days, 1)[0]
    response = client_for("coordinator").get(reverse("meetings:badge", args=[registration.pk]))
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1
    assert _queued() == 0


def test_the_page_says_it_in_the_readers_language_and_zone(client_for, personas, two_days):
    _register(personas, two_days, 3)
    coordinator = personas["coordinator"]
    coordinator.language, coordinator.time_zone = "ru", "Asia/Tashkent"
    coordinator.save(update_fields=["language", "time_zone"])
    client = client_for("coordinator")
    response = _prepare(client, two_days)
    assert "3 бейджа готовятся" in response.content.decode()
    two_days.refresh_from_db()
    # Tashkent, not the event's Hanoi nor UTC.
    requested = (
        f"{two_days.badges_requested_at.astimezone(zoneinfo.ZoneInfo('Asia/Tashkent')):%H:%M}"
    )
    assert f"Бейджи готовятся (запрошены в {requested})" in _page(client, two_days)
    run_queued_tasks(MAKE)
    assert "Скачать бейджи (3 бейджа, подготовлены" in _page(client, two_days)


def test_two_organisers_pressing_at_once_queue_one_task(
    audit_triggers_off_after_test, personas, two_days
):
    """The request claims the event by one conditional UPDATE: of two at the same moment,
    one queues the task and the other is told it is already being prepared."""
    _register(personas, two_days, 1)
    start = threading.Barrier(2)
    outcomes: list = [None, None]

    def press(i: int) -> None:
        try:
            start.wait(10)
            outcomes[i] = badges.prepare_badges(
                actor=personas["coordinator"],
                event=Event.objects.get(pk=two_days.pk),
                language="en",
            )
        except Exception as exc:  # the outcome under test, whatever it is
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=press, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(type(o).__name__ for o in outcomes) == ["ValidationError", "int"], outcomes
    assert _queued() == 1
    assert AuditEntry.objects.filter(verb="meetings.badges_requested").count() == 1
