"""The agenda by mail: when, to whom, in which language and zone, and again on change."""

import datetime
import email
import zoneinfo
from email import policy

from django.core import mail
from django.utils import timezone

from consilium.meetings import agenda, agenda_mail, attendance
from consilium.meetings.models import Event
from tests.consultations.fixtures import run_queued_tasks
from tests.meetings.conftest import HANOI, guest, on_agenda

SEND_AGENDA = "consilium.meetings.agenda_mail.send_agenda"


def _due(event):
    """Move the board to 12 hours from now: inside its 24 hours before."""
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=12)
    Event.objects.filter(pk=event.pk).update(
        starts_at=starts, ends_at=starts + datetime.timedelta(minutes=90)
    )
    event.refresh_from_db()


def _register(personas, event):
    for key in ("clinician", "expert"):
        attendance.register(
            actor=personas["coordinator"], event=event, user=personas[key], mode="online"
        )
    attendance.register(
        actor=personas["coordinator"],
        event=event,
        guest=guest("Guest Doctor", email="guest@example.org"),
        mode="online",
    )


def test_it_sends_the_agenda_once_when_due_with_pdf_and_ics(personas, next_board, cases):
    on_agenda(personas, next_board, cases[0])
    _register(personas, next_board)
    assert agenda_mail.send_due_agendas() == {"first": 0, "changed": 0}  # a week away
    _due(next_board)
    mail.outbox.clear()
    assert agenda_mail.send_due_agendas()["first"] == 3
    assert agenda_mail.send_due_agendas() == {"first": 0, "changed": 0}
    run_queued_tasks(SEND_AGENDA)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {
        "lan.nguyen@vnch.demo",
        "claire.martin@curie.demo",
        "guest@example.org",
    }
    claire = by_address["claire.martin@curie.demo"]
    # As a mail program reads it.
    parsed = email.message_from_bytes(claire.message().as_bytes(), policy=policy.default)
    parts = {p.get_content_type(): p for p in parsed.iter_attachments()}
    assert set(parts) == {"application/pdf", "text/calendar"}
    assert parts["text/calendar"].get_filename() == "board.ics"
    assert parts["application/pdf"].get_content().startswith(b"%PDF")
    assert "BEGIN:VEVENT" in parts["text/calendar"].get_content()
    # In Claire's zone (Paris) and with the case; the guest gets times only.
    assert "Europe/Paris" in claire.body
    assert cases[0].patient.pseudonym in claire.body
    assert cases[0].patient.pseudonym not in by_address["guest@example.org"].body
    lan = by_address["lan.nguyen@vnch.demo"]
    assert "Asia/Ho_Chi_Minh" in lan.body


def test_a_change_after_sending_sends_it_again(personas, next_board, cases):
    first = on_agenda(personas, next_board, cases[0])
    _register(personas, next_board)
    _due(next_board)
    agenda_mail.send_due_agendas()
    second = on_agenda(personas, next_board, cases[1])
    agenda.schedule_agenda(
        actor=personas["coordinator"],
        event=next_board,
        order=[second.pk, first.pk],
        minutes={first.pk: 20, second.pk: 20},
    )
    assert agenda_mail.send_due_agendas() == {"first": 0, "changed": 3}
    assert agenda_mail.send_due_agendas() == {"first": 0, "changed": 0}
    mail.outbox.clear()
    run_queued_tasks(SEND_AGENDA)
    # The queue holds the first sending and the change; the last says it changed.
    assert any("changed" in m.subject for m in mail.outbox)


def test_no_agenda_goes_out_for_an_empty_board_or_a_past_one(personas, next_board, cases):
    _register(personas, next_board)
    _due(next_board)
    assert agenda_mail.send_due_agendas() == {"first": 0, "changed": 0}
    on_agenda(personas, next_board, cases[0])
    Event.objects.filter(pk=next_board.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        ends_at=timezone.now() - datetime.timedelta(hours=1),
    )
    assert agenda_mail.send_due_agendas() == {"first": 0, "changed": 0}


def test_an_agenda_due_before_anyone_registered_waits_for_them(personas, next_board, cases):
    # Found on a walk: the first run marked the agenda sent to nobody, and whoever
    # registered afterwards never got it.
    on_agenda(personas, next_board, cases[0])
    _due(next_board)
    assert agenda_mail.send_due_agendas() == {"first": 0, "changed": 0}
    next_board.refresh_from_db()
    assert next_board.agenda_sent_at is None
    _register(personas, next_board)
    assert agenda_mail.send_due_agendas() == {"first": 3, "changed": 0}


def test_a_late_registrant_gets_the_agenda_once_and_the_reach_is_counted(
    personas, next_board, cases
):
    on_agenda(personas, next_board, cases[0])
    attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["clinician"], mode="online"
    )
    _due(next_board)
    assert agenda_mail.send_due_agendas() == {"first": 1, "changed": 0}
    attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["expert"], mode="online"
    )
    assert agenda_mail.send_due_agendas() == {"first": 1, "changed": 0}
    assert agenda_mail.send_due_agendas() == {"first": 0, "changed": 0}
    mail.outbox.clear()
    run_queued_tasks(SEND_AGENDA)
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == ["claire.martin@curie.demo", "lan.nguyen@vnch.demo"]
    assert not any("changed" in m.subject for m in mail.outbox)
    assert agenda_mail.agenda_reach(next_board) == {
        "registered": 2,
        "reached": 2,
        "without_email": 0,
    }


def test_a_case_taken_off_after_sending_is_mailed_as_a_change(personas, next_board, cases):
    item = on_agenda(personas, next_board, cases[0])
    _register(personas, next_board)
    _due(next_board)
    agenda_mail.send_due_agendas()
    agenda.withdraw_case(actor=personas["coordinator"], item=item)
    # The agenda is now empty, and still its participants hear of it, once.
    assert agenda_mail.send_due_agendas() == {"first": 0, "changed": 3}
    assert agenda_mail.send_due_agendas() == {"first": 0, "changed": 0}


def _pdf_text(pdf: bytes, tmp_path) -> str:
    import subprocess

    path = tmp_path / "agenda.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def _scheduled(personas, event, consultation, zone):
    item = on_agenda(personas, event, consultation)
    Event.objects.filter(pk=event.pk).update(time_zone=zone)
    event.refresh_from_db()
    agenda.schedule_agenda(
        actor=personas["coordinator"], event=event, order=[item.pk], minutes={item.pk: 20}
    )
    item.refresh_from_db()
    return item


def test_the_mail_its_pdf_and_ics_are_in_the_readers_language(
    personas, next_board, cases, tmp_path
):
    from consilium.registry.models import Diagnosis
    from tests.core.test_untranslated_documents import _english_left

    Diagnosis.objects.filter(patient=cases[0].patient).update(risk_group="very_high")
    _scheduled(personas, next_board, cases[0], "Asia/Ho_Chi_Minh")
    personas["clinician"].language = "vi"
    personas["clinician"].save(update_fields=["language"])
    registration = attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["clinician"], mode="online"
    )
    message = agenda_mail.render_agenda(registration, changed=False)
    pdf = next(a for a in message.attachments if a[2] == "application/pdf")[1]
    ics = next(a for a in message.attachments if a[2] == "text/calendar")[1]
    ics = ics.decode() if isinstance(ics, bytes) else ics
    # The risk group in words, in Vietnamese, in the mail and its PDF.
    for text in (message.body, _pdf_text(pdf, tmp_path)):
        assert "Very high" not in text
        assert "Rất cao" in text
        assert not _english_left("vi", text)
    # Read back by a mail program, the subject starts with its first word.
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=policy.default)
    assert parsed["Subject"].startswith("Chương trình: ")
    unfolded = ics.replace("\r\n ", "")
    assert "Tumour board" not in unfolded
    assert "Hội đồng u bướu" in unfolded


def test_each_reader_sees_the_slots_in_their_own_zone(personas, next_board, cases, tmp_path):
    # A Hanoi board read in Paris: found showing Hanoi times to Claire.
    item = _scheduled(personas, next_board, cases[0], "Asia/Ho_Chi_Minh")
    registration = attendance.register(
        actor=personas["coordinator"], event=next_board, user=personas["expert"], mode="online"
    )
    paris = item.slot_starts_at.astimezone(zoneinfo.ZoneInfo("Europe/Paris")).strftime("%H:%M")
    hanoi = item.slot_starts_at.astimezone(zoneinfo.ZoneInfo(HANOI)).strftime("%H:%M")
    assert paris != hanoi
    message = agenda_mail.render_agenda(registration, changed=False)
    pdf = next(a for a in message.attachments if a[2] == "application/pdf")[1]
    pseudonym = cases[0].patient.pseudonym
    for text, marker in ((message.body, pseudonym), (_pdf_text(pdf, tmp_path), "20 min")):
        case_line = next(line for line in text.splitlines() if marker in line)
        assert paris in case_line and hanoi not in case_line
    ics = next(a for a in message.attachments if a[2] == "text/calendar")[1]
    ics = ics.decode() if isinstance(ics, bytes) else ics
    # A calendar program converts: the times carry their zone (TZID) or are UTC.
    vevent = ics.split("BEGIN:VEVENT", 1)[1]
    dtstart = next(line for line in vevent.splitlines() if line.startswith("DTSTART"))
    assert "TZID=" in dtstart or dtstart.endswith("Z")
