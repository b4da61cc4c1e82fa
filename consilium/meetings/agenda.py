"""Case-discussion agendas: the requesting team proposes a consultation for a board, the
coordinator accepts, orders and times it with a presenter, and a participant records the
board's conclusion. Each change is one transaction with its audit entry. The conclusion
goes through the consultations module's own actions, so its rules hold here too."""

import datetime
from collections.abc import Mapping, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.accounts.models import CLINICAL_ROLES, Role, User
from consilium.audit.actions import record
from consilium.consultations.access import Side, side_of
from consilium.consultations.models import Consultation, ConsultationStatus
from consilium.meetings.access import can_manage_event
from consilium.meetings.choices import AgendaStatus, EventKind, RegistrationStatus
from consilium.meetings.models import AgendaItem, Event
from consilium.network.access import active_partnerships

# A case with written advice may still be brought to a board, to review or revisit it.
BOARD_STATUSES = (
    ConsultationStatus.SUBMITTED,
    ConsultationStatus.ACCEPTED,
    ConsultationStatus.RECOMMENDED,
)


def discusses_cases(event: Event) -> bool:
    return (
        event.kind == EventKind.TUMOUR_BOARD
        or event.sessions.filter(kind="case_discussion").exists()
    )


def upcoming_boards(institution_ids: set[int]) -> QuerySet[Event]:
    """Boards run by these institutions that have not started: where a case can go."""
    return (
        Event.objects.filter(kind=EventKind.TUMOUR_BOARD, starts_at__gt=timezone.now())
        .filter(Q(host_id__in=institution_ids) | Q(co_organisers__in=institution_ids))
        .distinct()
        .order_by("starts_at")
    )


def _case_errors(event: Event, consultation: Consultation) -> dict[str, list[str]]:
    """What stops a case from going on (or staying on) a board's agenda."""
    errors: dict[str, list[str]] = {}
    if consultation.requesting_institution_id not in event.organiser_ids():
        errors["event"] = [_("Your institution does not run this board.")]
    elif not discusses_cases(event):
        errors["event"] = [_("This event has no case discussion.")]
    if event.starts_at <= timezone.now():
        errors.setdefault("event", []).append(
            _("This meeting has already started or is over; choose a later one.")
        )
    if not active_partnerships().filter(pk=consultation.partnership_id).exists():
        errors["consultation"] = [
            _(
                "The partnership that carried this consultation has ended, so its partners "
                "may no longer see the case."
            )
        ]
    elif consultation.status not in BOARD_STATUSES:
        errors["consultation"] = [_("This consultation is closed or withdrawn.")]
    return errors


def propose_case(*, actor: User, event: Event, consultation: Consultation) -> AgendaItem:
    """The treating team asks for its case to be presented at a board its institution runs;
    the coordinator then accepts it."""
    if side_of(actor, consultation) != Side.REQUESTER:
        raise PermissionDenied
    errors = _case_errors(event, consultation)
    if event.agenda.filter(consultation=consultation).exists():
        errors["consultation"] = [_("This consultation is already on the agenda.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        item = AgendaItem.objects.create(
            event=event,
            consultation=consultation,
            status=AgendaStatus.PROPOSED,
            order=0,
            presenter=actor,
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


def accept_case(*, actor: User, item: AgendaItem) -> AgendaItem:
    """The coordinator puts a proposed case at the end of the agenda."""
    event = item.event
    if not can_manage_event(actor, event):
        raise PermissionDenied
    if item.status != AgendaStatus.PROPOSED:
        raise ValidationError(_("This case is already on the agenda."))
    errors = _case_errors(event, item.consultation)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        accepted = event.agenda.filter(status=AgendaStatus.ACCEPTED)
        item.order = (accepted.aggregate(n=Max("order"))["n"] or 0) + 1
        item.status = AgendaStatus.ACCEPTED
        item.save(update_fields=["order", "status"])
        record(
            actor=actor,
            verb="meetings.case_accepted",
            obj=item,
            institution_id=event.host_id,
            details={"event": event.pk, "consultation": item.consultation_id},
        )
        _changed(event)
    return item


def removal_refusal(actor: User, item: AgendaItem) -> str | None:
    """Why this person may not take this case off the agenda (or decline or withdraw the
    proposal), or None: the coordinator until it is concluded, the one who proposed it
    until the session starts."""
    event = item.event
    if item.recorded_at is not None:
        return _("A concluded case stays on the agenda.")
    if can_manage_event(actor, event):
        return None
    if item.proposed_by_id != actor.pk:
        return _("Only the board's coordinator or whoever proposed the case may take it off.")
    if event.starts_at <= timezone.now():
        return _("The session has started: ask the coordinator to take the case off.")
    return None


def withdraw_case(*, actor: User, item: AgendaItem) -> None:
    """The coordinator declines a proposal or takes a case off, or the proposer withdraws
    it before the session; a case taken off an agenda already mailed is mailed again as a
    change (see agenda_mail)."""
    event = item.event
    if not (can_manage_event(actor, event) or item.proposed_by_id == actor.pk):
        raise PermissionDenied
    reason = removal_refusal(actor, item)
    if reason:
        raise ValidationError(reason)
    with transaction.atomic():
        was_accepted = item.status == AgendaStatus.ACCEPTED
        record(
            actor=actor,
            verb="meetings.case_withdrawn",
            obj=event,
            institution_id=event.host_id,
            details={"consultation": item.consultation_id, "status": item.status},
        )
        item.delete()
        if was_accepted:
            _changed(event)


def presenter_candidates(event: Event) -> QuerySet[User]:
    """Who may present a case: a registered participant, or a clinician or expert of one
    of the organisers."""
    registered = event.registrations.filter(
        status=RegistrationStatus.REGISTERED, user__isnull=False
    ).values("user_id")
    members = Q(
        memberships__institution_id__in=event.organiser_ids(),
        memberships__ended_at__isnull=True,
        memberships__role__in=[*CLINICAL_ROLES, Role.EXPERT],
    )
    return (
        User.objects.filter(Q(pk__in=registered) | members, is_active=True)
        .distinct()
        .order_by("full_name")
    )


def schedule_agenda(
    *,
    actor: User,
    event: Event,
    order: Sequence[int],
    minutes: Mapping[int, int],
    presenters: Mapping[int, User | None] | None = None,
) -> list[AgendaItem]:
    """Order the accepted cases (item ids, first to last), give each its minutes and its
    presenter; the slots follow one another from the start and must fit in the meeting."""
    if not can_manage_event(actor, event):
        raise PermissionDenied
    items = {item.pk: item for item in event.agenda.filter(status=AgendaStatus.ACCEPTED)}
    if sorted(order) != sorted(items):
        raise ValidationError({"order": [_("Order every item of the agenda, each once.")]})
    if any(not 5 <= minutes.get(pk, 0) <= 120 for pk in order):
        raise ValidationError({"minutes": [_("Give each case 5 to 120 minutes.")]})
    presenters = presenters or {}
    allowed = set(presenter_candidates(event).values_list("pk", flat=True))
    if any(p is not None and p.pk not in allowed for p in presenters.values()):
        raise ValidationError(
            {"presenter": [_("A presenter is a participant or a clinician of the organisers.")]}
        )
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
            if pk in presenters:
                item.presenter = presenters[pk]
            item.save(update_fields=["order", "slot_starts_at", "minutes", "presenter"])
            start += datetime.timedelta(minutes=item.minutes)
        record(
            actor=actor,
            verb="meetings.agenda_scheduled",
            obj=event,
            institution_id=event.host_id,
            details={"order": list(order)},
        )
        _changed(event)
    return [items[pk] for pk in order]


def _changed(event: Event) -> None:
    """A changed agenda: calendar programs replace their copy (RFC 5545 SEQUENCE)."""
    Event.objects.filter(pk=event.pk).update(sequence=F("sequence") + 1)
    event.refresh_from_db(fields=["sequence"])
