"""Past consultations in bulk: a whole discussion (request, offer, acceptance, messages,
recommendation, closed loop) recorded at once, for the seed and for moving a network's
history in from another system.

Each case passes the same rules the single actions apply (the requester's clinical role, an
active telemedicine partnership, the patient's consent, a known urgency and template, the
expert on the partner's team, every author on a side of the case) and leaves the same rows
and the same audit entries, each entry saying when the step happened. What it does not do is
send mail: the history already happened. One call is one transaction, all or nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.accounts.models import Role, User
from consilium.audit.actions import Pending, record_many
from consilium.consultations.access import requester_institution_ids
from consilium.consultations.actions import (
    RECOMMENDATION_FIELDS,
    SUMMARY_FIELDS,
    _telemedicine_partnership,
    settings_for,
)
from consilium.consultations.models import (
    ActivityKind,
    Adherence,
    Assignment,
    AssignmentStatus,
    Consultation,
    ConsultationSettings,
    ConsultationStatus,
    FollowUpAnswer,
    Message,
    MessageSource,
    NonAdherenceReason,
    Recommendation,
    RecommendationStatus,
    SummaryTemplate,
    Urgency,
)
from consilium.network.models import Institution, Partnership
from consilium.registry.bulk import insert
from consilium.registry.models import ConsentStatus, Patient


@dataclass(frozen=True)
class PastMessage:
    author: User
    body: str
    at: datetime.datetime
    source: str = MessageSource.WEB


@dataclass(frozen=True)
class PastConsultation:
    requested_by: User
    patient: Patient
    expert_institution: Institution
    expert: User
    question: str
    urgency: str
    created_at: datetime.datetime
    specialty: str = ""
    language: str = "en"
    template: str = SummaryTemplate.GENERAL
    summary: dict[str, str] = field(default_factory=dict)
    accepted_at: datetime.datetime | None = None
    messages: Sequence[PastMessage] = ()
    # A final recommendation, and what became of it.
    recommendation: dict[str, str] | None = None
    recommended_at: datetime.datetime | None = None
    adherence: str = ""
    reasons: Sequence[str] = ()
    answered_at: datetime.datetime | None = None
    withdrawn_at: datetime.datetime | None = None


class _Rules:
    """The lookups the rules need, asked once per person, pair or institution in a batch."""

    def __init__(self) -> None:
        self.requester_ids: dict[int, set[int]] = {}
        self.partnerships: dict[tuple[int, int], Partnership | None] = {}
        self.experts: dict[int, set[int]] = {}
        self.clocks: dict[int, ConsultationSettings] = {}

    def clocks_of(self, partnership: Partnership) -> ConsultationSettings:
        if partnership.pk not in self.clocks:
            self.clocks[partnership.pk] = settings_for(partnership)
        return self.clocks[partnership.pk]

    def institutions_of(self, user: User) -> set[int]:
        if user.pk not in self.requester_ids:
            self.requester_ids[user.pk] = requester_institution_ids(user)
        return self.requester_ids[user.pk]

    def partnership(self, requesting: Institution, expert: Institution) -> Partnership | None:
        key = (requesting.pk, expert.pk)
        if key not in self.partnerships:
            self.partnerships[key] = _telemedicine_partnership(requesting, expert)
        return self.partnerships[key]

    def experts_of(self, institution: Institution) -> set[int]:
        if institution.pk not in self.experts:
            self.experts[institution.pk] = set(
                User.objects.filter(
                    is_active=True,
                    memberships__institution=institution,
                    memberships__role=Role.EXPERT,
                    memberships__ended_at__isnull=True,
                ).values_list("pk", flat=True)
            )
        return self.experts[institution.pk]


def _problems(case: PastConsultation, rules: _Rules, now: datetime.datetime) -> list[str]:
    """What is wrong with one case, in the words of the single actions where they exist."""
    patient = case.patient
    problems = []
    if patient.institution_id not in rules.institutions_of(case.requested_by):
        problems.append(_("The requester is not on the patient's clinical team."))
    if rules.partnership(patient.institution, case.expert_institution) is None:
        problems.append(
            _("There is no active partnership for case discussion with this institution.")
        )
    if patient.consent_status not in (ConsentStatus.GIVEN, ConsentStatus.WAIVED):
        problems.append(
            _(
                "This patient's consent to share de-identified data is not recorded as given "
                "or waived. Record it in the registry first."
            )
        )
    if not case.question.strip():
        problems.append(_("Ask a question."))
    if case.urgency not in Urgency.values:
        problems.append(_("Choose the urgency."))
    if case.template not in SummaryTemplate.values:
        problems.append(_("Choose a summary template."))
    unknown = set(case.summary) - set(SUMMARY_FIELDS)
    unknown |= set(case.recommendation or {}) - set(RECOMMENDATION_FIELDS)
    if unknown:
        problems.append(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    if case.expert.pk not in rules.experts_of(case.expert_institution):
        problems.append(_("This person is not an available expert of the partner."))
    times = [case.created_at, case.accepted_at, *(m.at for m in case.messages)]
    times += [case.recommended_at, case.answered_at, case.withdrawn_at]
    known = [t for t in times if t is not None]
    if any(t > now for t in known) or known != sorted(known):
        problems.append(_("The steps of a past consultation must be in the past and in order."))
    if case.messages and case.accepted_at is None:
        problems.append(_("Messages need an accepted expert."))
    sides = {case.expert.pk}
    for message in case.messages:
        on_side = message.author.pk in sides or patient.institution_id in rules.institutions_of(
            message.author
        )
        if not on_side:
            problems.append(_("A message's author is not on either side of the consultation."))
            break
        if not message.body.strip() or message.source not in MessageSource.values:
            problems.append(_("Write a message or attach a file."))
            break
    if case.recommendation is not None:
        if case.recommended_at is None or case.accepted_at is None:
            problems.append(_("A recommendation needs its time and an accepted expert."))
        elif not any(
            case.recommendation.get(name, "").strip()
            for name in ("diagnostic_opinion", "recommended_treatment")
        ):
            problems.append(_("A final recommendation needs an opinion or a treatment."))
    if case.adherence:
        if case.recommendation is None or case.answered_at is None:
            problems.append(_("There is no recommendation waiting for its outcome."))
        if case.adherence not in Adherence.values:
            problems.append(_("Say whether the recommendation was followed."))
        if [r for r in case.reasons if r not in NonAdherenceReason.values]:
            problems.append(_("Unknown reason: %s") % ", ".join(case.reasons))
        if case.adherence in (Adherence.PARTLY, Adherence.NOT) and not case.reasons:
            problems.append(_("Say why it was not fully followed."))
    if case.withdrawn_at is not None and case.recommendation is not None:
        problems.append(_("Only an open consultation can be withdrawn."))
    return problems


def _new_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for rows written with COPY, taken before the insert so that the rows
    that point at them (and the audit entries that name them) can be built first."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite serialises writers (every transaction is IMMEDIATE): nobody else can take
        # the numbers above the largest until we commit.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + count))


def record_past_consultations(*, cases: Sequence[PastConsultation]) -> list[Consultation]:
    """Check every case, then (only if all pass) write them all in one transaction."""
    rules = _Rules()
    now = timezone.now()
    errors = {}
    for index, case in enumerate(cases):
        problems = _problems(case, rules, now)
        if problems:
            errors[f"cases[{index}]"] = problems
    if errors:
        raise ValidationError(errors)
    if not cases:
        return []
    with transaction.atomic():
        return _write(cases, rules)


def _write(cases: Sequence[PastConsultation], rules: _Rules) -> list[Consultation]:
    consultation_ids = iter(_new_ids(Consultation, len(cases)))
    message_ids = iter(_new_ids(Message, sum(len(c.messages) for c in cases)))
    recommendation_ids = iter(
        _new_ids(Recommendation, sum(1 for c in cases if c.recommendation is not None))
    )
    profiles: dict[int, int | None] = {}
    consultations, assignments, messages, recommendations, answers = [], [], [], [], []
    audit: list[Pending] = []
    for case in cases:
        patient = case.patient
        partnership = rules.partnership(patient.institution, case.expert_institution)
        assert partnership is not None  # checked above
        if patient.institution_id not in profiles:
            first = patient.institution.resource_profiles.values_list("pk", flat=True).first()
            profiles[patient.institution_id] = first
        clocks = rules.clocks_of(partnership)
        urgent = case.urgency == Urgency.URGENT
        hours = clocks.urgent_reply_hours if urgent else clocks.routine_reply_hours
        consultation = Consultation(
            pk=next(consultation_ids),
            requesting_institution_id=patient.institution_id,
            expert_institution=case.expert_institution,
            partnership=partnership,
            patient=patient,
            requested_by=case.requested_by,
            question=case.question.strip(),
            urgency=case.urgency,
            specialty=case.specialty,
            language=case.language,
            template=case.template,
            resource_profile_id=profiles[patient.institution_id],
            created_at=case.created_at,
            first_reply_due=case.created_at + datetime.timedelta(hours=hours),
            **{name: case.summary.get(name, "") for name in SUMMARY_FIELDS},
        )
        consultations.append(consultation)

        def step(actor: User | None, verb: str, at: datetime.datetime, **details: object) -> None:
            audit.append(
                Pending(
                    actor=actor,
                    verb=verb,
                    obj=consultation,  # noqa: B023 - used at once, inside this iteration
                    institution_id=patient.institution_id if verb.endswith("requested") else None,  # noqa: B023
                    details={**details, "happened_at": at.isoformat()},
                )
            )

        step(
            case.requested_by,
            "consultations.requested",
            case.created_at,
            pseudonym=patient.pseudonym,
            expert_institution=case.expert_institution.code,
            urgency=case.urgency,
            attachments=0,
        )
        assignment = Assignment(
            consultation=consultation, expert=case.expert, assigned_at=case.created_at
        )
        assignments.append(assignment)
        step(None, "consultations.offered", case.created_at, expert=case.expert.email)
        if case.accepted_at is not None:
            assignment.status = AssignmentStatus.ACCEPTED
            assignment.responded_at = case.accepted_at
            consultation.status = ConsultationStatus.ACCEPTED
            step(case.expert, "consultations.accepted", case.accepted_at, source="web")
        for past in case.messages:
            message = Message(
                pk=next(message_ids),
                consultation=consultation,
                author=past.author,
                body=past.body.strip(),
                source=past.source,
                created_at=past.at,
            )
            messages.append(message)
            if past.author.pk == case.expert.pk and consultation.first_reply_at is None:
                consultation.first_reply_at = past.at
            step(
                past.author,
                "consultations.message_posted",
                past.at,
                message=message.pk,
                source=past.source,
                attachments=0,
            )
        if case.recommendation is not None and case.recommended_at is not None:
            recommendation = Recommendation(
                pk=next(recommendation_ids),
                consultation=consultation,
                author=case.expert,
                status=RecommendationStatus.FINAL,
                created_at=case.recommended_at,
                finalised_at=case.recommended_at,
                **{
                    name: case.recommendation.get(name, "").strip()
                    for name in RECOMMENDATION_FIELDS
                },
            )
            recommendations.append(recommendation)
            consultation.status = ConsultationStatus.RECOMMENDED
            consultation.recommended_at = case.recommended_at
            weeks = datetime.timedelta(weeks=clocks.follow_up_weeks)
            consultation.follow_up_due_on = (case.recommended_at + weeks).date()
            consultation.first_reply_at = consultation.first_reply_at or case.recommended_at
            step(
                case.expert,
                "consultations.recommendation_finalised",
                case.recommended_at,
                recommendation=recommendation.pk,
                source="web",
            )
        if case.adherence and case.answered_at is not None:
            reasons = list(case.reasons) if case.adherence != Adherence.FULLY else []
            answers.append(
                FollowUpAnswer(
                    consultation=consultation,
                    adherence=case.adherence,
                    reasons=reasons,
                    answered_by=case.requested_by,
                    answered_at=case.answered_at,
                )
            )
            consultation.status = ConsultationStatus.CLOSED
            step(
                case.requested_by,
                "consultations.follow_up_answered",
                case.answered_at,
                adherence=case.adherence,
                reasons=list(case.reasons),
            )
        if case.withdrawn_at is not None:
            consultation.status = ConsultationStatus.WITHDRAWN
            if assignment.status in (AssignmentStatus.OFFERED, AssignmentStatus.ACCEPTED):
                assignment.status = AssignmentStatus.WITHDRAWN
            step(case.requested_by, "consultations.withdrawn", case.withdrawn_at, reason="")
        _set_last_activity(consultation, case)
    insert(consultations, keep_pk=True)
    insert(assignments)
    insert(messages, keep_pk=True)
    insert(recommendations, keep_pk=True)
    insert(answers)
    record_many(audit)
    return consultations


def _set_last_activity(consultation: Consultation, case: PastConsultation) -> None:
    """What activity.touch would have left after the last step. History is read: nothing
    of it is new to anyone, so no read marks are written."""
    steps = [(case.created_at, ActivityKind.REQUEST)]
    steps += [(m.at, ActivityKind.MESSAGE) for m in case.messages]
    if case.recommendation is not None and case.recommended_at is not None:
        steps.append((case.recommended_at, ActivityKind.RECOMMENDATION))
    if case.adherence and case.answered_at is not None:
        steps.append((case.answered_at, ActivityKind.FOLLOW_UP))
    if case.withdrawn_at is not None:
        steps.append((case.withdrawn_at, ActivityKind.WITHDRAWN))
    consultation.last_activity_at, consultation.last_activity_kind = max(steps)
    # Nobody is named, so a moved-in history does not show as unread to everyone.
    consultation.last_activity_by = None
