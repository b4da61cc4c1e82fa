"""Case-discussion agendas: changes to a board's agenda, each in one transaction with its
audit entry. The conclusion is saved through the consultations module's own action, so
the consultation's rules (open, one final recommendation, who may record) hold here too."""

import datetime
from collections.abc import Mapping, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.consultations.access import Side, side_of
from consilium.consultations.actions import save_recommendation
from consilium.consultations.models import Consultation, MessageSource
from consilium.meetings.access import can_manage_event
from consilium.meetings.choices import EventKind, RegistrationStatus
from consilium.meetings.models import AgendaItem, Event


def _discusses_cases(event: Event) -> bool:
    return (
        event.kind == EventKind.TUMOUR_BOARD
        or event.sessions.filter(kind="case_discussion").exists()
    )


def propose_case(
    *, actor: User, event: Event, consultation: Consultation, presenter: User | None = None
) -> AgendaItem:
    """The treating team puts one of its consultations on a board its institution runs."""
    if side_of(actor, consultation) != Side.REQUESTER:
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if consultation.requesting_institution_id not in event.organiser_ids():
        errors["event"] = [_("Your institution does not run this board.")]
    elif not _discusses_cases(event):
        errors["event"] = [_("This event has no case discussion.")]
    if event.ends_at <= timezone.now():
        errors.setdefault("event", []).append(_("This meeting is over."))
    if not consultation.is_open:
        errors["consultation"] = [_("This consultation is closed.")]
    if event.agenda.filter(consultation=consultation).exists():
        errors["consultation"] = [_("This consultation is already on the agenda.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        last = event.agenda.aggregate(n=Max("order"))["n"] or 0
        item = AgendaItem.objects.create(
            event=event,
            consultation=consultation,
            order=last + 1,
            presenter=presenter or actor,
            proposed_by=actor,
        )
        record(
            actor=actor,
            verb="meetings.case_proposed",
            obj=item,
            institution_id=consultation.requesting_institution_id,
            details={"event": event.pk, "consultation": consultation.pk},
        )
    return item


def schedule_agenda(
    *, actor: User, event: Event, order: Sequence[int], minutes: Mapping[int, int]
) -> list[AgendaItem]:
    """Order the agenda (item ids, first to last) and give each its minutes; the slots
    follow one another from the start of the meeting and must fit in it."""
    if not can_manage_event(actor, event):
        raise PermissionDenied
    items = {item.pk: item for item in event.agenda.all()}
    if sorted(order) != sorted(items):
        raise ValidationError({"order": [_("Order every item of the agenda, each once.")]})
    if any(not 5 <= minutes.get(pk, 0) <= 120 for pk in order):
        raise ValidationError({"minutes": [_("Give each case 5 to 120 minutes.")]})
    end = event.starts_at + datetime.timedelta(minutes=sum(minutes[pk] for pk in order))
    if end > event.ends_at:
        raise ValidationError(
            {"minutes": [_("The cases take longer than the meeting; shorten them.")]}
        )
    with transaction.atomic():
        start = event.starts_at
        for position, pk in enumerate(order, start=1):
            item = items[pk]
            item.order, item.slot_starts_at, item.minutes = position, start, minutes[pk]
            item.save(update_fields=["order", "slot_starts_at", "minutes"])
            start += datetime.timedelta(minutes=item.minutes)
        record(
            actor=actor,
            verb="meetings.agenda_scheduled",
            obj=event,
            institution_id=event.host_id,
            details={"order": list(order)},
        )
    return [items[pk] for pk in order]


def record_conclusion(*, actor: User, item: AgendaItem, fields: Mapping[str, str]) -> AgendaItem:
    """During the meeting, a participant with access to the consultation (the requesting
    team's chair, or the assigned expert) records the board's conclusion. It becomes the
    consultation's final recommendation, marked as coming from the board."""
    event = item.event
    consultation = item.consultation
    if side_of(actor, consultation) is None:
        raise PermissionDenied
    present = event.registrations.filter(user=actor, status=RegistrationStatus.REGISTERED).exists()
    if not (present or can_manage_event(actor, event)):
        raise PermissionDenied
    if item.recommendation_id is not None:
        raise ValidationError(_("The board's conclusion has already been recorded."))
    now = timezone.now()
    if now < event.starts_at - datetime.timedelta(minutes=30):
        raise ValidationError(_("The conclusion is recorded at the meeting, not before it."))
    with transaction.atomic():
        recommendation = save_recommendation(
            actor=actor,
            consultation=consultation,
            fields=dict(fields),
            finalise=True,
            source=MessageSource.BOARD,
            allow_board=True,
        )
        item.recommendation = recommendation
        item.conclusion = "\n\n".join(v.strip() for v in fields.values() if v.strip())
        item.recorded_by = actor
        item.recorded_at = now
        item.save(update_fields=["recommendation", "conclusion", "recorded_by", "recorded_at"])
        record(
            actor=actor,
            verb="meetings.conclusion_recorded",
            obj=item,
            institution_id=consultation.requesting_institution_id,
            details={"event": event.pk, "consultation": consultation.pk},
        )
    return item
