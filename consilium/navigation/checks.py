"""The boundary rules shared by the actions: whose patient, and which dates are possible."""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from consilium.accounts.models import User
from consilium.registry.access import clinical_institution_ids
from consilium.registry.models import Patient, VitalStatus


def require_clinical(actor: User | AnonymousUser | None, patient: Patient) -> None:
    """Navigation for a patient of another institution is refused (the views 404 earlier)."""
    if actor is None or patient.institution_id not in clinical_institution_ids(actor):
        raise PermissionDenied(_("This patient is not one of your institution's."))


def is_dead(patient: Patient) -> bool:
    return patient.vital_status == VitalStatus.DEAD or patient.death_date is not None


def diagnosis_date(patient: Patient) -> datetime.date | None:
    return patient.origin_date or (
        patient.diagnoses.order_by("date").values_list("date", flat=True).first()
    )


def check_visit_date(patient: Patient, date: datetime.date, *, field: str = "date") -> None:
    first = diagnosis_date(patient)
    if first is not None and date < first:
        raise ValidationError(
            {
                field: [
                    _("A visit cannot be planned before the diagnosis (%(date)s).")
                    % {"date": first.isoformat()}
                ]
            }
        )
    if patient.death_date is not None and date > patient.death_date:
        raise ValidationError(
            {
                field: [
                    _("A visit cannot be planned after the child's death (%(date)s).")
                    % {"date": patient.death_date.isoformat()}
                ]
            }
        )
