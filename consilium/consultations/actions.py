"""Every change to a consultation, from the web, the API, the email gateway or a board."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.accounts.access import institution_ids_with_role
from consilium.accounts.models import Role, User
from consilium.audit.actions import record
from consilium.consultations import activity, attachments
from consilium.consultations.access import (
    TRIAGE_ROLES,
    Side,
    requester_institution_ids,
    side_of,
)
from consilium.consultations.assignment import candidates
from consilium.consultations.deid import free_text
from consilium.consultations.deid.deidentify import AttachmentError
from consilium.consultations.mail import notify
from consilium.consultations.models import (
    ACTIVE_ASSIGNMENT,
    OPEN_SECOND_OPINION,
    ActivityKind,
    Adherence,
    Assignment,
    AssignmentStatus,
    Consultation,
    ConsultationSettings,
    ConsultationStatus,
    FollowUpAnswer,
    Message,
    MessageRevision,
    MessageSource,
    NonAdherenceReason,
    Recommendation,
    RecommendationStatus,
    SecondOpinion,
    SecondOpinionStatus,
    SummaryTemplate,
    Urgency,
)
from consilium.lib.enqueue import enqueue_in_transaction
from consilium.network.access import active_partnerships
from consilium.network.models import AreaKind, Institution, Partnership
from consilium.registry.models import ConsentStatus, Patient
from consilium.search import index as search_index

SUMMARY_FIELDS = (
    "history",
    "examination",
    "imaging",
    "pathology",
    "laboratory",
    "treatment_so_far",
)
RECOMMENDATION_FIELDS = (
    "diagnostic_opinion",
    "stage_risk_opinion",
    "recommended_treatment",
    "further_investigations",
    "local_feasibility",
)


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def settings_for(partnership: Partnership) -> ConsultationSettings:
    found = ConsultationSettings.objects.filter(partnership=partnership).first()
    return found or ConsultationSettings(partnership=partnership)


def _telemedicine_partnership(requesting: Institution, expert: Institution) -> Partnership | None:
    return (
        active_partnerships()
        .filter(parties__institution=requesting, areas__kind=AreaKind.TELEMEDICINE)
        .filter(pk__in=Partnership.objects.filter(parties__institution=expert).values("pk"))
        .order_by("-valid_from")
        .first()
    )


def _names(files: Sequence[Upload]) -> dict[str, str]:
    """File names are sent to the partner too (de-identification keeps the name's text)."""
    return {"files": "\n".join(f.filename for f in files)} if files else {}


def _prepare_all(files: Sequence[Upload], pseudonym: str) -> list[attachments.Prepared]:
    """De-identify every file before anything is written; one bad file stops them all."""
    prepared, problems = [], []
    for upload in files:
        try:
            prepared.append(attachments.prepare(upload.filename, upload.data, pseudonym=pseudonym))
        except AttachmentError as exc:
            problems.append(f"{upload.filename}: {exc}")
    if problems:
        raise ValidationError({"files": problems})
    return prepared


def request_consultation(
    *,
    actor: User,
    patient: Patient,
    expert_institution: Institution,
    question: str,
    urgency: str,
    specialty: str = "",
    language: str = "en",
    template: str = SummaryTemplate.GENERAL,
    summary: dict[str, str] | None = None,
    files: Sequence[Upload] = (),
) -> Consultation:
    if patient.institution_id not in requester_institution_ids(actor):
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    partnership = _telemedicine_partnership(patient.institution, expert_institution)
    if partnership is None:
        errors["expert_institution"] = [
            _("There is no active partnership for case discussion with this institution.")
        ]
    if patient.consent_status not in (ConsentStatus.GIVEN, ConsentStatus.WAIVED):
        errors["patient"] = [
            _(
                "This patient's consent to share de-identified data is not recorded as given "
                "or waived. Record it in the registry first."
            )
        ]
    if not question.strip():
        errors["question"] = [_("Ask a question.")]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("Choose the urgency.")]
    if template not in SummaryTemplate.values:
        errors["template"] = [_("Choose a summary template.")]
    unknown = set(summary or {}) - set(SUMMARY_FIELDS)
    if unknown:
        errors["summary"] = [_("Unknown summary fields: %s") % ", ".join(sorted(unknown))]
    prepared = []
    try:
        prepared = _prepare_all(files, patient.pseudonym)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        free_text.check_free_text(
            patient,
            {"question": question, "specialty": specialty, **(summary or {}), **_names(files)},
            writer=actor,
        )
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)

    clocks = settings_for(partnership)
    hours = clocks.urgent_reply_hours if urgency == Urgency.URGENT else clocks.routine_reply_hours
    now = timezone.now()
    with transaction.atomic():
        consultation = Consultation.objects.create(
            requesting_institution=patient.institution,
            expert_institution=expert_institution,
            partnership=partnership,
            patient=patient,
            requested_by=actor,
            question=question.strip(),
            urgency=urgency,
            specialty=specialty,
            language=language,
            template=template,
            resource_profile=patient.institution.resource_profiles.first(),
            created_at=now,
            first_reply_due=now + datetime.timedelta(hours=hours),
            **{field: (summary or {}).get(field, "") for field in SUMMARY_FIELDS},
        )
        for item in prepared:
            attachments.save(
                consultation=consultation, message=None, uploaded_by=actor, prepared=item
            )
        search_index.refresh("consultation", consultation.pk)
        activity.touch(consultation, actor=actor, kind=ActivityKind.REQUEST, at=now)
        record(
            actor=actor,
            verb="consultations.requested",
            obj=consultation,
            institution_id=patient.institution_id,
            details={
                "pseudonym": patient.pseudonym,
                "expert_institution": expert_institution.code,
                "urgency": urgency,
                "attachments": len(prepared),
            },
        )
        offer_to_next_expert(consultation, assigned_by=None)
    return consultation


def offer_to_next_expert(
    consultation: Consultation, *, assigned_by: User | None
) -> Assignment | None:
    """Offer the consultation to the best available expert who has not had it yet; with
    nobody left, tell the partner's coordinators so a person can triage it."""
    tried = set(consultation.assignments.values_list("expert_id", flat=True))
    ranked = candidates(consultation, exclude=tried)
    if not ranked:
        notify.send(consultation, notify.partner_coordinators(consultation), "needs_triage")
        record(actor=None, verb="consultations.no_expert_available", obj=consultation)
        return None
    assignment = Assignment.objects.create(
        consultation=consultation, expert=ranked[0], assigned_by=assigned_by
    )
    record(
        actor=assigned_by,
        verb="consultations.offered",
        obj=consultation,
        details={"expert": ranked[0].email},
    )
    notify.send(consultation, [ranked[0]], "offered")
    return assignment


def assign_expert(*, actor: User, consultation: Consultation, expert: User) -> Assignment:
    """Triage by hand: a partner coordinator offers the consultation to a chosen expert."""
    if side_of(actor, consultation) != Side.TRIAGE:
        raise PermissionDenied
    if consultation.expert_institution_id not in institution_ids_with_role(actor, TRIAGE_ROLES):
        # A second opinion's centre sees the case; its triage is not theirs to do.
        raise PermissionDenied
    if expert.pk not in {e.pk for e in candidates(consultation)}:
        raise ValidationError(
            {"expert": [_("This person is not an available expert of the partner.")]}
        )
    with transaction.atomic():
        assignment, _created = Assignment.objects.get_or_create(
            consultation=consultation,
            expert=expert,
            status__in=ACTIVE_ASSIGNMENT,
            defaults={"assigned_by": actor, "status": AssignmentStatus.OFFERED},
        )
        record(
            actor=actor,
            verb="consultations.offered",
            obj=consultation,
            details={"expert": expert.email},
        )
        notify.send(consultation, [expert], "offered")
    return assignment


def _lock(consultation: Consultation) -> None:
    """Lock the consultation's row for this transaction and reload it, so a state change
    checks the state as it is now, not as the caller read it: of a finalisation and a
    withdrawal sent at the same moment, the second sees the first and is refused. FOR NO
    KEY UPDATE: rows that only refer to the consultation are not held up by it."""
    list(
        Consultation.objects.select_for_update(no_key=True)
        .filter(pk=consultation.pk)
        .values_list("pk")
    )
    consultation.refresh_from_db()


def _active_assignment(actor: User, consultation: Consultation) -> Assignment:
    assignment = consultation.assignments.filter(expert=actor, status__in=ACTIVE_ASSIGNMENT).first()
    if assignment is None or side_of(actor, consultation) != Side.EXPERT:
        raise PermissionDenied
    return assignment


def accept(
    *, actor: User, consultation: Consultation, source: str = MessageSource.WEB
) -> Assignment:
    assignment = _active_assignment(actor, consultation)
    if assignment.second_opinion_id is not None:
        return _accept_second_opinion(actor=actor, consultation=consultation, source=source)
    if not consultation.is_open:
        raise ValidationError(_("This consultation is no longer open."))
    with transaction.atomic():
        _lock(consultation)
        if not consultation.is_open:
            raise ValidationError(_("This consultation is no longer open."))
        assignment = _active_assignment(actor, consultation)
        if assignment.status != AssignmentStatus.ACCEPTED:
            assignment.status = AssignmentStatus.ACCEPTED
            assignment.responded_at = timezone.now()
            assignment.save(update_fields=["status", "responded_at"])
        if consultation.status == ConsultationStatus.SUBMITTED:
            consultation.status = ConsultationStatus.ACCEPTED
            consultation.save(update_fields=["status"])
        search_index.set_status("consultation", consultation.pk, consultation.status)
        activity.touch(consultation, actor=actor, kind=ActivityKind.ACCEPTED)
        record(
            actor=actor, verb="consultations.accepted", obj=consultation, details={"source": source}
        )
        notify.send(
            consultation,
            notify.followers(consultation),
            "accepted",
            context={"expert": actor},
        )
    return assignment


def decline(
    *, actor: User, consultation: Consultation, reason: str, source: str = MessageSource.WEB
) -> Assignment:
    # An expert who has just declined is on the triage side: their second click gets its
    # answer below, under the lock.
    if side_of(actor, consultation) not in (Side.EXPERT, Side.TRIAGE):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": [_("Say why you decline, so the next expert knows.")]})
    with transaction.atomic():
        _lock(consultation)
        assignment = consultation.assignments.filter(
            expert=actor, status__in=ACTIVE_ASSIGNMENT
        ).first()
        if assignment is None:
            # A double click: declined once, and one new expert offered, not two.
            mine = consultation.assignments.filter(expert=actor)
            if mine.filter(status=AssignmentStatus.DECLINED).exists():
                raise ValidationError(_("You have already declined this consultation."))
            raise PermissionDenied
        assignment.status = AssignmentStatus.DECLINED
        assignment.decline_reason = reason.strip()[:300]
        assignment.responded_at = timezone.now()
        assignment.save(update_fields=["status", "decline_reason", "responded_at"])
        if assignment.second_opinion_id is not None:
            # A second opinion declined goes back to whoever asked for it, not to the
            # next expert: they choose whom to ask instead.
            _decline_second_opinion(assignment, actor=actor, source=source)
            return assignment
        record(
            actor=actor,
            verb="consultations.declined",
            obj=consultation,
            details={"reason": assignment.decline_reason, "source": source},
        )
        if not consultation.assignments.filter(status=AssignmentStatus.ACCEPTED).exists():
            if consultation.status == ConsultationStatus.ACCEPTED:
                consultation.status = ConsultationStatus.SUBMITTED
                consultation.save(update_fields=["status"])
            offer_to_next_expert(consultation, assigned_by=None)
    return assignment


def post_message(
    *,
    actor: User,
    consultation: Consultation,
    body: str,
    files: Sequence[Upload] = (),
    source: str = MessageSource.WEB,
    email_message_id: str | None = None,
    sender_verified: bool = True,
) -> Message:
    side = side_of(actor, consultation)
    if side not in (Side.REQUESTER, Side.EXPERT):
        raise PermissionDenied
    if not body.strip() and not files:
        raise ValidationError({"body": [_("Write a message or attach a file.")]})
    if consultation.status == ConsultationStatus.WITHDRAWN:
        raise ValidationError(_("This consultation was withdrawn."))
    if side == Side.REQUESTER:  # only the hospital's side knows the identifiers to leak
        free_text.check_free_text(
            consultation.patient, {"body": body, **_names(files)}, writer=actor
        )
    prepared = _prepare_all(files, consultation.patient.pseudonym)
    now = timezone.now()
    with transaction.atomic():
        _lock(consultation)
        if consultation.status == ConsultationStatus.WITHDRAWN:
            raise ValidationError(_("This consultation was withdrawn."))
        message = Message.objects.create(
            consultation=consultation,
            author=actor,
            body=body.strip(),
            source=source,
            created_at=now,
            email_message_id=email_message_id,
            sender_verified=sender_verified,
        )
        saved = [
            attachments.save(
                consultation=consultation, message=message, uploaded_by=actor, prepared=item
            )
            for item in prepared
        ]
        if side == Side.EXPERT:
            assignment = _active_assignment(actor, consultation)
            if assignment.status == AssignmentStatus.OFFERED:
                # Answering is accepting: experts should not have to click twice.
                accept(actor=actor, consultation=consultation, source=source)
            if consultation.first_reply_at is None and assignment.second_opinion_id is None:
                consultation.first_reply_at = now
                consultation.save(update_fields=["first_reply_at"])
        search_index.append_message(consultation.pk, message.body)
        activity.touch(consultation, actor=actor, kind=ActivityKind.MESSAGE, at=now)
        record(
            actor=actor,
            verb="consultations.message_posted",
            obj=consultation,
            details={"message": message.pk, "source": source, "attachments": len(prepared)},
        )
        notify.send(
            consultation,
            notify.participants(consultation),
            "message",
            exclude=actor,
            context={
                "message": message,
                "author": actor,
                "attachment_count": len(prepared),
                "attachments": saved,
            },
        )
    return message


def edit_message(*, actor: User, message: Message, body: str) -> Message:
    if message.author_id != actor.pk or side_of(actor, message.consultation) is None:
        raise PermissionDenied
    if not body.strip():
        raise ValidationError({"body": [_("A message cannot be emptied; write a correction.")]})
    if side_of(actor, message.consultation) == Side.REQUESTER:
        free_text.check_free_text(message.consultation.patient, {"body": body}, writer=actor)
    with transaction.atomic():
        MessageRevision.objects.create(message=message, body=message.body)
        message.body = body.strip()
        message.edited_at = timezone.now()
        message.save(update_fields=["body", "edited_at"])
        search_index.refresh("consultation", message.consultation_id)
        record(
            actor=actor,
            verb="consultations.message_edited",
            obj=message.consultation,
            details={"message": message.pk},
        )
    return message


def save_recommendation(
    *,
    actor: User,
    consultation: Consultation,
    fields: dict[str, str],
    finalise: bool,
    source: str = MessageSource.WEB,
    allow_board: bool = False,
) -> Recommendation:
    """Experts draft and finalise; a finalised recommendation is never edited. A tumour
    board's conclusion (allow_board) may be recorded by the requesting side's chair."""
    side = side_of(actor, consultation)
    if side != Side.EXPERT and not (allow_board and side is not None):
        raise PermissionDenied
    _check_recommendation_fields(fields, finalise=finalise)
    mine = consultation.assignments.filter(expert=actor, status__in=ACTIVE_ASSIGNMENT).first()
    if side == Side.EXPERT and mine is not None and mine.second_opinion_id is not None:
        return _save_second_opinion(
            actor=actor, assignment=mine, fields=fields, finalise=finalise, source=source
        )
    first = consultation.recommendations.filter(second_opinion__isnull=True)
    if first.filter(status=RecommendationStatus.FINAL).exists():
        raise ValidationError(_("A final recommendation has already been given."))
    if not consultation.is_open:
        raise ValidationError(_("This consultation is no longer open."))
    now = timezone.now()
    with transaction.atomic():
        _lock(consultation)
        if first.filter(status=RecommendationStatus.FINAL).exists():
            raise ValidationError(_("A final recommendation has already been given."))
        if not consultation.is_open:
            raise ValidationError(_("This consultation is no longer open."))
        draft = first.filter(author=actor, status=RecommendationStatus.DRAFT).first()
        recommendation = draft or Recommendation(consultation=consultation, author=actor)
        _write(recommendation, fields, finalise=finalise, source=source, now=now)
        if finalise:
            weeks = settings_for(consultation.partnership).follow_up_weeks
            consultation.status = ConsultationStatus.RECOMMENDED
            consultation.recommended_at = now
            consultation.follow_up_due_on = timezone.localdate() + datetime.timedelta(weeks=weeks)
            if consultation.first_reply_at is None:
                consultation.first_reply_at = now
            consultation.save(
                update_fields=["status", "recommended_at", "follow_up_due_on", "first_reply_at"]
            )
            # mine is None for a tumour board's conclusion recorded by the chair.
            _finalised(
                recommendation, consultation=consultation, actor=actor, assignment=mine, now=now
            )
        search_index.refresh("consultation", consultation.pk)
        record(
            actor=actor,
            verb="consultations.recommendation_finalised"
            if finalise
            else "consultations.recommendation_saved",
            obj=consultation,
            details={"recommendation": recommendation.pk, "source": source},
        )
    return recommendation


def _write(
    recommendation: Recommendation,
    fields: dict[str, str],
    *,
    finalise: bool,
    source: str,
    now: datetime.datetime,
) -> None:
    for name in RECOMMENDATION_FIELDS:
        setattr(recommendation, name, fields.get(name, "").strip())
    recommendation.source = source
    if finalise:
        recommendation.status = RecommendationStatus.FINAL
        recommendation.finalised_at = now
    recommendation.save()


def _finalised(
    recommendation: Recommendation,
    *,
    consultation: Consultation,
    actor: User,
    assignment: Assignment | None,
    now: datetime.datetime,
) -> None:
    """What a final recommendation, first or second opinion, sets going: an expert who
    answers without having clicked Accept has accepted (as when she posts a message), and
    the report and its mail go to the requesting team and every assigned expert."""
    if assignment is not None and assignment.status != AssignmentStatus.ACCEPTED:
        assignment.status = AssignmentStatus.ACCEPTED
        assignment.responded_at = now
        assignment.save(update_fields=["status", "responded_at"])
    activity.touch(consultation, actor=actor, kind=ActivityKind.RECOMMENDATION, at=now)
    from consilium.consultations.tasks import deliver_report

    enqueue_in_transaction(deliver_report, recommendation_id=recommendation.pk)


def _check_recommendation_fields(fields: dict[str, str], *, finalise: bool) -> None:
    unknown = set(fields) - set(RECOMMENDATION_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown recommendation fields: %s") % ", ".join(sorted(unknown)))
    if finalise and not any(
        fields.get(name, "").strip() for name in ("diagnostic_opinion", "recommended_treatment")
    ):
        raise ValidationError(
            {
                "recommended_treatment": [
                    _("A final recommendation needs an opinion or a treatment.")
                ]
            }
        )


# --------------------------------------------------------------------------- second opinion

# A second opinion may be asked while the case is discussed and after its first
# recommendation, until the outcome closes it.
SECOND_OPINION_STATUSES = (
    ConsultationStatus.SUBMITTED,
    ConsultationStatus.ACCEPTED,
    ConsultationStatus.RECOMMENDED,
)


def may_ask_second_opinion(actor: User, consultation: Consultation) -> bool:
    """The requesting team's clinicians (the asker among them), and the first opinion's
    expert once she has accepted."""
    side = side_of(actor, consultation)
    if side == Side.REQUESTER:
        clinician_at = institution_ids_with_role(actor, {Role.CLINICIAN})
        return consultation.requesting_institution_id in clinician_at
    if side == Side.EXPERT:
        return consultation.assignments.filter(
            expert=actor, status=AssignmentStatus.ACCEPTED, second_opinion__isnull=True
        ).exists()
    return False


def _check_second_opinion_state(consultation: Consultation) -> None:
    if consultation.status not in SECOND_OPINION_STATUSES:
        raise ValidationError(_("This consultation is closed: no second opinion can be asked."))
    if consultation.second_opinions.filter(status__in=OPEN_SECOND_OPINION).exists():
        raise ValidationError(
            _("A second opinion is already asked for in this consultation; wait for its answer.")
        )


def ask_second_opinion(
    *,
    actor: User,
    consultation: Consultation,
    expert_institution: Institution,
    question: str,
    expert: User | None = None,
) -> SecondOpinion:
    """Invite a second expert, of the same partner centre or of another active partner of
    the requesting institution, with her own assignment, clock and recommendation."""
    if not may_ask_second_opinion(actor, consultation):
        raise PermissionDenied
    _check_second_opinion_state(consultation)
    errors: dict[str, list[str]] = {}
    partnership = _telemedicine_partnership(consultation.requesting_institution, expert_institution)
    if partnership is None or expert_institution.pk == consultation.requesting_institution_id:
        errors["expert_institution"] = [
            _("There is no active partnership for case discussion with this institution.")
        ]
    in_it = set(
        consultation.assignments.filter(status__in=ACTIVE_ASSIGNMENT).values_list(
            "expert_id", flat=True
        )
    )
    if expert is not None and partnership is not None:
        if expert.pk in in_it or expert.pk == actor.pk:
            errors["expert"] = [_("This expert is already in this consultation; ask another.")]
        elif expert.pk not in {
            e.pk for e in candidates(consultation, institution=expert_institution)
        }:
            errors["expert"] = [_("This person is not an available expert of that centre.")]
    if not question.strip():
        errors["question"] = [_("Say what the second expert should look at.")]
    elif side_of(actor, consultation) == Side.REQUESTER:
        try:
            free_text.check_free_text(consultation.patient, {"question": question}, writer=actor)
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    if not errors and expert is None:
        tried = set(consultation.assignments.values_list("expert_id", flat=True))
        ranked = candidates(
            consultation, exclude=tried | {actor.pk}, institution=expert_institution
        )
        if not ranked:
            errors["expert_institution"] = [
                _("No expert of this centre is available now; choose another centre.")
            ]
        else:
            expert = ranked[0]
    if errors:
        raise ValidationError(errors)

    clocks = settings_for(partnership)
    urgent = consultation.urgency == Urgency.URGENT
    hours = clocks.urgent_reply_hours if urgent else clocks.routine_reply_hours
    now = timezone.now()
    with transaction.atomic():
        _lock(consultation)
        _check_second_opinion_state(consultation)
        second = SecondOpinion.objects.create(
            consultation=consultation,
            partnership=partnership,
            expert_institution=expert_institution,
            invited_by=actor,
            question=question.strip(),
            created_at=now,
            reply_due=now + datetime.timedelta(hours=hours),
        )
        Assignment.objects.create(
            consultation=consultation, second_opinion=second, expert=expert, assigned_by=actor
        )
        activity.touch(consultation, actor=actor, kind=ActivityKind.SECOND_OPINION, at=now)
        record(
            actor=actor,
            verb="consultations.second_opinion_asked",
            obj=consultation,
            institution_id=consultation.requesting_institution_id,
            details={
                "second_opinion": second.pk,
                "expert_institution": expert_institution.code,
                "expert": expert.email,
            },
        )
        notify.send(consultation, [expert], "second_opinion", context={"second_opinion": second})
    return second


def _accept_second_opinion(*, actor: User, consultation: Consultation, source: str) -> Assignment:
    with transaction.atomic():
        _lock(consultation)
        assignment = _active_assignment(actor, consultation)
        second = assignment.second_opinion
        if consultation.status not in SECOND_OPINION_STATUSES:
            raise ValidationError(_("This consultation is no longer open."))
        if assignment.status == AssignmentStatus.ACCEPTED:
            return assignment  # a second click, or a reply after accepting
        assignment.status = AssignmentStatus.ACCEPTED
        assignment.responded_at = timezone.now()
        assignment.save(update_fields=["status", "responded_at"])
        if second.status == SecondOpinionStatus.INVITED:
            second.status = SecondOpinionStatus.ACCEPTED
            second.save(update_fields=["status"])
        activity.touch(consultation, actor=actor, kind=ActivityKind.ACCEPTED)
        record(
            actor=actor,
            verb="consultations.second_opinion_accepted",
            obj=consultation,
            details={"second_opinion": second.pk, "source": source},
        )
        told = {u.pk: u for u in notify.followers(consultation)}
        told.setdefault(second.invited_by_id, second.invited_by)
        notify.send(
            consultation,
            told.values(),
            "accepted",
            context={"expert": actor, "expert_institution": second.expert_institution},
        )
    return assignment


def _decline_second_opinion(assignment: Assignment, *, actor: User, source: str) -> None:
    second = assignment.second_opinion
    second.status = SecondOpinionStatus.DECLINED
    second.answered_at = assignment.responded_at
    second.save(update_fields=["status", "answered_at"])
    record(
        actor=actor,
        verb="consultations.second_opinion_declined",
        obj=assignment.consultation,
        details={
            "second_opinion": second.pk,
            "reason": assignment.decline_reason,
            "source": source,
        },
    )
    notify.send(
        assignment.consultation,
        [second.invited_by],
        "second_opinion_declined",
        context={"second_opinion": second, "assignment": assignment, "expert": actor},
    )


def _save_second_opinion(
    *,
    actor: User,
    assignment: Assignment,
    fields: dict[str, str],
    finalise: bool,
    source: str,
) -> Recommendation:
    consultation = assignment.consultation
    now = timezone.now()
    with transaction.atomic():
        _lock(consultation)
        second = SecondOpinion.objects.select_for_update().get(pk=assignment.second_opinion_id)
        if second.recommendations.filter(status=RecommendationStatus.FINAL).exists():
            raise ValidationError(_("A final recommendation has already been given."))
        if not second.is_open:
            raise ValidationError(_("This second opinion is no longer asked for."))
        if consultation.status not in SECOND_OPINION_STATUSES:
            raise ValidationError(_("This consultation is no longer open."))
        draft = second.recommendations.filter(
            author=actor, status=RecommendationStatus.DRAFT
        ).first()
        recommendation = draft or Recommendation(
            consultation=consultation, author=actor, second_opinion=second
        )
        _write(recommendation, fields, finalise=finalise, source=source, now=now)
        if finalise:
            second.status = SecondOpinionStatus.GIVEN
            second.answered_at = now
            second.save(update_fields=["status", "answered_at"])
            _finalised(
                recommendation,
                consultation=consultation,
                actor=actor,
                assignment=assignment,
                now=now,
            )
        search_index.refresh("consultation", consultation.pk)
        record(
            actor=actor,
            verb="consultations.second_opinion_given"
            if finalise
            else "consultations.recommendation_saved",
            obj=consultation,
            details={
                "recommendation": recommendation.pk,
                "second_opinion": second.pk,
                "source": source,
            },
        )
    return recommendation


def withdraw_second_opinion(
    *, actor: User, consultation: Consultation, reason: str
) -> SecondOpinion:
    """Call off a second opinion not yet given (the question was answered meanwhile, or the
    wrong centre was asked): whoever may ask for one may withdraw it. The invited expert is
    told why and no longer sees the case; the consultation itself goes on."""
    if not may_ask_second_opinion(actor, consultation):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError(
            {"reason": [_("Say why you withdraw the request, so the expert knows.")]}
        )
    with transaction.atomic():
        _lock(consultation)
        second = (
            consultation.second_opinions.select_for_update()
            .filter(status__in=OPEN_SECOND_OPINION)
            .first()
        )
        if second is None:
            raise ValidationError(_("There is no second opinion waiting to be withdrawn."))
        active = second.assignments.filter(status__in=ACTIVE_ASSIGNMENT)
        experts = [a.expert for a in active.select_related("expert")]
        context = {"second_opinion": second, "actor": actor, "reason": reason.strip()[:300]}
        # Told while they still see the case (the mail is refused to those who no longer do),
        # with no button to a page that will be gone.
        notify.send(
            consultation,
            experts,
            "second_opinion_withdrawn",
            context={**context, "button": "none"},
        )
        if second.invited_by_id != actor.pk and second.invited_by_id not in {u.pk for u in experts}:
            notify.send(
                consultation, [second.invited_by], "second_opinion_withdrawn", context=context
            )
        active.update(status=AssignmentStatus.WITHDRAWN)
        second.status = SecondOpinionStatus.WITHDRAWN
        second.withdraw_reason = reason.strip()[:300]
        second.answered_at = timezone.now()
        second.save(update_fields=["status", "withdraw_reason", "answered_at"])
        activity.touch(consultation, actor=actor, kind=ActivityKind.SECOND_OPINION_WITHDRAWN)
        record(
            actor=actor,
            verb="consultations.second_opinion_withdrawn",
            obj=consultation,
            details={
                "second_opinion": second.pk,
                "experts": [u.email for u in experts],
                "reason": reason.strip()[:300],
            },
        )
    return second


def _end_open_second_opinions(consultation: Consultation) -> None:
    """A consultation withdrawn or closed takes its unanswered second opinion with it."""
    open_ones = consultation.second_opinions.filter(status__in=OPEN_SECOND_OPINION)
    Assignment.objects.filter(second_opinion__in=open_ones, status__in=ACTIVE_ASSIGNMENT).update(
        status=AssignmentStatus.WITHDRAWN
    )
    open_ones.update(status=SecondOpinionStatus.WITHDRAWN)


def answer_follow_up(
    *,
    actor: User,
    consultation: Consultation,
    adherence: str,
    reasons: Sequence[str] = (),
    note: str = "",
) -> FollowUpAnswer:
    if side_of(actor, consultation) != Side.REQUESTER:
        raise PermissionDenied
    errors: dict[str, list[str]] = {}
    if consultation.status != ConsultationStatus.RECOMMENDED:
        raise ValidationError(_("There is no recommendation waiting for its outcome."))
    if adherence not in Adherence.values:
        errors["adherence"] = [_("Say whether the recommendation was followed.")]
    bad = [r for r in reasons if r not in NonAdherenceReason.values]
    if bad:
        errors["reasons"] = [_("Unknown reason: %s") % ", ".join(bad)]
    if adherence in (Adherence.PARTLY, Adherence.NOT) and not reasons:
        errors["reasons"] = [_("Say why it was not fully followed.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _lock(consultation)
        if consultation.status != ConsultationStatus.RECOMMENDED:
            raise ValidationError(_("There is no recommendation waiting for its outcome."))
        answer = FollowUpAnswer.objects.create(
            consultation=consultation,
            adherence=adherence,
            reasons=list(reasons) if adherence != Adherence.FULLY else [],
            note=note.strip(),
            answered_by=actor,
        )
        consultation.status = ConsultationStatus.CLOSED
        consultation.save(update_fields=["status"])
        _end_open_second_opinions(consultation)
        search_index.set_status("consultation", consultation.pk, consultation.status)
        activity.touch(consultation, actor=actor, kind=ActivityKind.FOLLOW_UP)
        record(
            actor=actor,
            verb="consultations.follow_up_answered",
            obj=consultation,
            details={"adherence": adherence, "reasons": list(reasons)},
        )
        notify.send(
            consultation,
            notify.assigned_experts(consultation),
            "outcome",
            context={"answer": answer},
        )
    return answer


def withdraw(*, actor: User, consultation: Consultation, reason: str) -> Consultation:
    if side_of(actor, consultation) != Side.REQUESTER:
        raise PermissionDenied
    if not consultation.is_open:
        raise ValidationError(_("Only an open consultation can be withdrawn."))
    with transaction.atomic():
        _lock(consultation)
        if not consultation.is_open:
            raise ValidationError(_("Only an open consultation can be withdrawn."))
        consultation.status = ConsultationStatus.WITHDRAWN
        consultation.save(update_fields=["status"])
        _end_open_second_opinions(consultation)
        consultation.assignments.filter(status__in=ACTIVE_ASSIGNMENT).update(
            status=AssignmentStatus.WITHDRAWN
        )
        search_index.set_status("consultation", consultation.pk, consultation.status)
        activity.touch(consultation, actor=actor, kind=ActivityKind.WITHDRAWN)
        record(
            actor=actor,
            verb="consultations.withdrawn",
            obj=consultation,
            details={"reason": reason},
        )
    return consultation
