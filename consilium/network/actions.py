"""Every change to the network: one transaction, one audit entry, mail after commit."""

import datetime
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.lib import stored_files
from consilium.lib.uploads import validate_pdf
from consilium.network import consent, reminders
from consilium.network.access import (
    can_edit_institution,
    can_manage_partnership,
    managed_institution_ids,
)
from consilium.network.models import (
    Absence,
    AreaKind,
    CollaborationArea,
    Institution,
    Milestone,
    MilestoneEvidence,
    MilestoneStatus,
    Partnership,
    PartnershipParty,
    PartnershipStatus,
    ResourceItem,
    ResourceProfile,
)
from consilium.network.resources import Availability, Resource


def _max_document_bytes() -> int:
    return settings.CONSILIUM_MAX_DOCUMENT_MB * 1024 * 1024


def record_resource_profile(
    *,
    actor: User,
    institution: Institution,
    valid_from: datetime.date,
    items: Mapping[str, tuple[str, str]],
    note: str = "",
) -> ResourceProfile:
    """Save a new version of an institution's resources; older versions stay as history."""
    if not can_edit_institution(actor, institution):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    for key, (availability, item_note) in items.items():
        if key not in Resource.values:
            errors.setdefault("__all__", []).append(_("Unknown resource: %s") % key)
        elif availability not in Availability.values:
            errors.setdefault(key, []).append(_("Choose an availability."))
        elif availability == Availability.LIMITED and not item_note.strip():
            errors.setdefault(key, []).append(_("Say in a note how it is limited."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Lock the institution row so two editors cannot claim the same version number.
        Institution.objects.select_for_update().get(pk=institution.pk)
        last = institution.resource_profiles.aggregate(v=Max("version"))["v"] or 0
        profile = ResourceProfile.objects.create(
            institution=institution,
            version=last + 1,
            valid_from=valid_from,
            note=note,
            recorded_by=actor,
        )
        ResourceItem.objects.bulk_create(
            ResourceItem(profile=profile, resource=key, availability=avail, note=item_note)
            for key, (avail, item_note) in items.items()
        )
        record(
            actor=actor,
            verb="network.resources_recorded",
            obj=profile,
            institution_id=institution.pk,
            details={"version": profile.version},
        )
    return profile


def create_partnership(
    *,
    actor: User,
    title: str,
    institutions: Iterable[Institution],
    valid_from: datetime.date,
    valid_until: datetime.date | None,
    signed_on: datetime.date | None = None,
    signed_place: str = "",
    status: str = PartnershipStatus.DRAFT,
    document: UploadedFile | None = None,
    areas: Mapping[str, str] | None = None,
) -> Partnership:
    """`areas` maps an area kind to its objectives."""
    parties = list({inst.pk: inst for inst in institutions}.values())
    errors: dict[str, list[str]] = {}
    if len(parties) < 2:
        errors["institutions"] = [_("A partnership needs at least two institutions.")]
    elif not {p.pk for p in parties} & managed_institution_ids(actor):
        raise PermissionDenied
    if valid_until is not None and valid_until < valid_from:
        errors["valid_until"] = [_("The end of validity is before its start.")]
    if signed_on is not None and signed_on > timezone.localdate():
        errors["signed_on"] = [_("The signing date is in the future.")]
    # "active" asks for activation: the actor confirms for the parties they manage, and the
    # partnership waits as a proposal until every other party has confirmed too.
    if status not in {
        PartnershipStatus.DRAFT,
        PartnershipStatus.ACTIVE,
        PartnershipStatus.PROPOSED,
    }:
        errors["status"] = [_("A new partnership is a draft or active.")]
    for kind in areas or {}:
        if kind not in AreaKind.values:
            errors.setdefault("areas", []).append(_("Unknown collaboration area: %s") % kind)
    if document is not None:
        try:
            validate_pdf(document, max_bytes=_max_document_bytes())
        except ValidationError as exc:
            errors["document"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        partnership = Partnership.objects.create(
            title=title,
            valid_from=valid_from,
            valid_until=valid_until,
            signed_on=signed_on,
            signed_place=signed_place,
            status=PartnershipStatus.DRAFT,
            created_by=actor,
        )
        PartnershipParty.objects.bulk_create(
            PartnershipParty(partnership=partnership, institution=inst) for inst in parties
        )
        CollaborationArea.objects.bulk_create(
            CollaborationArea(partnership=partnership, kind=kind, objectives=objectives)
            for kind, objectives in (areas or {}).items()
        )
        if document is not None:
            stored_files.save(partnership.document, f"mou-{partnership.pk}.pdf", document)
            partnership.save(update_fields=["document"])
        record(
            actor=actor,
            verb="network.partnership_created",
            obj=partnership,
            details={
                "institutions": sorted(p.code for p in parties),
                "areas": sorted(areas or {}),
                "status": status,
            },
        )
        if status != PartnershipStatus.DRAFT:
            _confirm_and_propose(actor, partnership)
    return partnership


def _require_manager(actor: User, partnership: Partnership) -> None:
    if not can_manage_partnership(actor, partnership):
        raise PermissionDenied


def activate_partnership(*, actor: User, partnership: Partnership) -> Partnership:
    """Send a draft to the other parties; it becomes active once all have confirmed."""
    _require_manager(actor, partnership)
    if partnership.status != PartnershipStatus.DRAFT:
        raise ValidationError(_("Only a draft can be activated."))
    with transaction.atomic():
        _confirm_and_propose(actor, partnership)
    return partnership


def _confirm_and_propose(actor: User, partnership: Partnership) -> None:
    """Confirm for every party the actor manages; active if that was the last, else a
    proposal whose unconfirmed parties' coordinators are asked by mail."""
    now = timezone.now()
    mine = managed_institution_ids(actor)
    parties = list(
        PartnershipParty.objects.select_for_update()
        .filter(partnership=partnership)
        .select_related("institution")
    )
    confirmed = [p for p in parties if p.confirmed_at is None and p.institution_id in mine]
    for party in confirmed:
        party.confirmed_at, party.confirmed_by = now, actor
        party.save(update_fields=["confirmed_at", "confirmed_by"])
    waiting = [p for p in parties if p.confirmed_at is None]
    previous = partnership.status
    partnership.status = PartnershipStatus.PROPOSED if waiting else PartnershipStatus.ACTIVE
    partnership.save(update_fields=["status"])
    record(
        actor=actor,
        verb="network.partnership_confirmed",
        obj=partnership,
        details={
            "confirmed_for": sorted(p.institution.code for p in confirmed),
            "waiting_for": sorted(p.institution.code for p in waiting),
            "from": previous,
            "to": partnership.status,
        },
    )
    if waiting and previous != PartnershipStatus.PROPOSED:
        consent.enqueue_requests(partnership, [p.institution for p in waiting], proposer=actor)
    elif not waiting:
        consent.enqueue_outcome(partnership, accepted=True, actor=actor)


def confirm_partnership(*, actor: User, partnership: Partnership) -> Partnership:
    """A coordinator (or admin) of a party that has not yet confirmed agrees to a proposal."""
    with transaction.atomic():
        partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
        waiting = partnership.parties.filter(confirmed_at__isnull=True)
        if not waiting.filter(institution_id__in=managed_institution_ids(actor)).exists():
            raise PermissionDenied
        if partnership.status != PartnershipStatus.PROPOSED:
            raise ValidationError(_("Only a proposed partnership can be confirmed."))
        _confirm_and_propose(actor, partnership)
    return partnership


def decline_partnership(*, actor: User, partnership: Partnership, reason: str = "") -> Partnership:
    """A party refuses a proposal; it never becomes active (a new proposal can follow)."""
    with transaction.atomic():
        partnership = Partnership.objects.select_for_update().get(pk=partnership.pk)
        waiting = partnership.parties.filter(confirmed_at__isnull=True)
        codes = sorted(
            waiting.filter(institution_id__in=managed_institution_ids(actor)).values_list(
                "institution__code", flat=True
            )
        )
        if not codes:
            raise PermissionDenied
        if partnership.status != PartnershipStatus.PROPOSED:
            raise ValidationError(_("Only a proposed partnership can be declined."))
        partnership.status = PartnershipStatus.DECLINED
        partnership.ended_reason = reason.strip()[:300]
        partnership.save(update_fields=["status", "ended_reason"])
        record(
            actor=actor,
            verb="network.partnership_declined",
            obj=partnership,
            details={"declined_for": codes, "reason": partnership.ended_reason},
        )
        consent.enqueue_outcome(partnership, accepted=False, actor=actor)
    return partnership


def end_partnership(
    *, actor: User, partnership: Partnership, reason: str, ended_on: datetime.date | None = None
) -> Partnership:
    """Ends the partnership, and with it every access it gave; the history stays."""
    _require_manager(actor, partnership)
    if partnership.status in {PartnershipStatus.ENDED, PartnershipStatus.DECLINED}:
        raise ValidationError(_("This partnership has already ended."))
    if not reason.strip():
        raise ValidationError({"reason": [_("Give a reason for ending the partnership.")]})
    with transaction.atomic():
        partnership.status = PartnershipStatus.ENDED
        partnership.ended_on = ended_on or timezone.localdate()
        partnership.ended_reason = reason.strip()
        partnership.save(update_fields=["status", "ended_on", "ended_reason"])
        record(
            actor=actor,
            verb="network.partnership_ended",
            obj=partnership,
            details={"reason": partnership.ended_reason},
        )
    return partnership


def add_area(
    *, actor: User, partnership: Partnership, kind: str, objectives: str = ""
) -> CollaborationArea:
    _require_manager(actor, partnership)
    if kind not in AreaKind.values:
        raise ValidationError({"kind": [_("Choose a collaboration area.")]})
    if partnership.areas.filter(kind=kind).exists():
        raise ValidationError({"kind": [_("This partnership already has that area.")]})
    with transaction.atomic():
        area = CollaborationArea.objects.create(
            partnership=partnership, kind=kind, objectives=objectives
        )
        record(actor=actor, verb="network.area_added", obj=area, details={"kind": kind})
    return area


def add_milestone(
    *,
    actor: User,
    area: CollaborationArea,
    title: str,
    due_on: datetime.date,
    owner: User | None = None,
    description: str = "",
) -> Milestone:
    partnership = area.partnership
    _require_manager(actor, partnership)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Give the milestone a title.")]
    if not partnership.is_valid_on(due_on):
        errors["due_on"] = [_("The due date is outside the partnership's validity.")]
    if owner is not None and not owner.is_active:
        errors["owner"] = [_("The owner's account is not active.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        milestone = Milestone.objects.create(
            area=area, title=title.strip(), due_on=due_on, owner=owner, description=description
        )
        record(
            actor=actor,
            verb="network.milestone_added",
            obj=milestone,
            details={"due_on": due_on.isoformat(), "owner": owner.pk if owner else None},
        )
    return milestone


def can_update_milestone(user: User, milestone: Milestone) -> bool:
    return milestone.owner_id == user.pk or can_manage_partnership(user, milestone.area.partnership)


def update_milestone(
    *,
    actor: User,
    milestone: Milestone,
    status: str,
    note: str = "",
    file: UploadedFile | None = None,
) -> Milestone:
    """Owners and the partnership's managers move a milestone on and attach evidence."""
    if not can_update_milestone(actor, milestone):
        raise PermissionDenied
    if status not in MilestoneStatus.values:
        raise ValidationError({"status": [_("Choose a status.")]})
    if file is not None:
        try:
            validate_pdf(file, max_bytes=_max_document_bytes())
        except ValidationError as exc:
            raise ValidationError({"file": exc.messages}) from None
    with transaction.atomic():
        previous = milestone.status
        milestone.status = status
        milestone.completed_on = timezone.localdate() if status == MilestoneStatus.DONE else None
        milestone.save(update_fields=["status", "completed_on"])
        if note.strip() or file is not None:
            evidence = MilestoneEvidence(milestone=milestone, note=note.strip(), added_by=actor)
            if file is not None:
                stored_files.save(evidence.file, f"evidence-{milestone.pk}.pdf", file)
            evidence.save()
        record(
            actor=actor,
            verb="network.milestone_updated",
            obj=milestone,
            details={"from": previous, "to": status, "evidence": bool(note.strip() or file)},
        )
    return milestone


def send_milestone_reminders(*, today: datetime.date | None = None) -> int:
    """A week before a milestone is due, and once when it is overdue, its owner gets an
    email. Each reminder is sent once: the milestone remembers it."""
    today = today or timezone.localdate()
    sent = 0
    for milestone, kind in reminders.due_reminders(today):
        with transaction.atomic():
            field = "reminded_before_on" if kind == reminders.SOON else "reminded_overdue_on"
            updated = Milestone.objects.filter(pk=milestone.pk, **{f"{field}__isnull": True})
            if not updated.update(**{field: today}):
                continue  # another worker sent it first
            reminders.enqueue_reminder(milestone, kind, today)
            record(
                actor=None,
                verb="network.milestone_reminder_sent",
                obj=milestone,
                details={"kind": kind, "to": milestone.owner.email},
            )
        sent += 1
    return sent


def update_area_objectives(*, actor: User, area: CollaborationArea, objectives: str) -> None:
    _require_manager(actor, area.partnership)
    with transaction.atomic():
        area.objectives = objectives
        area.save(update_fields=["objectives"])
        record(actor=actor, verb="network.area_objectives_changed", obj=area)


def update_institution(*, actor: User, institution: Institution, **fields: object) -> Institution:
    """Callers validate with InstitutionForm (time zone, country code) first."""
    if not can_edit_institution(actor, institution):
        raise PermissionDenied
    with transaction.atomic():
        for name, value in fields.items():
            setattr(institution, name, value)
        institution.full_clean()
        institution.save()
        record(
            actor=actor,
            verb="network.institution_changed",
            obj=institution,
            institution_id=institution.pk,
            details={"fields": sorted(fields)},
        )
    return institution


def add_absence(
    *, actor: User, starts_on: datetime.date, ends_on: datetime.date, note: str = ""
) -> Absence:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The end is before the start.")]})
    with transaction.atomic():
        absence = Absence.objects.create(
            user=actor, starts_on=starts_on, ends_on=ends_on, note=note
        )
        record(actor=actor, verb="network.absence_added", obj=absence)
    return absence


def remove_absence(*, actor: User, absence: Absence) -> None:
    if absence.user_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic():
        record(actor=actor, verb="network.absence_removed", obj=absence)
        absence.delete()
