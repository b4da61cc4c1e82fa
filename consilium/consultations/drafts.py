"""Server-side drafts of a request, a message and a recommendation, saved as they are typed
(htmx, a few seconds after the last keystroke) and offered back on return, on any device.

A draft is the person's own unsent text, visible to nobody else: saving it writes no audit
entry (it changes no record and would flood the log every few seconds); sending it is
audited by the action that sends it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.accounts.models import User
from consilium.consultations.actions import RECOMMENDATION_FIELDS, SUMMARY_FIELDS
from consilium.consultations.models import Consultation, Draft, DraftKind

FIELDS = {
    DraftKind.REQUEST: (
        "patient",
        "expert_institution",
        "urgency",
        "question",
        "specialty",
        "language",
        "template",
        *SUMMARY_FIELDS,
    ),
    DraftKind.MESSAGE: ("body",),
    DraftKind.RECOMMENDATION: RECOMMENDATION_FIELDS,
}
# The kinds typed inside a consultation (the others are typed before there is one).
IN_CONSULTATION = {DraftKind.MESSAGE, DraftKind.RECOMMENDATION}
TYPED = ("question", "body", *SUMMARY_FIELDS, *RECOMMENDATION_FIELDS)
MAX_CHARS = 50_000


def save_draft(
    *, actor: User, kind: str, consultation: Consultation | None, data: dict[str, str]
) -> Draft | None:
    """Keep what is typed; an empty draft removes the kept one. The caller has checked the
    actor may see the consultation (access.get_consultation_for_user)."""
    if kind not in FIELDS:
        raise ValidationError(_("Unknown kind of draft."))
    if (kind in IN_CONSULTATION) != (consultation is not None):
        raise ValidationError(_("This draft names no consultation."))
    kept = {k: str(data[k]) for k in FIELDS[kind] if data.get(k)}
    if sum(len(v) for v in kept.values()) > MAX_CHARS:
        raise ValidationError(_("This draft is too long to keep."))
    with transaction.atomic():
        rows = Draft.objects.select_for_update().filter(
            user=actor, kind=kind, consultation=consultation
        )
        draft = rows.first()
        typed = any(kept.get(k) for k in TYPED)
        if not typed:
            rows.delete()
            return None
        if draft is None:
            draft = Draft(user=actor, kind=kind, consultation=consultation)
        draft.data = kept
        draft.updated_at = timezone.now()
        draft.save()
    return draft


def draft_of(user: User, kind: str, consultation: Consultation | None = None) -> Draft | None:
    return Draft.objects.filter(user=user, kind=kind, consultation=consultation).first()


def discard(user: User, kind: str, consultation: Consultation | None = None) -> None:
    Draft.objects.filter(user=user, kind=kind, consultation=consultation).delete()
