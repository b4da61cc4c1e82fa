"""The agenda by mail: when, to whom, in which language and zone, and again on change."""

import datetime
import email
from email import policy

from django.core import mail
from django.utils import timezone

from consilium.meetings import agenda, agenda_mail, attendance
from consilium.meetings.models import Event
from tests.consultations.fixtures import run_queued_tasks
from tests.meetings.conftest import guest, on_agenda

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
