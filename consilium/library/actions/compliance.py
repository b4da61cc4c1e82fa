"""Checklists derived from an SOP version, and the audit rounds that use them."""

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.library.access import audit_institutions, can_edit_document
from consilium.library.models import (
    AuditRound,
    Checklist,
    ChecklistItem,
    DocumentKind,
    DocumentVersion,
    Observation,
    ObservationResult,
    VersionStatus,
)
from consilium.network.models import Institution


def create_checklist(
    *, actor: User, version: DocumentVersion, title: str, items: Iterable[str]
) -> Checklist:
    if not can_edit_document(actor, version.document):
        raise PermissionDenied
    texts = [text.strip() for text in items if text.strip()]
    errors: dict[str, list[str]] = {}
    if version.document.kind != DocumentKind.SOP:
        errors["__all__"] = [_("Checklists are derived from standard operating procedures.")]
    elif version.status == VersionStatus.RETIRED:
        errors["__all__"] = [_("This version has been retired.")]
    if not title.strip():
        errors["title"] = [_("Give the checklist a title.")]
    if not texts:
        errors["items"] = [_("List at least one item, one per line.")]
    elif too_long := [t for t in texts if len(t) > 300]:
        errors["items"] = [_("Keep each item under 300 characters: %s…") % too_long[0][:40]]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        checklist = Checklist.objects.create(version=version, title=title.strip(), created_by=actor)
        ChecklistItem.objects.bulk_create(
            ChecklistItem(checklist=checklist, position=n, text=text)
            for n, text in enumerate(texts, start=1)
        )
        record(
            actor=actor,
            verb="library.checklist_created",
            obj=checklist,
            institution_id=version.document.owner_id,
            details={"version": version.code, "items": len(texts)},
        )
    return checklist


def record_round(
    *,
    actor: User,
    checklist: Checklist,
    institution: Institution,
    unit: str,
    audited_on: datetime.date,
    observations: Sequence[tuple[int, str]],
    note: str = "",
) -> AuditRound:
    """`observations` pairs a checklist item's id with a result; an item may be observed
    several times. Every pair is checked before anything is saved."""
    if not audit_institutions(actor, checklist).filter(pk=institution.pk).exists():
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if not unit.strip():
        errors["unit"] = [_("Name the unit (ward) audited.")]
    if audited_on > timezone.localdate():
        errors["audited_on"] = [_("The audit date is in the future.")]
    if not observations:
        errors["observations"] = [_("Record at least one observation.")]
    item_ids = set(checklist.items.values_list("pk", flat=True))
    for item_id, result in observations:
        if item_id not in item_ids:
            errors.setdefault("observations", []).append(
                _("Item %(item)s is not on the checklist “%(checklist)s”.")
                % {"item": item_id, "checklist": checklist.title}
            )
        elif result not in ObservationResult.values:
            errors.setdefault("observations", []).append(
                _("Item %(item)s: choose compliant, not compliant or not applicable.")
                % {"item": item_id}
            )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        audit_round = AuditRound.objects.create(
            checklist=checklist,
            institution=institution,
            unit=unit.strip(),
            audited_on=audited_on,
            auditor=actor,
            note=note.strip(),
        )
        Observation.objects.bulk_create(
            Observation(round=audit_round, item_id=item_id, result=result)
            for item_id, result in observations
        )
        record(
            actor=actor,
            verb="library.audit_round_recorded",
            obj=audit_round,
            institution_id=institution.pk,
            details={"unit": audit_round.unit, "observations": len(observations)},
        )
    return audit_round
