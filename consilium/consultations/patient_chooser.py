"""The request form's patient chooser: a search box in place of a drop-down of every
pseudonym (a hospital has thousands). One plain GET that works without JavaScript; htmx
swaps the results in place as the clinician types. Only the reader's own patients are
searched (the registry's access helpers), a few at a time, and each search is audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.registry.access import patients_for_user
from consilium.registry.models import Patient, Sex
from consilium.registry.queries import chooser_filter, with_diagnoses

LIMIT = 10


@dataclass(frozen=True, slots=True)
class Choice:
    pk: int
    pseudonym: str
    sex: str
    age: int | None
    diagnosis: str


def search(user: User, text: str, *, request: HttpRequest | None = None) -> list[Choice]:
    today = timezone.localdate()
    found = chooser_filter(patients_for_user(user), text, today=today).order_by("-id")
    # One more than shown, to say there are more without counting them all.
    patients = list(with_diagnoses(found)[: LIMIT + 1])
    record(
        actor=user,
        verb="consultations.patient_chooser_searched",
        # Never the words typed: they may be a hospital number.
        details={"shown": [p.pseudonym for p in patients[:LIMIT]]},
        request=request,
    )
    return [_choice(p, today) for p in patients]


def chosen(user: User, pk: int | None) -> Choice | None:
    """The patient already chosen (from "Ask a partner", a draft or a form sent back), if the
    reader may see it."""
    if pk is None:
        return None
    patient = with_diagnoses(patients_for_user(user).filter(pk=pk)).first()
    return _choice(patient, timezone.localdate()) if patient else None


def _choice(patient: Patient, today) -> Choice:
    diagnoses = list(patient.diagnoses.all())
    first = min(diagnoses, key=lambda d: d.date) if diagnoses else None
    age = None
    if patient.birth_year:
        late = patient.birth_month is not None and today.month < patient.birth_month
        age = today.year - patient.birth_year - (1 if late else 0)
    if first is None:
        words = ""
    else:
        term = first.morphology_term
        words = term.term or term.code
    return Choice(
        pk=patient.pk,
        pseudonym=patient.pseudonym,
        sex=str(Sex(patient.sex).label) if patient.sex in Sex.values else "",
        age=age,
        diagnosis=words,
    )
