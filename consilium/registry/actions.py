"""Every change to the registry: one transaction each, with its audit entry.

Audit details never carry an identifier (the log is read by admins who may not see them)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.lib.enqueue import enqueue_in_transaction
from consilium.network.models import Institution
from consilium.registry.checks import CheckResult, Level
from consilium.registry.crypto import hospital_number_digest, name_birth_digest
from consilium.registry.models import (
    DeathCause,
    Diagnosis,
    EventKind,
    FollowUpEvent,
    ImportJob,
    ImportStatus,
    MolecularMarker,
    Patient,
    PatientIdentity,
    QualityIssue,
    Treatment,
    VitalStatus,
)
from consilium.registry.rows import (  # noqa: F401 (the actions' names for them)
    DERIVED_DIAGNOSIS_FIELDS,
    DIAGNOSIS_FIELDS,
    Actor,
    diagnosis_row,
    identity_row,
    lock_numbering,
    message_text,
    next_pseudonym_number,
    patient_row,
    pseudonym,
)
from consilium.registry.survival_facts import refresh_survival_facts
from consilium.registry.validation import (
    ChecksFailed,
    Context,
    DiagnosisData,
    IdentityData,
    PatientData,
    age_in_years,
    check_diagnosis,
    check_patient_record,
    check_treatment,
)
from consilium.search import index as search_index


class PossibleDuplicate(Exception):
    """The institution already has a patient with the same name and date of birth, or the
    same hospital number; saving again needs the user's confirmation."""

    def __init__(self, patients: list[Patient]) -> None:
        super().__init__(", ".join(p.pseudonym for p in patients))
        self.patients = patients


def _today() -> datetime.date:
    return timezone.localdate()


def _raise_on_errors(results: list[CheckResult]) -> None:
    if any(result.level == Level.ERROR for result in results):
        raise ChecksFailed(results)


def _refuse_taken_hospital_number(identity: IdentityData, duplicates: list[Patient]) -> None:
    """A hospital number names one child at its hospital (the database refuses a second
    one): a match on it cannot be confirmed away, unlike a match on name and birth date."""
    number = hospital_number_digest(identity.hospital_number)
    if not number:
        return
    taken = [p for p in duplicates if p.identity.hospital_number_digest == number]
    if taken:
        message = _(
            "This hospital number is already registered at this institution, to %(pseudonyms)s."
        ) % {"pseudonyms": ", ".join(p.pseudonym for p in taken)}
        raise ChecksFailed(
            [CheckResult("hospital_number_taken", Level.ERROR, message, "hospital_number")]
        )


def likely_duplicates(
    *, institution: Institution, identity: IdentityData, exclude: Patient | None = None
) -> list[Patient]:
    match = Q(identity__name_birth_digest=name_birth_digest(identity.name, identity.birth_date))
    if number := hospital_number_digest(identity.hospital_number):
        match |= Q(identity__hospital_number_digest=number)
    found = Patient.objects.filter(match, institution=institution).select_related("identity")
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    return list(found.order_by("pk")[:5])


def issues_for(
    patient: Patient, diagnosis: Diagnosis | None, results: Iterable[CheckResult]
) -> list[QualityIssue]:
    return [
        QualityIssue(
            patient=patient,
            diagnosis=diagnosis,
            code=result.code,
            level=result.level,
            field=result.field,
            message=message_text(result),
        )
        for result in results
        if result.level != Level.OK
    ]


def check_new_patient(
    *,
    identity: IdentityData,
    patient: PatientData,
    diagnosis: DiagnosisData,
    today: datetime.date | None = None,
) -> list[CheckResult]:
    context = Context(
        sex=patient.sex,
        birth_date=identity.birth_date,
        vital_status=patient.vital_status,
        last_contact=patient.last_contact,
    )
    return [
        *check_patient_record(patient, identity),
        *check_diagnosis(diagnosis, context, today or _today()),
    ]


def register_patient(
    *,
    actor: Actor,
    institution: Institution,
    identity: IdentityData,
    patient: PatientData,
    diagnosis: DiagnosisData,
    confirm_duplicate: bool = False,
    request: HttpRequest | None = None,
) -> Patient:
    """A new patient with the first diagnosis. Raises ChecksFailed or PossibleDuplicate."""
    diagnosis = diagnosis.normalised()
    results = check_new_patient(identity=identity, patient=patient, diagnosis=diagnosis)
    _raise_on_errors(results)
    assert diagnosis.date is not None  # core_missing is an error
    with transaction.atomic():
        # The check and the write under one lock, else two tabs submitting the same child
        # both find no duplicate and both register it.
        lock_numbering(institution)
        duplicates = likely_duplicates(institution=institution, identity=identity)
        _refuse_taken_hospital_number(identity, duplicates)
        if duplicates and not confirm_duplicate:
            raise PossibleDuplicate(duplicates)
        year = diagnosis.date.year
        row = patient_row(
            institution=institution,
            year=year,
            number=next_pseudonym_number(institution, year),
            patient=patient,
            birth_date=identity.birth_date,
            actor=actor,
        )
        row.save()
        identity_row(row, identity).save()
        diag = diagnosis_row(row, diagnosis, identity.birth_date)
        diag.save()
        refresh_survival_facts(row)
        QualityIssue.objects.bulk_create(issues_for(row, diag, results))
        search_index.refresh("patient", row.pk)
        record(
            actor=actor,
            verb="registry.patient_registered",
            obj=row,
            institution_id=institution.pk,
            details={
                "pseudonym": row.pseudonym,
                "duplicate_confirmed": bool(duplicates),
                "possible_duplicates": [p.pseudonym for p in duplicates],
            },
            request=request,
        )
    return row


def update_identity(
    *,
    actor: Actor,
    patient: Patient,
    identity: IdentityData,
    confirm_duplicate: bool = False,
    request: HttpRequest | None = None,
) -> PatientIdentity:
    if not identity.name.strip():
        _raise_on_errors(
            [CheckResult("name_missing", Level.ERROR, _("The name is required."), "name")]
        )
    with transaction.atomic():
        lock_numbering(patient.institution)
        duplicates = likely_duplicates(
            institution=patient.institution, identity=identity, exclude=patient
        )
        _refuse_taken_hospital_number(identity, duplicates)
        if duplicates and not confirm_duplicate:
            raise PossibleDuplicate(duplicates)
        row = identity_row(patient, identity)
        row.save()
        Patient.objects.filter(pk=patient.pk).update(
            birth_year=identity.birth_date.year, birth_month=identity.birth_date.month
        )
        for diag in Diagnosis.objects.filter(patient=patient):
            diag.age_at_diagnosis = age_in_years(identity.birth_date, diag.date)
            diag.save(update_fields=["age_at_diagnosis"])
        refresh_issues(patient)
        search_index.refresh("patient", patient.pk)
        record(
            actor=actor,
            verb="registry.identity_changed",
            obj=patient,
            institution_id=patient.institution_id,
            details={"pseudonym": patient.pseudonym},
            request=request,
        )
    return row


def _birth_date(patient: Patient) -> datetime.date | None:
    identity = PatientIdentity.objects.filter(patient=patient).first()
    return identity.birth_date if identity else None


def _context(patient: Patient) -> Context:
    return Context(
        sex=patient.sex,
        birth_date=_birth_date(patient),
        vital_status=patient.vital_status,
        last_contact=patient.last_contact,
        event_dates=tuple(sorted(patient.events.values_list("date", flat=True))),
    )


def _data_of(diagnosis: Diagnosis) -> DiagnosisData:
    return DiagnosisData(
        date=diagnosis.date,
        topography=diagnosis.topography,
        morphology=diagnosis.morphology,
        behaviour=diagnosis.behaviour,
        basis_of_diagnosis=diagnosis.basis_of_diagnosis,
        grade=diagnosis.grade,
        laterality=diagnosis.laterality,
        stage_tumour=diagnosis.stage_tumour,
        stage_tier=diagnosis.stage_tier,
        stage_value=diagnosis.stage_value,
        risk_group=diagnosis.risk_group,
    )


def check_existing(
    patient: Patient, context: Context | None = None, today: datetime.date | None = None
) -> list[tuple[Diagnosis, list[CheckResult]]]:
    """The checks of every diagnosis of a patient as it is stored now."""
    context = context or _context(patient)
    return [
        (diag, check_diagnosis(_data_of(diag), context, today or _today()))
        for diag in patient.diagnoses.all()
    ]


def replace_issues(
    patient: Patient,
    found: list[tuple[Diagnosis, list[CheckResult]]],
    existing: list[QualityIssue],
) -> tuple[list[int], list[QualityIssue]]:
    """Which open issues to delete and which to add so the stored issues match ``found``.

    A confirmed warning stays confirmed as long as the check still finds it."""
    confirmed = {(i.diagnosis_id, i.code) for i in existing if i.confirmed_at is not None}
    still = {(diag.pk, r.code) for diag, results in found for r in results}
    stale = [
        i.pk for i in existing if i.confirmed_at is None or (i.diagnosis_id, i.code) not in still
    ]
    new = [
        issue
        for diag, results in found
        for issue in issues_for(patient, diag, results)
        if (diag.pk, issue.code) not in confirmed
    ]
    return stale, new


def refresh_issues(patient: Patient, today: datetime.date | None = None) -> None:
    stale, new = replace_issues(
        patient, check_existing(patient, today=today), list(patient.issues.all())
    )
    QualityIssue.objects.filter(pk__in=stale).delete()
    QualityIssue.objects.bulk_create(new)


def add_diagnosis(
    *,
    actor: Actor,
    patient: Patient,
    diagnosis: DiagnosisData,
    request: HttpRequest | None = None,
) -> Diagnosis:
    """Another primary tumour of a registered patient."""
    diagnosis = diagnosis.normalised()
    context = _context(patient)
    results = check_diagnosis(diagnosis, context, _today())
    _raise_on_errors(results)
    with transaction.atomic():
        diag = diagnosis_row(patient, diagnosis, context.birth_date)
        diag.save()
        refresh_survival_facts(patient)
        QualityIssue.objects.bulk_create(issues_for(patient, diag, results))
        search_index.refresh("patient", patient.pk)
        record(
            actor=actor,
            verb="registry.diagnosis_added",
            obj=diag,
            institution_id=patient.institution_id,
            details={"pseudonym": patient.pseudonym, "iccc": diag.iccc_recode},
            request=request,
        )
    return diag


def _changes(
    before: dict[str, object], row: object, fields: Iterable[str]
) -> dict[str, dict[str, object]]:
    """A correction's audit details: the values of the fields it changed, before and after."""
    changed = [name for name in fields if before[name] != getattr(row, name)]
    return {
        "before": {name: before[name] for name in changed},
        "after": {name: getattr(row, name) for name in changed},
    }


def update_diagnosis(
    *,
    actor: Actor,
    diagnosis: Diagnosis,
    data: DiagnosisData,
    request: HttpRequest | None = None,
) -> Diagnosis:
    """Correct a recorded diagnosis (codes, date, stage). The checks run on the corrected
    values with the patient's other records; an error refuses the correction and nothing
    changes. The ICCC-3 codes, the age, the patient's survival facts and its open
    data-quality issues are recomputed in the same transaction. (Patient.diagnosis_year stays
    the pseudonym's year, which the search by pseudonym relies on.)"""
    patient = diagnosis.patient
    data = data.normalised()
    context = _context(patient)
    results = check_diagnosis(data, context, _today())
    _raise_on_errors(results)
    corrected = diagnosis_row(patient, data, context.birth_date)
    before = {name: getattr(diagnosis, name) for name in DIAGNOSIS_FIELDS}
    with transaction.atomic():
        for name in (*DIAGNOSIS_FIELDS, *DERIVED_DIAGNOSIS_FIELDS):
            setattr(diagnosis, name, getattr(corrected, name))
        diagnosis.save(update_fields=[*DIAGNOSIS_FIELDS, *DERIVED_DIAGNOSIS_FIELDS])
        refresh_survival_facts(patient)
        refresh_issues(patient)
        search_index.refresh("patient", patient.pk)
        record(
            actor=actor,
            verb="registry.diagnosis_changed",
            obj=diagnosis,
            institution_id=patient.institution_id,
            details={
                "pseudonym": patient.pseudonym,
                **_changes(before, diagnosis, DIAGNOSIS_FIELDS),
            },
            request=request,
        )
    return diagnosis


def add_marker(
    *,
    actor: Actor,
    diagnosis: Diagnosis,
    marker: str,
    result: str,
    method: str,
    other_name: str = "",
    lab: str = "",
    date: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> MolecularMarker:
    problems = []
    if marker == "other" and not other_name.strip():
        problems.append(
            CheckResult("marker_name", Level.ERROR, _("Name the other marker."), "other_name")
        )
    if date is not None and date > _today():
        problems.append(
            CheckResult("date_in_future", Level.ERROR, _("The date is in the future."), "date")
        )
    _raise_on_errors(problems)
    with transaction.atomic():
        row = MolecularMarker.objects.create(
            diagnosis=diagnosis,
            marker=marker,
            other_name=other_name.strip(),
            result=result,
            method=method,
            lab=lab.strip(),
            date=date,
        )
        record(
            actor=actor,
            verb="registry.marker_added",
            obj=row,
            institution_id=diagnosis.patient.institution_id,
            details={"pseudonym": diagnosis.patient.pseudonym, "marker": marker},
            request=request,
        )
    return row


def add_treatment(
    *,
    actor: Actor,
    patient: Patient,
    start_date: datetime.date,
    modalities: list[str],
    diagnosis: Diagnosis | None = None,
    protocol_name: str = "",
    protocol_version: str = "",
    intent: str = "curative",
    end_date: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Treatment:
    _raise_on_errors(
        check_treatment(
            start_date=start_date, end_date=end_date, modalities=modalities, today=_today()
        )
    )
    with transaction.atomic():
        row = Treatment.objects.create(
            patient=patient,
            diagnosis=diagnosis,
            protocol_name=protocol_name.strip(),
            protocol_version=protocol_version.strip(),
            intent=intent,
            start_date=start_date,
            end_date=end_date,
            modalities=list(dict.fromkeys(modalities)),
        )
        record(
            actor=actor,
            verb="registry.treatment_added",
            obj=row,
            institution_id=patient.institution_id,
            details={"pseudonym": patient.pseudonym, "modalities": row.modalities},
            request=request,
        )
    return row


def _death_cause(kind: str, death_cause: str) -> str:
    """The cause to store with an event of ``kind``: required for a death, none otherwise."""
    if kind != EventKind.DEATH:
        return ""
    if death_cause not in DeathCause.values:
        _raise_on_errors(
            [
                CheckResult(
                    "death_cause", Level.ERROR, _("Record the cause of death."), "death_cause"
                )
            ]
        )
    return death_cause


def _check_follow_up(
    patient: Patient,
    *,
    event_dates: Iterable[datetime.date],
    vital_status: str,
    last_contact: datetime.date | None,
) -> None:
    """Run every diagnosis's checks against the follow-up as it would be after a change; an
    error (an event before a diagnosis, after the last contact, in the future) refuses it."""
    context = Context(
        sex=patient.sex,
        birth_date=_birth_date(patient),
        vital_status=vital_status,
        last_contact=last_contact,
        event_dates=tuple(sorted(event_dates)),
    )
    found = check_existing(patient, context)
    _raise_on_errors([r for _d, results in found for r in results])


def _save_follow_up(patient: Patient, *, last_contact: datetime.date | None, vital: str) -> None:
    """Store the patient's last contact and vital status, then what is derived from them:
    the survival facts (censoring is at the last contact, in days from diagnosis) and the
    open data-quality issues. Inside the caller's transaction."""
    patient.last_contact = last_contact
    patient.vital_status = vital
    patient.save(update_fields=["last_contact", "vital_status"])
    refresh_survival_facts(patient)
    refresh_issues(patient)


def record_event(
    *,
    actor: Actor,
    patient: Patient,
    kind: str,
    date: datetime.date,
    diagnosis: Diagnosis | None = None,
    death_cause: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> FollowUpEvent:
    """A follow-up event. It is also a contact; a death makes the patient dead."""
    death_cause = _death_cause(kind, death_cause)
    last_contact = max(filter(None, [patient.last_contact, date]))
    vital = VitalStatus.DEAD if kind == EventKind.DEATH else patient.vital_status
    _check_follow_up(
        patient,
        event_dates=[*patient.events.values_list("date", flat=True), date],
        vital_status=vital,
        last_contact=last_contact,
    )
    with transaction.atomic():
        row = FollowUpEvent.objects.create(
            patient=patient,
            diagnosis=diagnosis,
            kind=kind,
            date=date,
            death_cause=death_cause,
            note=note.strip(),
        )
        _save_follow_up(patient, last_contact=last_contact, vital=vital)
        search_index.refresh("patient", patient.pk)
        record(
            actor=actor,
            verb="registry.event_recorded",
            obj=row,
            institution_id=patient.institution_id,
            details={"pseudonym": patient.pseudonym, "kind": kind, "date": date},
            request=request,
        )
    return row


# What a correction of a follow-up event may change and its audit entry shows before and
# after (the note is free text, so the entry says only whether it changed).
EVENT_FIELDS = ("kind", "date", "death_cause")


def update_event(
    *,
    actor: Actor,
    event: FollowUpEvent,
    kind: str,
    date: datetime.date,
    death_cause: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> FollowUpEvent:
    """Correct a recorded follow-up event (its kind, date, cause of death or note).

    The checks run on the follow-up as it would be after the correction; an error refuses it
    and nothing changes. A later date moves the last contact on; an earlier one does not move
    it back, since the child may also have been seen that day (a contact corrects it). A
    death corrected to another event leaves the patient's vital status unknown unless another
    death is recorded: what it was before the mistake is not known, and the next contact
    states it. The survival facts and open data-quality issues are recomputed with it."""
    patient = event.patient
    death_cause = _death_cause(kind, death_cause)
    others = list(patient.events.exclude(pk=event.pk).values_list("kind", "date"))
    last_contact = max(filter(None, [patient.last_contact, date]))
    if kind == EventKind.DEATH or any(k == EventKind.DEATH for k, _d in others):
        vital = VitalStatus.DEAD
    elif event.kind == EventKind.DEATH:
        vital = VitalStatus.UNKNOWN
    else:
        vital = patient.vital_status
    _check_follow_up(
        patient,
        event_dates=[*(d for _k, d in others), date],
        vital_status=vital,
        last_contact=last_contact,
    )
    before = {name: getattr(event, name) for name in EVENT_FIELDS}
    note_changed = event.note != note.strip()
    with transaction.atomic():
        event.kind, event.date, event.death_cause = kind, date, death_cause
        event.note = note.strip()
        event.save(update_fields=[*EVENT_FIELDS, "note"])
        _save_follow_up(patient, last_contact=last_contact, vital=vital)
        search_index.refresh("patient", patient.pk)
        record(
            actor=actor,
            verb="registry.event_changed",
            obj=event,
            institution_id=patient.institution_id,
            details={
                "pseudonym": patient.pseudonym,
                **_changes(before, event, EVENT_FIELDS),
                "note_changed": note_changed,
            },
            request=request,
        )
    return event


def record_contact(
    *,
    actor: Actor,
    patient: Patient,
    date: datetime.date,
    vital_status: str,
    request: HttpRequest | None = None,
) -> Patient:
    """The child was seen (or news was had) on ``date``."""
    _check_follow_up(
        patient,
        event_dates=patient.events.values_list("date", flat=True),
        vital_status=vital_status,
        last_contact=date,
    )
    with transaction.atomic():
        _save_follow_up(patient, last_contact=date, vital=vital_status)
        record(
            actor=actor,
            verb="registry.contact_recorded",
            obj=patient,
            institution_id=patient.institution_id,
            details={"pseudonym": patient.pseudonym, "date": date, "vital_status": vital_status},
            request=request,
        )
    return patient


def update_consent(
    *,
    actor: Actor,
    patient: Patient,
    status: str,
    date: datetime.date | None,
    waiver_reason: str = "",
    request: HttpRequest | None = None,
) -> Patient:
    _raise_on_errors(
        check_patient_record(
            PatientData(
                consent_status=status, consent_date=date, consent_waiver_reason=waiver_reason
            ),
            None,
        )
    )
    with transaction.atomic():
        patient.consent_status = status
        patient.consent_date = date
        patient.consent_waiver_reason = waiver_reason.strip()
        patient.save(update_fields=["consent_status", "consent_date", "consent_waiver_reason"])
        record(
            actor=actor,
            verb="registry.consent_changed",
            obj=patient,
            institution_id=patient.institution_id,
            details={"pseudonym": patient.pseudonym, "status": status},
            request=request,
        )
    return patient


def confirm_issue(
    *, actor: Actor, issue: QualityIssue, request: HttpRequest | None = None
) -> QualityIssue:
    """A data manager has verified a warning: the rare combination is real."""
    if issue.level != Level.WARNING:
        raise ValueError("Only warnings can be confirmed; errors must be corrected.")
    with transaction.atomic():
        issue.confirmed_at = timezone.now()
        issue.confirmed_by = actor if isinstance(actor, User) else None
        issue.save(update_fields=["confirmed_at", "confirmed_by"])
        record(
            actor=actor,
            verb="registry.warning_confirmed",
            obj=issue.patient,
            institution_id=issue.patient.institution_id,
            details={"pseudonym": issue.patient.pseudonym, "check": issue.code},
            request=request,
        )
    return issue


def check_institution(
    *, actor: Actor, institution: Institution, today: datetime.date | None = None
) -> dict[str, int]:
    """Re-run every check on every diagnosis of ``institution`` and store what is found.

    Works in chunks with everything a chunk needs prefetched, so 100,000 patients cost a few
    hundred queries, not several per patient."""
    today = today or _today()
    counts = {"patients": 0, "errors": 0, "warnings": 0}
    patients = (
        Patient.objects.filter(institution=institution)
        .select_related("identity")
        .prefetch_related("diagnoses", "events", "issues")
        .order_by("pk")
    )
    stale: list[int] = []
    new: list[QualityIssue] = []

    def flush() -> None:
        QualityIssue.objects.filter(pk__in=stale).delete()
        QualityIssue.objects.bulk_create(new, batch_size=1000)
        stale.clear()
        new.clear()

    with transaction.atomic():
        for patient in patients.iterator(chunk_size=1000):
            identity = getattr(patient, "identity", None)
            context = Context(
                sex=patient.sex,
                birth_date=identity.birth_date if identity else None,
                vital_status=patient.vital_status,
                last_contact=patient.last_contact,
                event_dates=tuple(sorted(e.date for e in patient.events.all())),
            )
            found = check_existing(patient, context, today)
            for _diag, results in found:
                counts["errors"] += sum(r.level == Level.ERROR for r in results)
                counts["warnings"] += sum(r.level == Level.WARNING for r in results)
            gone, added = replace_issues(patient, found, list(patient.issues.all()))
            stale.extend(gone)
            new.extend(added)
            counts["patients"] += 1
            if len(new) + len(stale) >= 2000:
                flush()
        flush()
        record(
            actor=actor,
            verb="registry.checks_run",
            institution_id=institution.pk,
            details=counts,
        )
    return counts


def start_import(
    *,
    actor: Actor,
    institution: Institution,
    upload: UploadedFile,
    request: HttpRequest | None = None,
) -> ImportJob:
    """Keep the upload where the worker can read it and queue the import."""
    from consilium.registry.tasks import run_import

    folder = Path(settings.DATA_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    # The importer reads what the file is from its content (consilium.registry.sheets).
    path = folder / f"{uuid.uuid4().hex}.upload"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    path.chmod(0o600)
    with transaction.atomic():
        job = ImportJob.objects.create(
            institution=institution,
            created_by=actor if isinstance(actor, User) else None,
            file_name=Path(upload.name or "upload.csv").name[:200],
            path=str(path),
        )
        record(
            actor=actor,
            verb="registry.import_started",
            obj=job,
            institution_id=institution.pk,
            details={"file": job.file_name, "bytes": upload.size},
            request=request,
        )
        # The queue row commits with the job: a job is never left "queued" with no task.
        enqueue_in_transaction(run_import, job_id=job.pk)
    return job


class ImportNotWaiting(Exception):
    """The job is not waiting for a confirmation (confirmed, cancelled or expired already)."""


class ImportHasProblems(Exception):
    """The file has problems and the data manager did not choose to leave their rows out."""


def confirm_import(
    *,
    actor: Actor,
    job: ImportJob,
    skip_problems: bool = False,
    request: HttpRequest | None = None,
) -> None:
    """The data manager accepts the preview: the worker checks the file again and writes it
    (the registry may have changed in between; the same checks hold). A file with problems
    is written only when she chooses to leave out the rows that have them
    (``skip_problems``); rows found with problems at the write are left out too."""
    from consilium.registry.tasks import run_import

    with transaction.atomic():
        waiting = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEW)
        if not skip_problems and waiting.filter(error_count__gt=0).exists():
            raise ImportHasProblems(job.pk)
        taken = waiting.update(
            status=ImportStatus.QUEUED,
            confirmed_at=timezone.now(),
            rows_done=0,
            skips_problems=skip_problems,
        )
        if not taken:
            raise ImportNotWaiting(job.pk)
        record(
            actor=actor,
            verb="registry.import_confirmed",
            obj=job,
            institution_id=job.institution_id,
            details={
                "new": job.preview.get("new", 0),
                "changed": job.preview.get("changed", 0),
                "unchanged": job.preview.get("unchanged", 0),
                "rows_left_out": job.preview.get("skipped", 0) if skip_problems else 0,
            },
            request=request,
        )
        enqueue_in_transaction(run_import, job_id=job.pk)


def cancel_import(*, actor: Actor, job: ImportJob, request: HttpRequest | None = None) -> None:
    """The data manager drops the preview: nothing is written and the upload is deleted."""
    with transaction.atomic():
        taken = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PREVIEW).update(
            status=ImportStatus.CANCELLED, finished_at=timezone.now(), path=""
        )
        if not taken:
            raise ImportNotWaiting(job.pk)
        record(
            actor=actor,
            verb="registry.import_cancelled",
            obj=job,
            institution_id=job.institution_id,
            request=request,
        )
    if job.path:
        Path(job.path).unlink(missing_ok=True)
