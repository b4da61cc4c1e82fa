"""A data manager's decision on a proposed abandonment: confirmed into the registry as an
abandonment event (so abandonment-sensitive survival follows), or rejected with a reason."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.navigation.access import can_decide_abandonment
from consilium.navigation.models import (
    AbandonmentStatus,
    OutreachTask,
    ProposedAbandonment,
    TaskStatus,
)
from consilium.registry import actions as registry_actions
from consilium.registry.checks import Level
from consilium.registry.models import EventKind
from consilium.registry.validation import ChecksFailed


def _open(proposal: ProposedAbandonment, actor: User) -> ProposedAbandonment:
    if not can_decide_abandonment(actor, proposal.institution_id):
        raise PermissionDenied(_("Only a data manager of the institution decides this."))
    locked = (
        ProposedAbandonment.objects.select_for_update()
        .select_related("patient__institution")
        .get(pk=proposal.pk)
    )
    if locked.status != AbandonmentStatus.PROPOSED:
        raise ValidationError(
            _("This abandonment has already been %(status)s.")
            % {"status": locked.get_status_display().lower()}
        )
    return locked


def confirm(
    *, actor: User, proposal: ProposedAbandonment, request: HttpRequest | None = None
) -> ProposedAbandonment:
    with transaction.atomic():
        proposal = _open(proposal, actor)
        try:
            event = registry_actions.record_event(
                actor=actor,
                patient=proposal.patient,
                kind=EventKind.ABANDONMENT,
                date=proposal.abandonment_date,
                note=_("Therapy interrupted since %(date)s (navigation).")
                % {"date": proposal.interruption_from.isoformat()},
                request=request,
            )
        except ChecksFailed as exc:  # the registry's own checks (an event after death…)
            raise ValidationError(
                [str(r.message) for r in exc.results if r.level == Level.ERROR]
            ) from None
        proposal.status = AbandonmentStatus.CONFIRMED
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.event = event
        proposal.save(update_fields=["status", "decided_by", "decided_at", "event"])
        # The family is no longer to be called about missed visits: the child is recorded as
        # having abandoned therapy (a return to care reopens work through new visits).
        OutreachTask.objects.filter(patient=proposal.patient, status=TaskStatus.OPEN).update(
            status=TaskStatus.DONE, closed_at=proposal.decided_at
        )
        record(
            actor=actor,
            verb="navigation.abandonment_confirmed",
            obj=proposal,
            institution_id=proposal.institution_id,
            details={"pseudonym": proposal.patient.pseudonym, "date": proposal.abandonment_date},
            request=request,
        )
    return proposal


def reject(
    *,
    actor: User,
    proposal: ProposedAbandonment,
    reason: str,
    request: HttpRequest | None = None,
) -> ProposedAbandonment:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why this is not an abandonment.")]})
    if len(reason) > 300:
        raise ValidationError({"reason": [_("Keep the reason under 300 characters.")]})
    with transaction.atomic():
        proposal = _open(proposal, actor)
        proposal.status = AbandonmentStatus.REJECTED
        proposal.decided_by = actor
        proposal.decided_at = timezone.now()
        proposal.reason = reason
        proposal.save(update_fields=["status", "decided_by", "decided_at", "reason"])
        record(
            actor=actor,
            verb="navigation.abandonment_rejected",
            obj=proposal,
            institution_id=proposal.institution_id,
            details={"pseudonym": proposal.patient.pseudonym},
            request=request,
        )
    return proposal
