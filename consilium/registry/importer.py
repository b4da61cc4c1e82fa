"""CSV import of patients (one row per patient with the first diagnosis): all or nothing.

A row whose hospital number is registered already is compared with the registry
(`consilium.registry.keep_in_step`): unchanged rows are left, changed ones updated, so a
hospital's monthly re-export can be imported again. A preview (``apply=False``) stops after
the first pass and lists the new, changed and unchanged rows for the data manager to confirm.

The file is read twice, streaming, never whole into memory (an .xlsx is parsed once: the second
pass reads the patients' rows the first kept in a temporary file). The first pass checks every row
and collects every problem with its row and column, while the progress record is updated for
the page that watches it. Only a file without a single error gets the second pass, which
writes the rows in batches, a transaction each, checking each batch again for duplicates under
the lock its insert takes; if it cannot finish, the batches written are taken out again.

Rows are numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consilium.accounts.models import User
from consilium.audit.actions import record
from consilium.lib.db_statistics import analyze
from consilium.network.models import Institution
from consilium.registry import keep_in_step, repeated, survival_facts
from consilium.registry.bulk import insert
from consilium.registry.checks import Level
from consilium.registry.crypto import hospital_number_digest, name_birth_digest
from consilium.registry.models import (
    ConsentStatus,
    Diagnosis,
    ImportJob,
    ImportStatus,
    Laterality,
    Patient,
    PatientIdentity,
    QualityIssue,
    RiskGroup,
    Sex,
    VitalStatus,
)
from consilium.registry.rows import (
    Actor,
    diagnosis_row,
    identity_row,
    lock_numbering,
    message_text,
    next_pseudonym_number,
    patient_row,
)
from consilium.registry.sheets import PATIENTS, FileProblem, RowError, Workbook
from consilium.registry.sources import detect_file
from consilium.registry.toronto import TorontoTumour
from consilium.registry.validation import (
    Context,
    DiagnosisData,
    IdentityData,
    PatientData,
    check_diagnosis,
    check_patient_record,
)

COLUMNS = PATIENTS.columns
REQUIRED = PATIENTS.required
IDENTIFYING = frozenset({"hospital_number", "name", "birth_date", "address", "phone"})
IGNORED = PATIENTS.ignored
BATCH = 1000
MAX_STORED_ERRORS = 1000
MAX_LISTED_SKIPPED = 500
# The checks name their fields after DiagnosisFacts; the file names its columns.
_CHECK_FIELD_TO_COLUMN = {
    "site": "topography",
    "histology": "morphology",
    "event_dates": "diagnosis_date",
}
_SEX = {"m": Sex.MALE, "male": Sex.MALE, "f": Sex.FEMALE, "female": Sex.FEMALE}
_SEX |= {"u": Sex.UNKNOWN, "unknown": Sex.UNKNOWN}
_LIMITS = {"name": 200, "hospital_number": 40, "region": 100, "address": 300, "phone": 40}

# Django computes Choices.values anew on each access; a bulk import asks 100,000 times.
_CHOICES = {
    "ConsentStatus": list(ConsentStatus.values),
    "VitalStatus": list(VitalStatus.values),
    "Laterality": list(Laterality.values),
    "TorontoTumour": list(TorontoTumour.values),
    "RiskGroup": list(RiskGroup.values),
}

Progress = Callable[[str, int, int | None], None]


@dataclass
class Outcome:
    rows: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    # What the first pass keeps for the second, on disk (repeated.Kept): the events,
    # treatments and markers of the file by hospital number; the warnings of each row, so the
    # checks run once per row, and its lookup digests (name and birth date, hospital number),
    # worked out for the duplicate check and stored by the second pass (they cost as much as
    # a check), both while the file is error-free (it will be written). Closed by import_csv.
    kept: repeated.Kept | None = field(default=None, repr=False)
    # The patients sheet's label in the messages ("" for a lone CSV file).
    sheet: str = ""
    # Rows whose hospital number is registered: row number -> patient id (keep in step).
    matched: dict[int, int] = field(default_factory=dict)
    # Of those, the rows that differ from the registry, listed up to keep_in_step.MAX_LISTED.
    changes: list[keep_in_step.Change] = field(default_factory=list)
    changed: dict[int, list[str]] = field(default_factory=dict)  # row -> changed columns
    unchanged: int = 0
    updated: int = 0
    # Names an error by the file's own column when the file is a CanReg5 or REDCap export.
    located: Callable[[RowError], RowError] | None = None
    # The file as the first pass opened it, for the second pass (closed by import_csv).
    book: Workbook | None = field(default=None, repr=False)
    # Patient rows with a problem (their own, or a row of theirs in another sheet): what the
    # data manager may choose to leave out. The counts above are of the other rows.
    skipped: set[int] = field(default_factory=set)
    # A problem of the file as a whole (its header, a sheet, a broken quote after which
    # nothing more was read): no row can be trusted to be all there, none is imported.
    whole_file: bool = False
    # The second pass wrote the file (or its rows without problems).
    applied: bool = False
    # A FHIR Bundle (pseudonymised: the preview says what stands in for its identifiers).
    fhir: bool = False

    @property
    def new(self) -> int:
        return self.rows - len(self.matched) - len(self.skipped)

    def preview(self) -> dict:
        return {
            "new": self.new,
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "changes": [change.as_dict() for change in self.changes],
            "skipped": len(self.skipped),
            "skipped_rows": sorted(self.skipped)[:MAX_LISTED_SKIPPED],
            "fhir": self.fhir,
        }

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def skippable(self) -> bool:
        """The file has problems, all of them in rows that can be left out, and some rows
        without any: the data manager may choose to import those alone."""
        return not self.ok and not self.whole_file and self.rows > len(self.skipped)

    def add(self, error: RowError) -> None:
        self.error_count += 1
        if error.row < 2 or error.ends_file:
            self.whole_file = True
        if len(self.errors) < MAX_STORED_ERRORS:
            if self.located is not None:
                error = self.located(error)
            elif not error.sheet and self.sheet:
                error = replace(error, sheet=self.sheet)
            self.errors.append(error)


@dataclass(frozen=True)
class Row:
    number: int
    identity: IdentityData
    patient: PatientData
    diagnosis: DiagnosisData


# Parsing one row ----------------------------------------------------------------------------


class _RowParser:
    def __init__(self, number: int, values: dict[str, str]) -> None:
        self.number = number
        self.values = values
        self.errors: list[RowError] = []
        self.parsed_identity: tuple[str, datetime.date | None, str] = ("", None, "")

    def text(self, column: str) -> str:
        value = self.values.get(column, "").strip()
        limit = _LIMITS.get(column)
        if limit and len(value) > limit:
            self.fail(column, _("At most %(n)d characters.") % {"n": limit})
        return value

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def date(self, column: str) -> datetime.date | None:
        value = self.text(column)
        if not value:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            # The job keeps its list of problems: it must not repeat a date of birth.
            if column in IDENTIFYING:
                self.fail(column, _("This is not a date: write YYYY-MM-DD."))
            else:
                message = _("“%(value)s” is not a date: write YYYY-MM-DD.") % {"value": value}
                self.fail(column, message)
            return None

    def choice(self, column: str, allowed: list[str], default: str = "") -> str:
        value = self.text(column)
        if not value:
            return default
        if value in allowed:
            return value
        if value.lower() in allowed:
            return value.lower()
        self.fail(
            column,
            _("“%(value)s” is not one of: %(allowed)s.")
            % {"value": value, "allowed": ", ".join(allowed)},
        )
        return default

    def parse(self) -> Row | None:
        sex_text = self.text("sex").lower()
        sex = _SEX.get(sex_text, "")
        if sex_text and not sex:
            self.fail(
                "sex",
                _("“%(value)s” is not a sex: write male, female or unknown (or M, F, U).")
                % {"value": self.text("sex")[:20]},
            )
        birth_date = self.date("birth_date")
        if birth_date is None and "birth_date" not in {e.column for e in self.errors}:
            self.fail("birth_date", _("The date of birth is required."))
        name = self.text("name")
        if not name:
            self.fail("name", _("The name is required."))
        self.parsed_identity = (name, birth_date, self.values.get("hospital_number", "").strip())
        tier_text = self.text("stage_tier")
        tier = None
        if tier_text:
            if tier_text in ("1", "2"):
                tier = int(tier_text)
            else:
                self.fail("stage_tier", _("The Toronto tier is 1 or 2."))
        patient = PatientData(
            sex=sex or Sex.UNKNOWN,
            region=self.text("region"),
            consent_status=self.choice(
                "consent_status", _CHOICES["ConsentStatus"], ConsentStatus.UNKNOWN
            ),
            consent_date=self.date("consent_date"),
            consent_waiver_reason=self.text("consent_waiver_reason"),
            vital_status=self.choice("vital_status", _CHOICES["VitalStatus"], VitalStatus.ALIVE),
            last_contact=self.date("last_contact"),
        )
        diagnosis = DiagnosisData(
            date=self.date("diagnosis_date"),
            topography=self.text("topography"),
            morphology=self.text("morphology"),
            behaviour=self.text("behaviour"),
            basis_of_diagnosis=self.text("basis_of_diagnosis"),
            grade=self.text("grade"),
            laterality=self.choice("laterality", _CHOICES["Laterality"], Laterality.NOT_PAIRED),
            stage_tumour=self.choice("stage_tumour", _CHOICES["TorontoTumour"]),
            stage_tier=tier,
            stage_value=self.text("stage_value"),
            risk_group=self.choice("risk_group", _CHOICES["RiskGroup"]),
        ).normalised()
        if self.errors or birth_date is None:
            return None
        identity = IdentityData(
            name=name,
            birth_date=birth_date,
            hospital_number=self.text("hospital_number"),
            address=self.text("address"),
            phone=self.text("phone"),
        )
        return Row(self.number, identity, patient, diagnosis)


def _check(row: Row, today: datetime.date) -> list:
    context = Context(
        sex=row.patient.sex,
        birth_date=row.identity.birth_date,
        vital_status=row.patient.vital_status,
        last_contact=row.patient.last_contact,
    )
    return [
        *check_patient_record(row.patient, row.identity),
        *check_diagnosis(row.diagnosis, context, today),
    ]


def _column(check_field: str) -> str:
    return _CHECK_FIELD_TO_COLUMN.get(check_field, check_field)


# The two passes -----------------------------------------------------------------------------


def count_rows(path: Path) -> int:
    """Lines after the header, counted in binary chunks: cheap, and exact for files without
    line breaks inside quoted values (for progress only)."""
    lines = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def validate(
    path: Path,
    institution: Institution,
    *,
    today: datetime.date,
    progress: Progress | None = None,
    total: int | None = None,
    job: ImportJob | None = None,
    file_name: str = "",
) -> Outcome:
    outcome = Outcome()
    existing_names: dict[str, int] = {}
    existing_numbers: dict[str, int] = {}
    registered = PatientIdentity.objects.filter(patient__institution=institution)
    if job is not None and job.rows_imported:
        # Resumed: the rows this job wrote before its worker died are not duplicates.
        registered = registered.exclude(patient__import_job=job)
    for name_digest, number_digest, patient_id in registered.values_list(
        "name_birth_digest", "hospital_number_digest", "patient_id"
    ).iterator(chunk_size=5000):
        existing_names[name_digest] = patient_id
        if number_digest:
            existing_numbers[number_digest] = patient_id
    # Rows of registered patients waiting to be compared, a batch at a time.
    pending: list[tuple[Row, int]] = []
    seen_names: dict[str, int] = {}
    seen_numbers: dict[str, int] = {}
    seen: set[str] = set()
    book = None
    kept = outcome.kept = repeated.Kept()
    try:
        # The patients are read again by the second pass: an .xlsx keeps them, parsed.
        book = Workbook(path, file_name, detect=detect_file, keep=frozenset({"patients"}))
        outcome.book = book
        outcome.sheet = "" if book.single_file else "patients"
        outcome.fhir = book.kind == "fhir"
        if book.source is not None:
            outcome.located = book.located
        own_pseudonyms = _own_pseudonyms(book, institution)
        # The repeated rows first, so each patient's row is checked with its own.
        bad_numbers = repeated.read(book, outcome.add, today, kept)
        last = 0
        for number, values in book.records("patients"):
            if number != last:
                outcome.rows += 1
                last = number
            if isinstance(values, RowError):
                outcome.add(values)
                outcome.skipped.add(number)
                continue
            before = outcome.error_count
            parser = _RowParser(number, values)
            row = parser.parse()
            for error in parser.errors:
                outcome.add(error)
            hospital_number = parser.parsed_identity[2]
            if hospital_number:
                seen.add(hospital_number)
            if hospital_number in own_pseudonyms:
                outcome.add(
                    RowError(
                        number,
                        "hospital_number",
                        _(
                            "%(pseudonym)s is this registry's own patient: a FHIR Bundle carries "
                            "pseudonyms only, so it can fill another registry but cannot update "
                            "the one it came from. Keep this registry in step with its CSV or "
                            ".xlsx export instead."
                        )
                        % {"pseudonym": hospital_number},
                        outcome.sheet,
                    )
                )
                outcome.skipped.add(number)
                continue
            results = []
            if row is not None:
                repeated.check_patient(
                    kept.get(hospital_number, events_only=True) if hospital_number else None,
                    row=number,
                    sheet=outcome.sheet,
                    diagnosis_date=row.diagnosis.date,
                    vital_status=row.patient.vital_status,
                    last_contact=row.patient.last_contact,
                    add=outcome.add,
                )
                results = _check(row, today)
                for result in results:
                    if result.level == Level.ERROR:
                        outcome.add(RowError(number, _column(result.field), str(result.message)))
            # A row with other problems can still be a duplicate: say so in the same pass.
            digests, registered_id = _duplicates(
                number,
                parser.parsed_identity,
                outcome,
                (existing_names, existing_numbers),
                (seen_names, seen_numbers),
            )
            if row is None or outcome.error_count > before or hospital_number in bad_numbers:
                outcome.skipped.add(number)
            else:
                # What the second pass needs of a row it will write, kept on disk.
                warnings = [(r.code, r.level, r.field, message_text(r)) for r in results]
                kept.check(number, digests, warnings or None)
                if registered_id is not None:
                    outcome.matched[number] = registered_id
                    pending.append((row, registered_id))
                    if len(pending) >= BATCH:
                        _compare(pending, kept, outcome, institution)
            if progress and outcome.rows % BATCH == 0:
                progress("validating", outcome.rows, total)
        kept.unmatched(seen, outcome.add)
        _compare(pending, kept, outcome, institution)
    except FileProblem as problem:
        # A FHIR Bundle's problems come all at once (consilium.registry.fhir_in).
        for error in problem.errors:
            outcome.add(error)
        outcome.whole_file = True
    except BaseException:
        if book is not None:
            book.close()
        kept.close()
        raise
    if progress:
        progress("validating", outcome.rows, total)
    return outcome


def _own_pseudonyms(book: Workbook, institution: Institution) -> set[str]:
    """The pseudonyms of this institution's own patients that a FHIR Bundle names: its rows
    stand for patients by pseudonym (consilium.registry.fhir_in), which would come back as
    new children under a hospital number that is really their pseudonym."""
    if book.kind != "fhir":
        return set()
    named = [
        values["hospital_number"]
        for _, values in book.bundle.get("patients", [])
        if isinstance(values, dict) and values.get("hospital_number")
    ]
    return set(
        Patient.objects.filter(institution=institution, pseudonym__in=named).values_list(
            "pseudonym", flat=True
        )
    )


def _compare(
    pending: list[tuple[Row, int]], kept: repeated.Kept, outcome: Outcome, institution: Institution
) -> None:
    if not pending:
        return
    extras = kept.many(row.identity.hospital_number for row, _pk in pending)
    changes, unchanged = keep_in_step.compare(pending, extras, institution)
    outcome.unchanged += unchanged
    for change in changes:
        outcome.changed[change.row] = [f[0] for f in change.fields]
        if len(outcome.changes) < keep_in_step.MAX_LISTED:
            outcome.changes.append(change)
    pending.clear()


def _duplicates(
    number: int,
    identity: tuple[str, datetime.date | None, str],
    outcome: Outcome,
    existing: tuple[dict[str, int], dict[str, int]],
    seen: tuple[dict[str, int], dict[str, int]],
) -> tuple[tuple[str, str], int | None]:
    """Flag the row if it repeats an earlier row, or a registered patient other than the one
    its hospital number names; its two digests, and the registered patient it names."""
    name, birth_date, hospital_number = identity
    checks = []
    name_digest = ""
    # The messages are translated only for a row they are said of (gettext on every row of
    # 100,000 was seconds of the import).
    if name and birth_date is not None:
        name_digest = name_birth_digest(name, birth_date)
        checks.append(
            (
                0,
                "name",
                name_digest,
                lambda: _("A patient with this name and date of birth is already registered."),
                lambda: _("Same name and date of birth as row %(row)d."),
            )
        )
    number_digest = hospital_number_digest(hospital_number)
    # The hospital number names the registered patient the row keeps in step.
    registered_id = existing[1].get(number_digest) if number_digest else None
    if digest := number_digest:
        checks.append(
            (
                1,
                "hospital_number",
                digest,
                lambda: _("This hospital number is already registered."),
                lambda: _("Same hospital number as row %(row)d."),
            )
        )
    for kind, column, digest, registered, again in checks:
        if digest in seen[kind]:
            outcome.add(RowError(number, column, again() % {"row": seen[kind][digest]}))
            continue
        seen[kind][digest] = number
        if kind == 0 and digest in existing[0] and existing[0][digest] != registered_id:
            # Another registered child (or one with another hospital number) has this name
            # and date of birth.
            outcome.add(RowError(number, column, registered()))
    return (name_digest, number_digest), registered_id


def _rows(book: Workbook, skipped: set[int]) -> Iterator[Row]:
    for number, values in book.records("patients"):
        if number in skipped:
            continue
        if isinstance(values, RowError):
            raise ValueError(f"row {number} changed since it was validated")
        row = _RowParser(number, values).parse()
        if row is None:
            raise ValueError(f"row {number} changed since it was validated")
        yield row


class RegisteredMeanwhile(Exception):
    """Rows of the file that another import or a registration wrote after this file was
    checked: found under the numbering lock, with the write they would have joined."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} rows registered meanwhile")
        self.errors = errors


def write(
    book: Workbook,
    institution: Institution,
    *,
    actor: Actor,
    job: ImportJob,
    progress: Progress | None = None,
    total: int | None = None,
    skip: int = 0,
    kept: repeated.Kept | None = None,
    matched: dict[int, int] | None = None,
    changed: dict[int, list[str]] | None = None,
    skipped: set[int] | None = None,
) -> tuple[int, int]:
    """Second pass, a transaction per batch of BATCH rows, so SQLite's single write lock is
    held a fraction of a second at a time and a sign-in or a mail waits for one batch, not
    for the whole file (a 200,000-row file held it ~29 s in one transaction).

    Each batch checks its rows against the registry again under the numbering lock that its
    insert holds: the first pass read the registry without it, and two imports of one file
    (two workers) or a registration in between would otherwise both pass. Each batch also
    commits how many rows are written, so a worker that dies resumes after them (``skip``).
    If anything stops the write, the rows written so far are taken out again
    (`consilium.registry.import_jobs.undo`): an import lands whole or not at all.

    Rows of registered patients (``matched``) are not inserted: the changed ones among them
    are updated after the new rows, in one transaction. The rows the data manager chose to
    leave out (``skipped``, found with problems by the first pass) are passed over. Returns
    (written, updated)."""
    from consilium.registry.import_jobs import undo

    written = skip
    own_kept = kept is None
    kept = kept or repeated.Kept()
    matched = matched or {}
    changed = changed or {}
    updates: list[tuple[Row, int, list[str]]] = []
    if progress:
        progress("saving", written, total)
    try:
        batch: list[Row] = []
        for row in _rows(book, skipped or set()):
            if row.number in matched:
                if row.number in changed:
                    updates.append((row, matched[row.number], changed[row.number]))
                continue
            if skip:
                skip -= 1
                continue
            batch.append(row)
            if len(batch) >= BATCH:
                written = _commit_batch(batch, institution, actor, job, written, kept)
                batch = []
                if progress:
                    progress("saving", written, total)
        if batch:
            written = _commit_batch(batch, institution, actor, job, written, kept)
        with transaction.atomic():
            if updates:
                keep_in_step.apply(
                    updates,
                    kept.many(row.identity.hospital_number for row, _pk, _columns in updates),
                    institution=institution,
                    actor=actor,
                    job=job,
                    warnings=kept.checked(row.number for row, _pk, _columns in updates)[1],
                )
            record(
                actor=actor,
                actor_label="" if actor is not None else "consilium import-registry",
                verb="registry.import_completed",
                obj=job,
                institution_id=institution.pk,
                details={
                    "patients": written,
                    "updated": len(updates),
                    "rows_left_out": len(skipped or ()),
                },
            )
    except BaseException:
        undo(job)
        raise
    finally:
        if own_kept:
            kept.close()
    if updates:
        keep_in_step.refresh_search([pk for _row, pk, _columns in updates])
    if progress:
        progress("saving", written, total)
    return written, len(updates)


def _commit_batch(
    batch: list[Row],
    institution: Institution,
    actor: Actor,
    job: ImportJob,
    written: int,
    kept: repeated.Kept,
) -> int:
    digests, warnings = kept.checked(row.number for row in batch)
    extras = kept.many(row.identity.hospital_number for row in batch)
    with transaction.atomic():
        lock_numbering(institution)
        clashes = _registered_meanwhile(batch, institution, digests)
        if clashes:
            raise RegisteredMeanwhile(clashes)
        _write_batch(batch, institution, actor, job, warnings, digests, extras)
        written += len(batch)
        # Committed with the patients: a worker that dies after this batch resumes after it.
        ImportJob.objects.filter(pk=job.pk).update(rows_imported=written)
    return written


def _registered_meanwhile(
    batch: list[Row], institution: Institution, digests: dict[int, tuple[str, str]]
) -> list[RowError]:
    by_name: dict[str, int] = {}
    by_number: dict[str, int] = {}
    for row in batch:
        name_digest, number_digest = digests.get(row.number) or (
            name_birth_digest(row.identity.name, row.identity.birth_date),
            hospital_number_digest(row.identity.hospital_number),
        )
        by_name[name_digest] = row.number
        if number_digest:
            by_number[number_digest] = row.number
    found = PatientIdentity.objects.filter(patient__institution=institution).filter(
        Q(name_birth_digest__in=list(by_name)) | Q(hospital_number_digest__in=list(by_number))
    )
    errors = []
    for name_digest, number_digest in found.values_list(
        "name_birth_digest", "hospital_number_digest"
    ):
        if name_digest in by_name:
            errors.append(
                RowError(
                    by_name[name_digest],
                    "name",
                    _("A patient with this name and date of birth is already registered."),
                )
            )
        if number_digest and number_digest in by_number:
            errors.append(
                RowError(
                    by_number[number_digest],
                    "hospital_number",
                    _("This hospital number is already registered."),
                )
            )
    return sorted(set(errors), key=lambda e: (e.row, e.column))


def _write_batch(
    batch: list[Row],
    institution: Institution,
    actor: Actor,
    job: ImportJob,
    warnings: dict[int, list[tuple[str, str, str, str]]],
    digests: dict[int, tuple[str, str]],
    extras: dict[str, repeated.Extras],
) -> None:
    # Read again in each batch: the lock was let go in between, and a registration may have
    # taken the next number.
    numbers: dict[int, int] = {}
    patients = []
    diagnoses = []
    created_at = timezone.now()
    for row in batch:
        assert row.diagnosis.date is not None
        year = row.diagnosis.date.year
        if year not in numbers:
            numbers[year] = next_pseudonym_number(institution, year)
        patient = patient_row(
            institution=institution,
            year=year,
            number=numbers[year],
            patient=row.patient,
            birth_date=row.identity.birth_date,
            actor=actor,
            import_job=job,
        )
        diagnosis = diagnosis_row(patient, row.diagnosis, row.identity.birth_date)
        patient.created_at = diagnosis.created_at = created_at
        # The inserts bypass the actions: the survival facts are written with the row.
        for name, value in survival_facts.facts_of_first_diagnosis(
            diagnosis, patient.last_contact
        ).items():
            setattr(patient, name, value)
        if row.identity.hospital_number in extras:
            for name, value in repeated.survival_dates(
                extras[row.identity.hospital_number]
            ).items():
                setattr(patient, name, value)
                day = name.replace("_date", "_day")
                setattr(patient, day, (value - diagnosis.date).days if value else None)
        patients.append(patient)
        diagnoses.append(diagnosis)
        numbers[year] += 1
    # The institution's numbering lock is held: the pseudonyms are ours alone, and the new
    # patients are those of the institution above the largest id before the insert.
    first_new = (Patient.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    insert(patients)
    ids = dict(
        Patient.objects.filter(institution=institution, pk__gte=first_new).values_list(
            "pseudonym", "pk"
        )
    )
    for patient in patients:
        patient.pk = ids[patient.pseudonym]
    insert(
        [
            identity_row(p, row.identity, digests=digests.get(row.number))
            for p, row in zip(patients, batch, strict=True)
        ]
    )
    for patient, diagnosis in zip(patients, diagnoses, strict=True):
        diagnosis.patient = patient  # built before the patient had its id
    first_diagnosis = (
        Diagnosis.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ) + 1
    insert(diagnoses)
    diagnosis_ids = {}
    with_extras = [
        (p, extras[row.identity.hospital_number])
        for p, row in zip(patients, batch, strict=True)
        if row.identity.hospital_number in extras
    ]
    if with_extras or any(row.number in warnings for row in batch):
        diagnosis_ids = dict(
            Diagnosis.objects.filter(
                pk__gte=first_diagnosis, patient__institution=institution
            ).values_list("patient_id", "pk")
        )
    insert(
        [
            QualityIssue(
                patient_id=p.pk,
                diagnosis_id=diagnosis_ids[p.pk],
                code=code,
                level=level,
                field=name,
                message=message,
            )
            for p, row in zip(patients, batch, strict=True)
            for code, level, name, message in warnings.get(row.number, ())
        ]
    )
    events, treatments, markers = [], [], []
    for patient, found in with_extras:
        more = repeated.rows_for(found, patient.pk, diagnosis_ids[patient.pk])
        events += more[0]
        treatments += more[1]
        markers += more[2]
    for rows in (events, treatments, markers):
        insert(rows)


def import_csv(
    path: Path,
    institution: Institution,
    *,
    actor: Actor,
    job: ImportJob | None = None,
    progress: Progress | None = None,
    today: datetime.date | None = None,
    apply: bool = True,
    skip_problems: bool = False,
) -> Outcome:
    """Validate, then (only if nothing is wrong, and ``apply``) write; without ``apply`` the
    outcome is the preview. With ``skip_problems`` (the data manager's explicit choice) a file
    whose problems are all in rows that can be left out is written without those rows.
    Messages are in the language active when called; a task has none, so the installation's
    is used.

    A job that has rows written already (its worker died half-way) resumes after them. Without
    a job, one is made and finished here: the write needs it to mark its patients."""
    own_job = job is None
    if job is None:
        job = ImportJob.objects.create(
            institution=institution,
            created_by=actor if isinstance(actor, User) else None,
            file_name=path.name[:200],
        )
    today = today or timezone.localdate()
    total = count_rows(path)
    language = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        outcome = validate(
            path,
            institution,
            today=today,
            progress=progress,
            total=total,
            job=job,
            file_name=job.file_name,
        )
        try:
            if apply and (outcome.ok or (skip_problems and outcome.skippable)):
                try:
                    assert outcome.book is not None  # a file it could open
                    outcome.imported, outcome.updated = write(
                        outcome.book,
                        institution,
                        actor=actor,
                        job=job,
                        progress=progress,
                        total=outcome.rows,
                        skip=job.rows_imported,
                        kept=outcome.kept,
                        matched=outcome.matched,
                        changed=outcome.changed,
                        skipped=outcome.skipped,
                    )
                except RegisteredMeanwhile as clash:
                    for error in clash.errors:
                        outcome.add(error)
                    outcome.whole_file = True  # found after the file's own checks
                else:
                    outcome.applied = True
                    _refresh_statistics()
        finally:
            if outcome.book is not None:
                outcome.book.close()
            if outcome.kept is not None:
                outcome.kept.close()
    if own_job:
        job.rows_total = job.rows_done = outcome.rows
        job.rows_imported = outcome.imported
        job.errors = [error.as_dict() for error in outcome.errors]
        job.error_count = outcome.error_count
        done = outcome.applied or (outcome.ok and not apply)
        job.status = ImportStatus.DONE if done else ImportStatus.FAILED
        job.finished_at = timezone.now()
        job.save()
    return outcome


def _refresh_statistics() -> None:
    """After a large import the planner needs fresh statistics to pick the right index for the
    list's filters; PostgreSQL's autovacuum would get there, but only minutes later (or never,
    where it is turned off). VACUUM too on PostgreSQL (outside a transaction: a test's runs
    ANALYZE alone): the list's count and deep pages walk the keys of up to 100,000 patients,
    and EXPLAIN showed 45,000 heap fetches for page 900 before it."""
    analyze(connection, [m._meta.db_table for m in (Patient, PatientIdentity, Diagnosis)])
