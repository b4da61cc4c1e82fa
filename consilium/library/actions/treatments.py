"""Linking a registry treatment to the protocol version it followed."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.library.models import (
    PUBLISHED_STATUSES,
    DocumentKind,
    DocumentVersion,
    TreatmentProtocol,
)
from consilium.registry.access import clinical_institution_ids
from consilium.registry.models import Treatment


def link_protocol(
    *, actor: User, treatment: Treatment, version: DocumentVersion
) -> TreatmentProtocol:
    """Sets (or changes) the protocol version of a treatment. Retired versions are allowed:
    a child treated years ago followed the version in force then."""
    institution_id = treatment.patient.institution_id
    if institution_id not in clinical_institution_ids(actor):
        raise PermissionDenied
    if version.document.kind != DocumentKind.PROTOCOL:
        raise ValidationError({"version": [_("Choose a treatment protocol.")]})
    if version.status not in PUBLISHED_STATUSES:
        raise ValidationError({"version": [_("Only an approved (or retired) version counts.")]})
    with transaction.atomic():
        link, created = TreatmentProtocol.objects.update_or_create(
            treatment=treatment,
            defaults={"protocol_version": version, "linked_by": actor, "linked_at": timezone.now()},
        )
        record(
            actor=actor,
            verb="library.treatment_protocol_linked",
            obj=treatment,
            institution_id=institution_id,
            details={
                "pseudonym": treatment.patient.pseudonym,
                "protocol": version.code,
                "changed": not created,
            },
        )
    return link
