"""Contacts with families, support given, and the family's contact details."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.navigation.checks import require_clinical
from consilium.navigation.models import (
    Contact,
    ContactKind,
    FamilyContact,
    OutreachTask,
    Support,
    SupportKind,
    TaskStatus,
)
from consilium.registry.models import Patient


def log_contact(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    reached: bool,
    spoke_with: str = "",
    agreed: str = "",
    at: datetime.datetime | None = None,
    request: HttpRequest | None = None,
) -> Contact:
    """A call, message or home visit. Reaching the family closes the child's open outreach
    tasks; an attempt that reached nobody leaves them open, due again tomorrow."""
    require_clinical(actor, patient)
    if kind not in ContactKind.values:
        raise ValidationError({"kind": [_("Choose a kind of contact.")]})
    at = at or timezone.now()
    if at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"at": [_("A contact cannot be in the future.")]})
    with transaction.atomic():
        tasks = OutreachTask.objects.select_for_update().filter(
            patient=patient, status=TaskStatus.OPEN
        )
        first_task = tasks.order_by("due_on", "pk").first()
        contact = Contact.objects.create(
            patient=patient,
            task=first_task,
            kind=kind,
            at=at,
            reached=reached,
            spoke_with=spoke_with.strip()[:60],
            agreed=agreed.strip(),
            recorded_by=actor,
        )
        if reached:
            tasks.update(status=TaskStatus.DONE, closed_at=at)
        else:
            tomorrow = timezone.localdate() + datetime.timedelta(days=1)
            tasks.filter(due_on__lt=tomorrow).update(due_on=tomorrow)
        record(
            actor=actor,
            verb="navigation.contact_logged",
            obj=contact,
            institution_id=patient.institution_id,
            details={"pseudonym": patient.pseudonym, "kind": kind, "reached": reached},
            request=request,
        )
    return contact


def give_support(
    *,
    actor: User,
    patient: Patient,
    kind: str,
    given_on: datetime.date,
    amount: Decimal | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> Support:
    require_clinical(actor, patient)
    errors: dict[str, list[str]] = {}
    if kind not in SupportKind.values:
        errors["kind"] = [_("Choose a kind of support.")]
    if amount is not None and (amount < 0 or amount >= Decimal("1e10")):
        errors["amount"] = [_("Give an amount of zero or more.")]
    if given_on > timezone.localdate() + datetime.timedelta(days=1):
        errors["given_on"] = [_("Support is recorded once given, not ahead.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        support = Support.objects.create(
            patient=patient,
            kind=kind,
            given_on=given_on,
            amount=amount,
            note=note.strip()[:300],
            recorded_by=actor,
        )
        record(
            actor=actor,
            verb="navigation.support_given",
            obj=support,
            institution_id=patient.institution_id,
            details={"pseudonym": patient.pseudonym, "kind": kind, "amount": amount},
            request=request,
        )
    return support


def add_family_contact(
    *,
    actor: User,
    patient: Patient,
    relation: str,
    name: str = "",
    phone: str = "",
    address: str = "",
    request: HttpRequest | None = None,
) -> FamilyContact:
    require_clinical(actor, patient)
    relation = relation.strip()
    if not relation:
        raise ValidationError({"relation": [_("Say who this is to the child (mother, uncle…).")]})
    if not (phone.strip() or address.strip()):
        raise ValidationError({"phone": [_("Give a phone number or an address.")]})
    with transaction.atomic():
        row = FamilyContact.objects.create(
            patient=patient,
            relation=relation[:40],
            name=name.strip()[:150],
            phone=phone.strip()[:40],
            address=address.strip()[:300],
            created_by=actor,
        )
        # The audit entry names the relation only: the log must not hold the identifiers.
        record(
            actor=actor,
            verb="navigation.family_contact_added",
            obj=row,
            institution_id=patient.institution_id,
            details={"pseudonym": patient.pseudonym, "relation": relation[:40]},
            request=request,
        )
    return row
