"""The agenda actions: propose, accept, withdraw, schedule."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from consilium.audit.models import AuditEntry
from consilium.meetings import agenda
from consilium.meetings.models import AgendaItem, Event
from consilium.network.models import Partnership, PartnershipStatus
from tests.meetings.conftest import on_agenda


def test_it_proposes_then_the_coordinator_accepts_in_order(personas, next_board, cases):
    first = agenda.propose_case(
        actor=personas["clinician"], event=next_board, consultation=cases[0]
    )
    second = agenda.propose_case(
        actor=personas["clinician"], event=next_board, consultation=cases[1]
    )
    assert (first.status, second.status) == ("proposed", "proposed")
    agenda.accept_case(actor=personas["coordinator"], item=second)
    agenda.accept_case(actor=personas["coordinator"], item=first)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.order, first.order) == (1, 2)
    assert AuditEntry.objects.filter(verb="meetings.case_accepted").count() == 2


def test_it_refuses_a_second_proposal_and_a_proposal_by_others(personas, next_board, cases):
    for persona in ("coordinator", "expert", "outsider"):
        with pytest.raises(PermissionDenied):
            agenda.propose_case(actor=personas[persona], event=next_board, consultation=cases[0])
    agenda.propose_case(actor=personas["clinician"], event=next_board, consultation=cases[0])
    with pytest.raises(ValidationError, match="already on the agenda"):
        agenda.propose_case(actor=personas["clinician"], event=next_board, consultation=cases[0])


def test_it_refuses_a_case_whose_partnership_has_ended(personas, next_board, cases):
    item = agenda.propose_case(actor=personas["clinician"], event=next_board, consultation=cases[0])
    Partnership.objects.update(status=PartnershipStatus.ENDED)
    with pytest.raises(ValidationError, match="partnership that carried"):
        agenda.propose_case(actor=personas["clinician"], event=next_board, consultation=cases[1])
    with pytest.raises(ValidationError, match="partnership that carried"):
        agenda.accept_case(actor=personas["coordinator"], item=item)
    item.refresh_from_db()
    assert item.status == "proposed"
    assert AgendaItem.objects.count() == 1


def test_it_refuses_a_session_in_the_past(personas, next_board, cases):
    Event.objects.filter(pk=next_board.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=2),
        ends_at=timezone.now() - datetime.timedelta(days=2) + datetime.timedelta(hours=1),
    )
    next_board.refresh_from_db()
    with pytest.raises(ValidationError, match="already started or is over"):
        agenda.propose_case(actor=personas["clinician"], event=next_board, consultation=cases[0])
    assert not AgendaItem.objects.exists()


def test_it_orders_times_and_gives_presenters(personas, next_board, cases):
    first, second = (on_agenda(personas, next_board, c) for c in cases)
    agenda.schedule_agenda(
        actor=personas["coordinator"],
        event=next_board,
        order=[second.pk, first.pk],
        minutes={first.pk: 30, second.pk: 20},
        presenters={first.pk: personas["expert"], second.pk: personas["clinician"]},
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.order, second.slot_starts_at) == (1, next_board.starts_at)
    assert first.slot_starts_at == next_board.starts_at + datetime.timedelta(minutes=20)
    assert (first.presenter, second.presenter) == (personas["expert"], personas["clinician"])
    next_board.refresh_from_db()
    assert next_board.sequence > 0


def test_the_cases_must_fit_and_presenters_belong(personas, next_board, cases):
    items = [on_agenda(personas, next_board, c) for c in cases]
    order = [i.pk for i in items]
    with pytest.raises(ValidationError, match="longer than the meeting"):
        agenda.schedule_agenda(
            actor=personas["coordinator"],
            event=next_board,
            order=order,
            minutes={items[0].pk: 60, items[1].pk: 60},
        )
    with pytest.raises(ValidationError, match="presenter"):
        agenda.schedule_agenda(
            actor=personas["coordinator"],
            event=next_board,
            order=order,
            minutes={items[0].pk: 20, items[1].pk: 20},
            presenters={items[0].pk: personas["outsider"]},
        )
    with pytest.raises(PermissionDenied):
        agenda.schedule_agenda(
            actor=personas["clinician"],
            event=next_board,
            order=order,
            minutes={items[0].pk: 20, items[1].pk: 20},
        )
    assert not AgendaItem.objects.filter(slot_starts_at__isnull=False).exists()


def test_it_withdraws_a_proposal_but_never_a_concluded_case(personas, next_board, cases):
    item = agenda.propose_case(actor=personas["clinician"], event=next_board, consultation=cases[0])
    with pytest.raises(PermissionDenied):
        agenda.withdraw_case(actor=personas["expert"], item=item)
    agenda.withdraw_case(actor=personas["coordinator"], item=item)
    assert not AgendaItem.objects.exists()
    item = on_agenda(personas, next_board, cases[0])
    AgendaItem.objects.filter(pk=item.pk).update(recorded_at=timezone.now())
    item.refresh_from_db()
    with pytest.raises(ValidationError, match="stays on the agenda"):
        agenda.withdraw_case(actor=personas["coordinator"], item=item)


def test_moving_the_board_moves_its_case_slots(personas, next_board, cases):
    # Found on the walk: a session moved by the coordinator kept its cases at the old times,
    # before its new start.
    import datetime

    from consilium.meetings import actions

    first, second = (on_agenda(personas, next_board, c) for c in cases)
    agenda.schedule_agenda(
        actor=personas["coordinator"],
        event=next_board,
        order=[first.pk, second.pk],
        minutes={first.pk: 20, second.pk: 30},
    )
    later = datetime.timedelta(hours=2)
    actions.update_event(
        actor=personas["coordinator"],
        event=next_board,
        starts_at=next_board.starts_at + later,
        ends_at=next_board.ends_at + later,
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.slot_starts_at == next_board.starts_at
    assert second.slot_starts_at == next_board.starts_at + datetime.timedelta(minutes=20)
