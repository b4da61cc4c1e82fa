"""Putting an approved version in force at an institution, and the staff's acknowledgements."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.accounts.models import Profession, Role, User
from consilium.audit.actions import record
from consilium.library import mail
from consilium.library.access import can_adopt_at, is_required, required_people
from consilium.library.models import Acknowledgement, Adoption, DocumentVersion, VersionStatus
from consilium.network.models import Institution


def adopt_version(
    *,
    actor: User,
    institution: Institution,
    version: DocumentVersion,
    in_force_from: datetime.date,
    roles: Iterable[str] = (),
    professions: Iterable[str] = (),
    note: str = "",
) -> Adoption:
    """The version replaces whatever version of the document was in force there; the people
    who must acknowledge it are told by email."""
    if not can_adopt_at(actor, institution):
        raise PermissionDenied
    roles, professions = sorted(set(roles)), sorted(set(professions))
    errors: dict[str, list[str]] = {}
    if version.status != VersionStatus.APPROVED:
        errors["version"] = [_("Only an approved version can be put in force.")]
    if unknown := [r for r in roles if r not in Role.values]:
        errors["roles"] = [_("Unknown roles: %s") % ", ".join(unknown)]
    if unknown := [p for p in professions if p not in Profession.values]:
        errors["professions"] = [_("Unknown professions: %s") % ", ".join(unknown)]
    if not roles and not professions:
        errors["roles"] = [_("Say who must acknowledge it: roles, professions or both.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = (
            Adoption.objects.select_for_update()
            .filter(institution=institution, document_id=version.document_id)
            .filter(in_force_until__isnull=True)
            .first()
        )
        if current is not None:
            if current.version_id == version.pk:
                raise ValidationError({"version": [_("This version is already in force there.")]})
            if in_force_from < current.in_force_from:
                raise ValidationError(
                    {
                        "in_force_from": [
                            _("Version %(number)s has been in force since %(date)s.")
                            % {
                                "number": current.version.number,
                                "date": current.in_force_from.isoformat(),
                            }
                        ]
                    }
                )
            current.in_force_until = in_force_from
            current.save(update_fields=["in_force_until"])
        try:
            with transaction.atomic():
                adoption = Adoption.objects.create(
                    institution=institution,
                    document_id=version.document_id,
                    version=version,
                    in_force_from=in_force_from,
                    required_roles=roles,
                    required_professions=professions,
                    note=note.strip(),
                    adopted_by=actor,
                )
        except IntegrityError:
            # Another coordinator adopted a version at the same moment.
            raise ValidationError(_("Another version was put in force meanwhile.")) from None
        record(
            actor=actor,
            verb="library.version_adopted",
            obj=adoption,
            institution_id=institution.pk,
            details={
                "code": version.code,
                "replaces": current.version.code if current else None,
                "roles": roles,
                "professions": professions,
            },
        )
        mail.acknowledgement_requested(adoption, list(required_people(adoption)))
    return adoption


def acknowledge(*, actor: User, adoption: Adoption) -> Acknowledgement:
    """A person confirms they have read the version in force for them."""
    version = adoption.version
    if version.status == VersionStatus.RETIRED:
        raise ValidationError(
            _("Version %(number)s has been retired: acknowledge the version now in force instead.")
            % {"number": version.number},
            code="retired",
        )
    if not adoption.in_force:
        raise ValidationError(_("This version is no longer in force here."), code="not_in_force")
    if not is_required(actor, adoption):
        raise ValidationError(
            _("You are not among the staff asked to acknowledge this version."),
            code="not_required",
        )
    if adoption.acknowledgements.filter(user=actor).exists():
        raise ValidationError(_("You have already acknowledged this version."), code="done")
    with transaction.atomic():
        ack = Acknowledgement.objects.create(adoption=adoption, user=actor)
        record(
            actor=actor,
            verb="library.version_acknowledged",
            obj=adoption,
            institution_id=adoption.institution_id,
            details={"code": version.code},
        )
    return ack


def remind_pending(*, actor: User, adoption: Adoption) -> int:
    """Email everyone who still has to acknowledge; returns how many were reminded."""
    if not can_adopt_at(actor, adoption.institution):
        raise PermissionDenied
    if not adoption.in_force or adoption.version.status != VersionStatus.APPROVED:
        raise ValidationError(_("Reminders are for the approved version in force."))
    pending = list(required_people(adoption).exclude(library_acknowledgements__adoption=adoption))
    with transaction.atomic():
        adoption.reminded_at = timezone.now()
        adoption.save(update_fields=["reminded_at"])
        record(
            actor=actor,
            verb="library.acknowledgement_reminded",
            obj=adoption,
            institution_id=adoption.institution_id,
            details={"people": len(pending)},
        )
        mail.acknowledgement_requested(adoption, pending, reminder=True)
    return len(pending)
