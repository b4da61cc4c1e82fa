"""The board's conclusion on a case, from a consensus template. It is posted into the
consultation's thread and, when the consultation has no final recommendation yet, becomes
that recommendation, so the closed loop (followed? outcome?) asks about it."""

import datetime
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.consultations.access import Side, side_of
from consilium.consultations.actions import post_message, save_recommendation
from consilium.consultations.models import MessageSource, RecommendationStatus
from consilium.meetings.choices import AgendaStatus, RegistrationStatus
from consilium.meetings.models import AgendaItem

# The consensus template, and where each part goes in the consultation's recommendation.
TEMPLATE_FIELDS = {
    "diagnosis": "diagnostic_opinion",
    "stage_risk": "stage_risk_opinion",
    "plan": "recommended_treatment",
}


def refusal(actor: User, item: AgendaItem) -> str | None:
    """Why this person may not record the conclusion of this case, or None if they may:
    a registered participant of the session who holds a clinical part in the
    consultation (its requesting team or its assigned expert)."""
    registered = item.event.registrations.filter(
        user=actor, status=RegistrationStatus.REGISTERED
    ).exists()
    if not registered:
        return _(
            "Only a registered participant of this session records the board's conclusion. "
            "Ask the coordinator to register you, or give the text to a participant."
        )
    if side_of(actor, item.consultation) not in (Side.REQUESTER, Side.EXPERT):
        return _(
            "Only a clinician of the treating team or the consultation's expert records the "
            "board's conclusion."
        )
    return None


def record_conclusion(
    *, actor: User, item: AgendaItem, fields: Mapping[str, str], next_step: str
) -> AgendaItem:
    event = item.event
    consultation = item.consultation
    reason = refusal(actor, item)
    if reason:
        raise PermissionDenied(reason)
    if item.status != AgendaStatus.ACCEPTED:
        raise ValidationError(_("This case has not been accepted on the agenda."))
    if item.recorded_at is not None:
        raise ValidationError(_("The board's conclusion has already been recorded."))
    now = timezone.now()
    if now < event.starts_at - datetime.timedelta(minutes=30):
        raise ValidationError(_("The conclusion is recorded at the meeting, not before it."))
    clean = {name: (fields.get(name) or "").strip() for name in TEMPLATE_FIELDS}
    next_step = next_step.strip()
    if not (clean["diagnosis"] or clean["plan"]):
        raise ValidationError({"plan": [_("Write the board's diagnosis or its plan.")]})
    if not next_step:
        raise ValidationError({"next_step": [_("Say who acts next.")]})
    with transaction.atomic():
        # Written in the consultation's language, as the rest of its thread.
        with override(consultation.language):
            body = message_body(event_title=event.title, fields=clean, next_step=next_step)
        message = post_message(
            actor=actor, consultation=consultation, body=body, source=MessageSource.BOARD
        )
        has_final = consultation.recommendations.filter(
            status=RecommendationStatus.FINAL, second_opinion__isnull=True
        ).exists()
        if not has_final and consultation.is_open:
            item.recommendation = save_recommendation(
                actor=actor,
                consultation=consultation,
                fields={TEMPLATE_FIELDS[k]: v for k, v in clean.items()},
                finalise=True,
                source=MessageSource.BOARD,
                allow_board=True,
            )
        item.message = message
        item.fields = {k: v for k, v in clean.items() if v}
        item.conclusion = body
        item.next_step = next_step
        item.recorded_by = actor
        item.recorded_at = now
        item.save(
            update_fields=[
                "message",
                "recommendation",
                "conclusion",
                "fields",
                "next_step",
                "recorded_by",
                "recorded_at",
            ]
        )
        record(
            actor=actor,
            verb="meetings.conclusion_recorded",
            obj=item,
            institution_id=consultation.requesting_institution_id,
            details={
                "event": event.pk,
                "consultation": consultation.pk,
                "as_recommendation": item.recommendation_id is not None,
            },
        )
    return item


def _labels() -> dict[str, str]:
    return {
        "diagnosis": _("Diagnosis"),
        "stage_risk": _("Stage / risk"),
        "plan": _("Recommended plan"),
        "next_step": _("Who acts next"),
    }


def conclusion_lines(item: AgendaItem) -> tuple[str, list[tuple[str, str]]]:
    """The recorded conclusion under labels in the active language: the thread shows it
    so to each reader, whatever language the message was stored in."""
    labels = _labels()
    title = _("Conclusion of the tumour board “%(title)s”:") % {"title": item.event.title}
    rows = [(labels[k], item.fields[k]) for k in TEMPLATE_FIELDS if item.fields.get(k)]
    rows.append((labels["next_step"], item.next_step))
    return title, rows


def message_body(*, event_title: str, fields: Mapping[str, str], next_step: str) -> str:
    labels = _labels()
    lines = [_("Conclusion of the tumour board “%(title)s”:") % {"title": event_title}]
    lines += [f"{labels[k]}: {v}" for k, v in fields.items() if v]
    lines.append(f"{labels['next_step']}: {next_step}")
    return "\n".join(lines)
