"""What a board shows of a case: the pseudonymised summary (pseudonym, age, diagnosis in
words, stage, question), to those the partnership rule lets see it. Every such read is
audited as one entry naming the consultations shown."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone

from consilium.accounts.access import roles_by_institution
from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.consultations.summary import diagnosis_lines
from consilium.meetings.access import AnyUser, partner_ids
from consilium.meetings.models import AgendaItem, Event
from consilium.registry.models import Patient


def case_institution_ids(user: AnyUser) -> set[int]:
    """Institutions whose cases the user may see on a board: their own and their active
    partners'. Ending a partnership ends this at once (nothing is cached)."""
    own = set(roles_by_institution(user))
    return own | partner_ids(own)


def age_in_years(patient: Patient, today: datetime.date | None = None) -> int | None:
    if patient.birth_year is None:
        return None
    today = today or timezone.localdate()
    age = today.year - patient.birth_year
    if patient.birth_month and today.month < patient.birth_month:
        age -= 1
    return max(age, 0)


@dataclass(frozen=True)
class CaseSummary:
    pseudonym: str
    age: int | None
    diagnosis: str
    stage: str
    question: str


def summarise(item: AgendaItem) -> CaseSummary:
    consultation = item.consultation
    patient = consultation.patient
    lines = diagnosis_lines(patient)
    words = [line.morphology_name or line.morphology for line in lines]
    if lines and lines[0].topography_name:
        words[0] = f"{words[0]} ({lines[0].topography_name})"
    stages = [" · ".join(part for part in (line.stage, line.risk_group) if part) for line in lines]
    return CaseSummary(
        pseudonym=patient.pseudonym,
        age=age_in_years(patient),
        diagnosis="; ".join(words) or consultation.specialty,
        stage="; ".join(s for s in stages if s),
        question=consultation.question,
    )


def attach_summaries(
    *,
    user: User,
    event: Event,
    items: Iterable[AgendaItem],
    request: HttpRequest | None = None,
    verb: str = "meetings.agenda_viewed",
) -> list[AgendaItem]:
    """Sets `item.case` (a CaseSummary, or None when the reader may not see that case) and
    writes one audit entry naming the consultations whose summaries were shown."""
    allowed = case_institution_ids(user)
    items = list(items)
    shown = []
    for item in items:
        visible = item.consultation.requesting_institution_id in allowed
        item.case = summarise(item) if visible else None
        if visible:
            shown.append(item)
    if shown:
        record(
            actor=user,
            verb=verb,
            obj=event,
            institution_id=event.host_id,
            details={
                "consultations": [i.consultation_id for i in shown],
                "pseudonyms": [i.case.pseudonym for i in shown],
            },
            request=request,
        )
    return items


def attach_summaries_for_mail(
    *, user: User | None, event: Event, items: list[AgendaItem]
) -> list[AgendaItem]:
    """The same rule for a mailed agenda: a guest without an account gets times only."""
    allowed = case_institution_ids(user) if user is not None else set()
    shown = []
    for item in items:
        visible = item.consultation.requesting_institution_id in allowed
        item.case = summarise(item) if visible else None
        if visible:
            shown.append(item)
    if shown:
        record(
            actor=None,
            verb="meetings.agenda_sent",
            obj=event,
            institution_id=event.host_id,
            details={
                "recipient": user.email if user else "",
                "consultations": [i.consultation_id for i in shown],
            },
        )
    return items
