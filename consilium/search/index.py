"""Keeping the search rows in step with what they describe.

Actions call `refresh(...)` inside their own transaction, so a row and its index entry commit
with the change or not at all; `rebuild()` makes every row anew (`consilium search-reindex`).
A row holds only what its kind's readers may be shown: a patient row carries the pseudonym and
diagnosis, never a name; names and hospital numbers go in as keyed digests."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, connections, transaction
from django.utils import timezone

from consilium.lib.db_statistics import analyze
from consilium.search.models import IdentifierToken, Kind, SearchDocument, SearchMatch
from consilium.search.text import index_text, words

log = logging.getLogger(__name__)

BODY_LIMIT = 20_000  # characters of body kept for snippets and indexing, per row
PDF_PAGES = 30


def _roman_subgroup(recode: str, main_group: str) -> str:
    """`041`, `IV` -> `IVa`: the subgroup as clinicians write it."""
    if len(recode) == 3 and recode[2].isdigit() and recode[2] != "0" and main_group:
        return main_group + "abcdefghij"[int(recode[2]) - 1]
    return main_group or ""


def diagnosis_terms(diagnosis) -> tuple[str, str]:
    """(words for the body, folded value of the `diagnosis:` filter) of one Diagnosis."""
    from consilium.registry.codes import display_site
    from consilium.registry.iccc import classify

    result = classify(diagnosis.topography, diagnosis.morphology, diagnosis.behaviour)
    group = diagnosis.iccc_main_group or ""
    sub = _roman_subgroup(diagnosis.iccc_recode or "", group)
    names = " ".join(
        n
        for n in (result.subgroup_name, result.extended_name, display_site(diagnosis.topography))
        if n
    )
    stage = " ".join(x for x in (diagnosis.stage_tumour, diagnosis.stage_value) if x)
    body = f"{group} {sub} {names} {stage} {diagnosis.topography} {diagnosis.morphology}"
    return body, index_text(group, sub, names)


def _first_diagnosis(patient):
    diagnoses = sorted(patient.diagnoses.all(), key=lambda d: (d.date, d.pk))
    return diagnoses[0] if diagnoses else None


def _save(kind: str, object_id: int, **fields: object) -> None:
    body = str(fields.get("body", ""))[:BODY_LIMIT]
    fields["body"] = body
    fields["words"] = index_text(str(fields["title"]), body)
    fields["title"] = str(fields["title"])[:300]
    for key in ("diagnosis", "centre"):
        fields[key] = str(fields.get(key, ""))[:300]
    SearchDocument.objects.update_or_create(
        kind=kind, object_id=object_id, defaults={**fields, "updated_at": timezone.now()}
    )


def remove(kind: str, object_id: int) -> None:
    SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()


# --------------------------------------------------------------------------- each kind
# Each kind has a loader (objects for a list of ids, with what the row needs fetched in a few
# queries) and a builder (the row's fields from one object). One path serves a single refresh
# in an action and the rebuild of a national registry.


def _load_consultations(ids: list[int]) -> list:
    from consilium.consultations.models import Consultation

    return list(
        Consultation.objects.filter(pk__in=ids)
        .select_related("patient", "requesting_institution", "expert_institution")
        .prefetch_related("messages", "recommendations", "patient__diagnoses")
    )


def _consultation_row(consultation) -> dict[str, object]:
    patient = consultation.patient
    diagnosis = _first_diagnosis(patient)
    diagnosis_body, diagnosis_filter = diagnosis_terms(diagnosis) if diagnosis else ("", "")
    question_lines = consultation.question.strip().splitlines() or [""]
    # The pseudonym and the question's first line are the title (indexed with the body), so
    # the snippet shows what the title does not.
    parts = [
        "\n".join(question_lines[1:]),
        consultation.specialty,
        consultation.history,
        consultation.examination,
        consultation.imaging,
        consultation.pathology,
        consultation.laboratory,
        consultation.treatment_so_far,
    ]
    parts += [m.body for m in consultation.messages.all()]
    for rec in consultation.recommendations.all():
        parts += [
            rec.diagnostic_opinion,
            rec.stage_risk_opinion,
            rec.recommended_treatment,
            rec.further_investigations,
            rec.local_feasibility,
        ]
    centres = [consultation.requesting_institution, consultation.expert_institution]
    return {
        "title": f"{patient.pseudonym} · {question_lines[0]}",
        "body": "\n".join(p for p in parts if p),
        # Indexed, not shown: the ICCC and ICD-O codes and terms made the snippet read
        # "IX IXa Rhabdomyosarcomas C69.6 8910" in place of the question's words.
        "terms": diagnosis_body,
        "diagnosis": diagnosis_filter,
        "centre": index_text(*(f"{c.code} {c.name} {c.local_name}" for c in centres)),
        "status": consultation.status,
        "year": consultation.created_at.year,
    }


def _load_patients(ids: list[int]) -> list:
    from consilium.registry.models import Patient

    return list(
        Patient.objects.filter(pk__in=ids)
        .select_related("institution", "identity")
        .prefetch_related("diagnoses")
    )


def _patient_row(patient) -> dict[str, object]:
    diagnosis = _first_diagnosis(patient)
    diagnosis_body, diagnosis_filter = diagnosis_terms(diagnosis) if diagnosis else ("", "")
    institution = patient.institution
    return {
        "title": patient.pseudonym,
        "body": f"{patient.pseudonym}\n{diagnosis_body}",
        "diagnosis": diagnosis_filter,
        "centre": index_text(institution.code, institution.name, institution.local_name),
        "status": patient.vital_status,
        "year": patient.diagnosis_year,
    }


def identifier_digests(patient) -> set[str]:
    """Digests of each folded word of the name, and of the hospital number."""
    from consilium.registry.crypto import hospital_number_digest, lookup_digest
    from consilium.registry.models import PatientIdentity

    try:
        identity = patient.identity
    except PatientIdentity.DoesNotExist:
        return set()
    digests = {lookup_digest(f"search-name:{word}") for word in words(identity.name or "")}
    number = identity.hospital_number_digest or (
        hospital_number_digest(identity.hospital_number) if identity.hospital_number else ""
    )
    if number:
        digests.add(number)
    return digests


def pdf_text(path: str) -> str:
    """The text of a PDF's first pages; an unreadable file gives no text, never an error."""
    try:
        from pypdf import PdfReader

        # pypdf logs every repair it makes to a sloppy file; the text is all we want.
        logging.getLogger("pypdf").setLevel(logging.ERROR)
        reader = PdfReader(path, strict=False)
        return "\n".join((page.extract_text() or "") for page in reader.pages[:PDF_PAGES])[
            :BODY_LIMIT
        ]
    except Exception:
        log.warning("search: no text from %s", path, exc_info=True)
        return ""


def _load_documents(ids: list[int]) -> list:
    from consilium.library.models import Document

    return list(
        Document.objects.filter(pk__in=ids)
        .select_related("owner")
        .prefetch_related("versions__files")
    )


def _document_row(document) -> dict[str, object]:
    from consilium.library.models import VersionStatus

    # Only the text of the approved version in force: a draft's text is for its reviewers.
    approved = [v for v in document.versions.all() if v.status == VersionStatus.APPROVED]
    current = max(approved, key=lambda v: v.number) if approved else None
    texts = []
    for version_file in current.files.all() if current else []:
        try:
            texts.append(pdf_text(version_file.file.path))
        except (ValueError, NotImplementedError):
            continue
    owner = document.owner
    return {
        "title": f"{document.code} · {document.title}",
        "body": "\n".join([document.summary, *texts]),
        "centre": index_text(owner.code, owner.name, owner.local_name),
        "status": document.kind,
        "year": document.created_at.year,
    }


def _load_events(ids: list[int]) -> list:
    from consilium.meetings.models import Event

    return list(
        Event.objects.filter(pk__in=ids)
        .select_related("host")
        .prefetch_related("sessions__presentations__speakers", "sessions__chairs")
    )


def _event_row(event) -> dict[str, object]:
    parts = [event.description]
    for session in event.sessions.all():
        parts.append(session.title)
        parts += [c.full_name for c in session.chairs.all()]
        for presentation in session.presentations.all():
            parts.append(presentation.title)
            parts += [s.full_name for s in presentation.speakers.all()]
            parts += [
                g.get("name", "") if isinstance(g, dict) else str(g)
                for g in presentation.guest_speakers or []
            ]
    host = event.host
    return {
        "title": event.title,
        "body": "\n".join(p for p in parts if p),
        "centre": index_text(host.code, host.name, host.local_name) if host else "",
        "status": event.kind,
        "year": event.starts_at.year,
    }


def _load_people(ids: list[int]) -> list:
    from django.db.models import Prefetch

    from consilium.accounts.models import Membership, User

    current = Membership.objects.filter(ended_at__isnull=True).select_related("institution")
    return list(
        User.objects.filter(pk__in=ids, is_active=True).prefetch_related(
            Prefetch("memberships", queryset=current, to_attr="current_memberships")
        )
    )


def _person_row(user) -> dict[str, object]:
    institutions = {m.institution for m in user.current_memberships}
    return {
        "title": user.full_name or user.email.split("@")[0],
        "body": " ".join(
            [str(user.get_profession_display()), user.specialty]
            + [f"{i.name} {i.local_name} {i.code}" for i in institutions]
        ),
        "centre": index_text(*(f"{i.code} {i.name} {i.local_name}" for i in institutions)),
    }


def _load_institutions(ids: list[int]) -> list:
    from consilium.network.models import Institution

    return list(Institution.objects.filter(pk__in=ids))


def _institution_row(institution) -> dict[str, object]:
    return {
        "title": institution.name,
        "body": " ".join(
            [institution.local_name, institution.code, institution.city, str(institution.country)]
        ),
        "centre": index_text(institution.code, institution.name, institution.local_name),
        "status": institution.kind,
    }


_KINDS = {
    Kind.CONSULTATION: (_load_consultations, _consultation_row),
    Kind.PATIENT: (_load_patients, _patient_row),
    Kind.DOCUMENT: (_load_documents, _document_row),
    Kind.EVENT: (_load_events, _event_row),
    Kind.PERSON: (_load_people, _person_row),
    Kind.INSTITUTION: (_load_institutions, _institution_row),
}


def _row(kind: Kind, obj, now) -> SearchDocument:
    fields = _KINDS[kind][1](obj)
    body = str(fields.get("body", ""))[:BODY_LIMIT]
    title = str(fields["title"])
    return SearchDocument(
        kind=kind,
        object_id=obj.pk,
        title=title[:300],
        body=body,
        words=index_text(title, body, str(fields.get("terms", ""))),
        # Padded with spaces so a filter can ask for a whole word or a word's start.
        diagnosis=f" {fields.get('diagnosis', '')} "[:300],
        centre=f" {fields.get('centre', '')} "[:300],
        status=str(fields.get("status", ""))[:16],
        year=fields.get("year"),
        updated_at=now,
    )


def refresh_many(kind: str, ids: list[int]) -> int:
    """Bring the rows of these objects in step, in the caller's transaction: rows of objects
    that are gone (or, for people, no longer active) are removed."""
    kind = Kind(kind)
    loader, _build = _KINDS[kind]
    objects = loader(ids)
    now = timezone.now()
    with transaction.atomic():
        SearchDocument.objects.filter(kind=kind, object_id__in=ids).delete()
        SearchDocument.objects.bulk_create([_row(kind, obj, now) for obj in objects])
        if kind == Kind.PATIENT:
            IdentifierToken.objects.filter(patient_id__in=ids).delete()
            IdentifierToken.objects.bulk_create(
                [
                    IdentifierToken(patient_id=p.pk, digest=digest)
                    for p in objects
                    for digest in identifier_digests(p)
                ]
            )
    return len(objects)


def refresh(kind: str, object_id: int) -> None:
    """Bring one row in step, in the caller's transaction. Actions call this."""
    refresh_many(kind, [object_id])


# --------------------------------------------------------------------------- rebuild


def _model(kind: Kind):
    from consilium.accounts.models import User
    from consilium.consultations.models import Consultation
    from consilium.library.models import Document
    from consilium.meetings.models import Event
    from consilium.network.models import Institution
    from consilium.registry.models import Patient

    return {
        Kind.CONSULTATION: Consultation,
        Kind.PATIENT: Patient,
        Kind.DOCUMENT: Document,
        Kind.EVENT: Event,
        Kind.PERSON: User,
        Kind.INSTITUTION: Institution,
    }[kind]


def _chunks(ids: Iterable[int], size: int) -> Iterator[list[int]]:
    chunk: list[int] = []
    for value in ids:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def rebuild(
    kinds: Iterable[str] = tuple(Kind), *, batch: int = 1000, workers: int | None = None
) -> dict[str, int]:
    """Every row anew, a batch per transaction so other writers wait at most for one batch;
    rows left by objects that are gone are removed.

    On PostgreSQL two connections write batches side by side (`workers`): building a batch's
    rows is this process's work and turning them into vectors and index entries is the
    server's, so while one connection waits for the server the other builds the next batch.
    One connection alone left a core idle and took 385 s for the national data set. SQLite
    has one writer at a time, and a caller already inside a transaction (a test, an action)
    must see its own uncommitted rows: both take one connection."""
    kinds = [Kind(k) for k in kinds]
    if workers is None:
        parallel = connection.vendor == "postgresql" and not connection.in_atomic_block
        workers = 2 if parallel else 1
    plan: list[tuple[Kind, list[int]]] = []
    alive: dict[Kind, set[int]] = {}
    for kind in kinds:
        ids = list(_model(kind).objects.order_by("pk").values_list("pk", flat=True))
        alive[kind] = set(ids)
        plan += [(kind, chunk) for chunk in _chunks(ids, batch)]
    counts = {kind.value: 0 for kind in kinds}
    if workers <= 1:
        for kind, chunk in plan:
            counts[kind.value] += refresh_many(kind, chunk)
    else:
        for kind, n in _in_threads(plan, workers):
            counts[kind.value] += n
    for kind in kinds:
        stale = [
            i
            for i in SearchDocument.objects.filter(kind=kind).values_list("object_id", flat=True)
            if i not in alive[kind]
        ]
        for chunk in _chunks(stale, batch):
            SearchDocument.objects.filter(kind=kind, object_id__in=chunk).delete()
    # Every row was rewritten: the planner's statistics describe the old rows and, on
    # PostgreSQL, the GIN index has a long pending list until a VACUUM merges it (the
    # expert's one-word search measured p95 252 ms after a rebuild, 159 ms after this).
    tables = [SearchDocument, SearchMatch, IdentifierToken]
    analyze(connection, [model._meta.db_table for model in tables])
    return counts


def _in_threads(plan: list[tuple[Kind, list[int]]], workers: int) -> list[tuple[Kind, int]]:
    """Run the batches on `workers` threads, each with its own connection (Django gives each
    thread one), closed when the thread has no batch left. The first error stops the others
    after their current batch and is raised here; finished batches stay committed, as with
    one connection."""
    pending: queue.SimpleQueue[tuple[Kind, list[int]]] = queue.SimpleQueue()
    for item in plan:
        pending.put(item)
    failed = threading.Event()

    def work() -> list[tuple[Kind, int]]:
        done: list[tuple[Kind, int]] = []
        try:
            while not failed.is_set():
                try:
                    kind, chunk = pending.get_nowait()
                except queue.Empty:
                    break
                done.append((kind, refresh_many(kind, chunk)))
        except BaseException:
            failed.set()
            raise
        finally:
            connections.close_all()
        return done

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="search-rebuild") as pool:
        futures = [pool.submit(work) for _ in range(workers)]
    return [item for future in futures for item in future.result()]


def refresh_imported(job_id: int, *, batch: int = 1000) -> int:
    """Index the patients an import wrote (its COPY bypasses the actions), a batch per
    transaction."""
    from consilium.registry.models import Patient

    ids = list(Patient.objects.filter(import_job_id=job_id).values_list("pk", flat=True))
    done = 0
    for chunk in _chunks(ids, batch):
        with transaction.atomic():
            done += refresh_many(Kind.PATIENT, chunk)
    return done


def refresh_directory() -> dict[str, int]:
    """People and institutions, for the scheduler: they change through the admin and the
    network's pages as well as through actions, and there are only hundreds of them."""
    return rebuild([Kind.PERSON, Kind.INSTITUTION])


def append_message(consultation_id: int, text: str) -> None:
    """A new message of a consultation: added to its row by one UPDATE, in the caller's
    transaction, rather than the row rebuilt from every message (a busy thread has hundreds).
    Without a row yet, the row is made whole."""
    from django.db.models import F, Value
    from django.db.models.functions import Concat, Substr

    updated = SearchDocument.objects.filter(
        kind=Kind.CONSULTATION, object_id=consultation_id
    ).update(
        body=Substr(Concat(F("body"), Value("\n" + text)), 1, BODY_LIMIT),
        words=Concat(F("words"), Value(" " + index_text(text))),
        updated_at=timezone.now(),
    )
    if not updated:
        refresh(Kind.CONSULTATION, consultation_id)


def set_status(kind: str, object_id: int, status: str) -> None:
    """A change of status only (accepted, withdrawn, closed): one UPDATE, no rebuild."""
    updated = SearchDocument.objects.filter(kind=kind, object_id=object_id).update(
        status=status, updated_at=timezone.now()
    )
    if not updated:
        refresh(kind, object_id)
