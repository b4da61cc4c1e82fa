"""Registry pages. Patients are loaded only through access.py; changes go through actions.py."""

from __future__ import annotations

import datetime
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from consilium.accounts.access import has_role
from consilium.accounts.models import Role
from consilium.audit.actions import record
from consilium.network.models import Institution
from consilium.registry import access, actions, codes, exports, quality, terms, toronto
from consilium.registry.actions import PossibleDuplicate
from consilium.registry.checks import CheckResult, Level, reader_message
from consilium.registry.forms import (
    ConsentForm,
    ContactForm,
    DiagnosisFields,
    EventForm,
    IdentityForm,
    ImportForm,
    MarkerForm,
    PatientEntryForm,
    PatientFilterForm,
    TreatmentForm,
    add_check_errors,
)
from consilium.registry.models import (
    Diagnosis,
    IcccGroup,
    ImportJob,
    ImportStatus,
    Patient,
    QualityIssue,
    Sex,
    VitalStatus,
)
from consilium.registry.queries import (
    lookup_codes,
    patient_count,
    search_patients,
    with_diagnoses,
)
from consilium.registry.sheets import LAYOUTS
from consilium.registry.validation import ChecksFailed

PAGE_SIZE = 50


class KeysFirstPaginator(Paginator):
    """Pages a list by its primary keys first, then loads the page's rows by key, in one
    query (``pk IN (SELECT id ... LIMIT 50 OFFSET n)``). A plain OFFSET reads every row it
    skips from the table: page 900 of 100,000 patients read 45,000 rows on PostgreSQL. The
    keys alone come from an index (an index-only scan once the table is vacuumed), and only
    the 50 rows shown are read. ``rows`` turns the keys subquery into the rows to show."""

    def __init__(
        self,
        object_list: QuerySet[Any],
        per_page: int,
        *,
        rows: Callable[[QuerySet[Any]], QuerySet[Any]],
    ) -> None:
        super().__init__(object_list, per_page)
        self.rows = rows

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = self.object_list.values("pk")[bottom:top]
        return self._get_page(self.rows(keys), number, self)


class KeptCountPaginator(KeysFirstPaginator):
    """The unfiltered list, counted by the patient counts the database keeps per institution
    (PatientCount) instead of a COUNT of every row."""

    def __init__(
        self,
        object_list: QuerySet[Any],
        per_page: int,
        *,
        rows: Callable[[QuerySet[Any]], QuerySet[Any]],
        count: int,
    ) -> None:
        super().__init__(object_list, per_page, rows=rows)
        self.kept_count = count

    @cached_property
    def count(self) -> int:
        return self.kept_count


class CappedPaginator(KeysFirstPaginator):
    """Counts a filtered list only up to a limit. The exact number of 12,000 children in a
    group of 100,000 costs PostgreSQL a join of both tables on every page view; "more than
    1,000" costs a bounded index walk, and nobody pages through a thousand children."""

    cap = 1000

    @cached_property
    def count(self) -> int:
        return min(self.object_list.order_by()[: self.cap + 1].count(), self.cap + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        return max(1, -(-min(self.count, self.cap) // self.per_page))


def _require_clinical(request: HttpRequest) -> None:
    if not access.clinical_institution_ids(request.user):
        raise PermissionDenied


@login_required
@require_GET
def patient_list(request: HttpRequest) -> HttpResponse:
    if not access.clinical_institution_ids(request.user):
        # Coordinators see their registry's figures, never its patients.
        aggregate = access.aggregate_institution_ids(request.user)
        if aggregate:
            institution = Institution.objects.filter(pk__in=aggregate).order_by("name")[0]
            return redirect("registry:quality", code=institution.code)
        raise PermissionDenied
    form = PatientFilterForm(request.GET or None, groups=IcccGroup.choices)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    patients = search_patients(
        access.patients_for_user(request.user),
        q=filters.get("q") or "",
        group=filters.get("group") or "",
        stage=filters.get("stage") or "",
        vital_status=filters.get("vital_status") or "",
        year=filters.get("year"),
    ).order_by("-id")
    refused = form.is_bound and not form.is_valid()
    if refused:
        # A search that cannot be run lists nobody: the whole registry in its place would
        # read as its results. The form says what to correct.
        patients = patients.none()

    def rows(keys: QuerySet[Patient]) -> QuerySet[Patient]:
        return with_diagnoses(
            access.patients_for_user(request.user).filter(pk__in=keys).order_by("-id")
        )

    paginator: KeysFirstPaginator
    if refused or any(filters.values()):
        paginator = CappedPaginator(patients, PAGE_SIZE, rows=rows)
    else:
        institutions = access.clinical_institution_ids(request.user)
        paginator = KeptCountPaginator(
            patients, PAGE_SIZE, rows=rows, count=patient_count(institutions)
        )
    page = paginator.get_page(request.GET.get("page"))
    record(
        actor=request.user,
        verb="registry.patient_list_viewed",
        details={
            "filters": {k: v for k, v in filters.items() if v and k != "q"},
            "searched": bool(filters.get("q")),
            "page": page.number,
            "shown": [p.pseudonym for p in page.object_list],
        },
        request=request,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/patient_list.html",
        {
            "form": form,
            "page": page,
            "rows": _list_rows(page.object_list),
            "query": query.urlencode(),
            "institutions": access.clinical_institutions(request.user),
        },
    )


@dataclass(frozen=True, slots=True)
class _Row:
    url: str
    pseudonym: str
    sex: str
    age: int | None
    site: terms.CodedTerm | None
    histology: terms.CodedTerm | None
    group: str
    group_name: str
    recode: str
    stage: str
    more: int
    status: str
    last_contact: str  # ISO date, or "" for none


# Stands for a patient's id in the detail URL reversed once per page, not once per row.
_PK_MARK = 987654321


def _list_rows(patients: Iterable[Patient]) -> list[_Row]:
    """Plain values for the list's template: 50 rows of model lookups in the template
    language cost more than the queries behind them. Labels are translated once, not per row."""
    sexes = {value: str(label) for value, label in Sex.choices}
    statuses = {value: str(label) for value, label in VitalStatus.choices}
    groups = {value: str(label) for value, label in IcccGroup.choices}
    detail = reverse("registry:patient_detail", args=[_PK_MARK])
    rows = []
    for patient in patients:
        diagnoses = patient.diagnoses.all()
        first = diagnoses[0] if diagnoses else None
        rows.append(
            _Row(
                url=detail.replace(str(_PK_MARK), str(patient.pk)),
                pseudonym=patient.pseudonym,
                sex=sexes.get(patient.sex, patient.sex),
                age=first.age_at_diagnosis if first else None,
                site=terms.topography(first.topography) if first else None,
                histology=terms.morphology(first.morphology, first.behaviour) if first else None,
                group=first.iccc_main_group if first else "",
                group_name=groups.get(first.iccc_main_group, "") if first else "",
                recode=first.iccc_recode if first else "",
                stage=toronto.stage_label(first.stage_value) if first else "",
                more=max(len(diagnoses) - 1, 0),
                status=statuses.get(patient.vital_status, patient.vital_status),
                last_contact=patient.last_contact.isoformat() if patient.last_contact else "",
            )
        )
    return rows


def _timeline(patient: Patient) -> list[tuple[datetime.date, str, Any]]:
    items: list[tuple[datetime.date, str, Any]] = []
    for diagnosis in patient.diagnoses.all():
        items.append((diagnosis.date, "diagnosis", diagnosis))
    for treatment in patient.treatments.all():
        items.append((treatment.start_date, "treatment", treatment))
    for event in patient.events.all():
        items.append((event.date, "event", event))
    if patient.last_contact:
        items.append((patient.last_contact, "contact", patient))
    order = {"diagnosis": 0, "treatment": 1, "event": 2, "contact": 3}
    return sorted(items, key=lambda item: (item[0], order[item[1]]))


@login_required
@require_GET
def patient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    patient = access.get_patient_for_user(request.user, pk, request=request)
    patient = (
        Patient.objects.filter(pk=patient.pk)
        .select_related("institution", "identity")
        .prefetch_related(
            Prefetch("diagnoses", queryset=Diagnosis.objects.prefetch_related("markers")),
            "treatments",
            "events",
            Prefetch(
                "issues",
                queryset=QualityIssue.objects.filter(confirmed_at__isnull=True),
                to_attr="open_issues",
            ),
        )
        .get()
    )
    return render(
        request,
        "registry/patient_detail.html",
        {
            "patient": patient,
            "identity": getattr(patient, "identity", None),
            "timeline": _timeline(patient),
            "can_confirm": has_role(request.user, patient.institution_id, {Role.DATA_MANAGER}),
            "consultations": _consultations_of(request.user, patient),
        },
    )


def _consultations_of(user, patient: Patient) -> list:
    """The child's consultations, newest first, marked when something is new to the reader."""
    from consilium.consultations.access import consultations_for_user
    from consilium.consultations.activity import with_unread

    rows = consultations_for_user(user).filter(patient=patient).select_related("expert_institution")
    return list(with_unread(rows, user).order_by("-created_at"))


def _duplicate_message(duplicates: list[Patient]) -> str:
    return _(
        "This looks like a child already registered: %(pseudonyms)s (same name and date of"
        " birth, or same hospital number). Check, then tick the box to register anyway."
    ) % {"pseudonyms": ", ".join(p.pseudonym for p in duplicates)}


@login_required
@require_http_methods(["GET", "POST"])
def patient_new(request: HttpRequest) -> HttpResponse:
    _require_clinical(request)
    institutions = access.clinical_institutions(request.user)
    form = PatientEntryForm(
        request.POST or None,
        institutions=institutions,
        initial={"institution": access.own_institution_id(request.user)},
    )
    duplicates: list[Patient] = []
    warnings: list[CheckResult] = []
    if request.method == "POST" and form.is_valid():
        try:
            patient = actions.register_patient(
                actor=request.user,
                institution=form.cleaned_data["institution"],
                identity=form.identity_data(),
                patient=form.patient_data(),
                diagnosis=form.diagnosis_data(),
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
                request=request,
            )
        except ChecksFailed as failed:
            add_check_errors(form, failed.results)
            warnings = [r for r in failed.results if r.level == Level.WARNING]
        except PossibleDuplicate as found:
            duplicates = found.patients
            form.add_error(None, _duplicate_message(duplicates))
        else:
            messages.success(
                request, _("%(pseudonym)s is registered.") % {"pseudonym": patient.pseudonym}
            )
            if "another" in request.POST:
                return redirect("registry:patient_new")
            return redirect("registry:patient_detail", pk=patient.pk)
    return render(
        request,
        "registry/patient_form.html",
        {"form": form, "duplicates": duplicates, "results": warnings},
    )


@login_required
@require_POST
def check(request: HttpRequest) -> HttpResponse:
    """The checks of the entry form as it stands, for htmx to show while typing."""
    _require_clinical(request)
    form = PatientEntryForm(request.POST, institutions=access.clinical_institutions(request.user))
    form.is_valid()  # what parses is checked; the rest is reported by the form on submit
    results: list[CheckResult] = []
    if form.cleaned_data.get("birth_date") and form.cleaned_data.get("name"):
        data = form.diagnosis_data().normalised()
        results = actions.check_new_patient(
            identity=form.identity_data(), patient=form.patient_data(), diagnosis=data
        )
        # Missing fields are the form's to flag once submitted, not while the user types.
        results = [r for r in results if r.code != "core_missing"]
    return render(request, "registry/_checks.html", {"results": results, "live": True})


@login_required
@require_GET
def code_lookup(request: HttpRequest) -> HttpResponse:
    """Suggestions for a code box, as the <datalist> it is linked to (htmx swaps it)."""
    _require_clinical(request)
    kind = "topography" if request.GET.get("kind") == "topography" else "morphology"
    query = request.GET.get(kind) or request.GET.get("q") or ""
    found = lookup_codes(query[:60], kind=kind)
    if kind == "topography":
        found = [(codes.display_site(code), name) for code, name in found]
    return render(request, "registry/_codes.html", {"kind": kind, "codes": found, "query": query})


def _form_page(
    request: HttpRequest, form: Any, *, title: str, patient: Patient, submit: str
) -> HttpResponse:
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": title, "patient": patient, "submit": submit},
    )


def _patient_for_change(request: HttpRequest, pk: int) -> Patient:
    return access.get_patient_for_user(request.user, pk, request=request)


@login_required
@require_http_methods(["GET", "POST"])
def diagnosis_new(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_change(request, pk)
    form = DiagnosisFields(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_diagnosis(
                actor=request.user,
                patient=patient,
                diagnosis=form.diagnosis_data(),
                request=request,
            )
        except ChecksFailed as failed:
            add_check_errors(form, failed.results)
        else:
            return redirect("registry:patient_detail", pk=patient.pk)
    return _form_page(
        request, form, title=_("Another primary tumour"), patient=patient, submit=_("Save")
    )


@login_required
@require_http_methods(["GET", "POST"])
def diagnosis_edit(request: HttpRequest, pk: int, diagnosis_pk: int) -> HttpResponse:
    patient = _patient_for_change(request, pk)
    diagnosis = access.get_diagnosis_for_user(request.user, patient, diagnosis_pk)
    form = DiagnosisFields(request.POST or None, initial=DiagnosisFields.initial_of(diagnosis))
    if request.method == "POST" and form.is_valid():
        diagnosis.patient = patient  # the one loaded through access.py, with its institution
        try:
            actions.update_diagnosis(
                actor=request.user,
                diagnosis=diagnosis,
                data=form.diagnosis_data(),
                request=request,
            )
        except ChecksFailed as failed:
            add_check_errors(form, failed.results)
        else:
            messages.success(request, _("The diagnosis was corrected."))
            return redirect("registry:patient_detail", pk=patient.pk)
    return _form_page(
        request, form, title=_("Correct the diagnosis"), patient=patient, submit=_("Save")
    )


@login_required
@require_http_methods(["GET", "POST"])
def marker_new(request: HttpRequest, pk: int, diagnosis_pk: int) -> HttpResponse:
    patient = _patient_for_change(request, pk)
    diagnosis = access.get_diagnosis_for_user(request.user, patient, diagnosis_pk)
    form = MarkerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_marker(
                actor=request.user, diagnosis=diagnosis, request=request, **form.cleaned_data
            )
        except ChecksFailed as failed:
            add_check_errors(form, failed.results)
        else:
            return redirect("registry:patient_detail", pk=patient.pk)
    return _form_page(request, form, title=_("Molecular marker"), patient=patient, submit=_("Save"))


@login_required
@require_http_methods(["GET", "POST"])
def treatment_new(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_change(request, pk)
    form = TreatmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        diagnosis = patient.diagnoses.order_by("date").first()
        try:
            actions.add_treatment(
                actor=request.user,
                patient=patient,
                diagnosis=diagnosis,
                request=request,
                **form.cleaned_data,
            )
        except ChecksFailed as failed:
            add_check_errors(form, failed.results)
        else:
            return redirect("registry:patient_detail", pk=patient.pk)
    return _form_page(request, form, title=_("Treatment"), patient=patient, submit=_("Save"))


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_change(request, pk)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_event(
                actor=request.user,
                patient=patient,
                diagnosis=patient.diagnoses.order_by("-date").first(),
                request=request,
                **form.cleaned_data,
            )
        except ChecksFailed as failed:
            add_check_errors(form, failed.results)
        else:
            return redirect("registry:patient_detail", pk=patient.pk)
    return _form_page(request, form, title=_("Follow-up event"), patient=patient, submit=_("Save"))


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int, event_pk: int) -> HttpResponse:
    patient = _patient_for_change(request, pk)
    event = access.get_event_for_user(request.user, patient, event_pk)
    form = EventForm(
        request.POST or None,
        initial={name: getattr(event, name) for name in (*actions.EVENT_FIELDS, "note")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_event(
                actor=request.user, event=event, request=request, **form.cleaned_data
            )
        except ChecksFailed as failed:
            add_check_errors(form, failed.results)
        else:
            if patient.vital_status == VitalStatus.UNKNOWN:
                messages.warning(
                    request,
                    _(
                        "The event was corrected. The vital status is now unknown: "
                        "record a contact to say whether the child is alive."
                    ),
                )
            else:
                messages.success(request, _("The event was corrected."))
            return redirect("registry:patient_detail", pk=patient.pk)
    return _form_page(
        request, form, title=_("Correct the follow-up event"), patient=patient, submit=_("Save")
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_new(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_change(request, pk)
    form = ContactForm(
        request.POST or None,
        initial={"date": timezone.localdate(), "vital_status": patient.vital_status},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_contact(
                actor=request.user,
                patient=patient,
                date=form.cleaned_data["date"],
                vital_status=form.cleaned_data["vital_status"],
                request=request,
            )
        except ChecksFailed as failed:
            add_check_errors(form, failed.results)
        else:
            return redirect("registry:patient_detail", pk=patient.pk)
    return _form_page(request, form, title=_("Contact"), patient=patient, submit=_("Save"))


@login_required
@require_http_methods(["GET", "POST"])
def consent_edit(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_change(request, pk)
    form = ConsentForm(
        request.POST or None,
        initial={
            "consent_status": patient.consent_status,
            "consent_date": patient.consent_date,
            "consent_waiver_reason": patient.consent_waiver_reason,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_consent(
                actor=request.user,
                patient=patient,
                status=form.cleaned_data["consent_status"],
                date=form.cleaned_data["consent_date"],
                waiver_reason=form.cleaned_data["consent_waiver_reason"],
                request=request,
            )
        except ChecksFailed as failed:
            add_check_errors(form, failed.results)
        else:
            return redirect("registry:patient_detail", pk=patient.pk)
    return _form_page(request, form, title=_("Consent"), patient=patient, submit=_("Save"))


@login_required
@require_http_methods(["GET", "POST"])
def identity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    patient = _patient_for_change(request, pk)
    identity = getattr(patient, "identity", None)
    initial = {}
    if identity is not None:
        initial = {
            field: getattr(identity, field)
            for field in ("name", "hospital_number", "birth_date", "address", "phone")
        }
    form = IdentityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_identity(
                actor=request.user,
                patient=patient,
                identity=form.identity_data(),
                confirm_duplicate=form.cleaned_data["confirm_duplicate"],
                request=request,
            )
        except ChecksFailed as failed:
            add_check_errors(form, failed.results)
        except PossibleDuplicate as found:
            form.add_error(None, _duplicate_message(found.patients))
        else:
            return redirect("registry:patient_detail", pk=patient.pk)
    return _form_page(request, form, title=_("Identity"), patient=patient, submit=_("Save"))


@login_required
@require_POST
def issue_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    issue = access.get_issue_for_user(request.user, pk)
    if not has_role(request.user, issue.patient.institution_id, {Role.DATA_MANAGER}):
        raise PermissionDenied
    if issue.level == Level.WARNING and issue.confirmed_at is None:
        actions.confirm_issue(actor=request.user, issue=issue, request=request)
        messages.success(request, _("The warning is confirmed."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("registry:patient_detail", args=[issue.patient_id])
    return redirect(target)


@login_required
@require_GET
def quality_page(request: HttpRequest, code: str) -> HttpResponse:
    institution = access.get_aggregate_institution(request.user, code)
    figures = quality.report(institution)
    clinical = institution.pk in access.clinical_institution_ids(request.user)
    open_issues = []
    stale: list[Patient] = []
    if clinical:
        # Patient-level lists only for those who may open the patients.
        open_issues = list(
            QualityIssue.objects.filter(patient__institution=institution, confirmed_at__isnull=True)
            .select_related("patient")
            .order_by("-level", "patient_id")[:100]
        )
        stale = list(
            Patient.objects.filter(
                institution=institution,
                vital_status="alive",
                last_contact__lt=quality.stale_before(timezone.localdate()),
            ).order_by("last_contact")[:50]
        )
    record(
        actor=request.user,
        verb="registry.quality_viewed",
        institution_id=institution.pk,
        details={"patient_level": clinical},
        request=request,
    )
    return render(
        request,
        "registry/quality.html",
        {
            "report": figures,
            "clinical": clinical,
            "open_issues": open_issues,
            "stale": stale,
            "can_confirm": has_role(request.user, institution.pk, {Role.DATA_MANAGER}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    _require_clinical(request)
    institutions = access.clinical_institutions(request.user)
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        institutions=institutions,
        # Her own registry first, not the first of her institutions by name.
        initial={"institution": access.own_institution_id(request.user)},
    )
    if request.method == "POST" and form.is_valid():
        job = actions.start_import(
            actor=request.user,
            institution=form.cleaned_data["institution"],
            upload=form.cleaned_data["file"],
            request=request,
        )
        return redirect("registry:import_job", pk=job.pk)
    jobs = ImportJob.objects.filter(institution__in=institutions).select_related("institution")[:10]
    return render(
        request,
        "registry/import.html",
        {"form": form, "jobs": jobs, "layouts": LAYOUTS.values()},
    )


PREVIEW_PAGE = 50


@login_required
@require_GET
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = access.get_import_job_for_user(request.user, pk)
    template = "registry/import_job.html"
    if request.htmx:
        template += "#progress"
    changes = Paginator(job.preview.get("changes", []), PREVIEW_PAGE).get_page(
        request.GET.get("page")
    )
    problems = Paginator(job.errors, PREVIEW_PAGE).get_page(request.GET.get("problems"))
    # Stored in the catalogue's language (registry.import_jobs.STORED_LANGUAGE): the reader's.
    problems.object_list = [
        {
            **error,
            # A workbook's own tab names stay as the file has them (the reader looks for
            # that tab, and the codebook's anchors use them); a Bundle entry's label is text.
            "sheet": sheet
            if (sheet := error.get("sheet", "")) in LAYOUTS
            else reader_message(sheet),
            "message": reader_message(error.get("message", "")),
        }
        for error in problems.object_list
    ]
    if job.status == ImportStatus.PREVIEW and not request.htmx:
        # The preview shows the changed rows' clinical values: who looked is recorded.
        record(
            actor=request.user,
            verb="registry.import_previewed",
            obj=job,
            institution_id=job.institution_id,
            details={"page": changes.number},
            request=request,
        )
    return render(request, template, {"job": job, "changes": changes, "problems": problems})


@login_required
@require_POST
def import_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm the preview (the worker writes it) or cancel it (nothing is written)."""
    _require_clinical(request)
    job = access.get_import_job_for_user(request.user, pk)
    try:
        if "confirm" in request.POST:
            actions.confirm_import(
                actor=request.user,
                job=job,
                skip_problems=request.POST.get("confirm") == "skip",
                request=request,
            )
        else:
            actions.cancel_import(actor=request.user, job=job, request=request)
    except actions.ImportNotWaiting:
        messages.error(request, _("This import is no longer waiting for a confirmation."))
    except actions.ImportHasProblems:
        messages.error(
            request,
            _(
                "This file has problems: correct it and upload it again, or choose to import"
                " it without the rows that have them."
            ),
        )
    return redirect("registry:import_job", pk=job.pk)


def _export_institution(request: HttpRequest, code: str):
    return access.get_clinical_institution(request.user, code)


@login_required
@require_GET
def export_csv(request: HttpRequest, code: str) -> HttpResponse:
    institution = _export_institution(request, code)
    identifiers = request.GET.get("identifiers") == "1"
    record(
        actor=request.user,
        verb="registry.exported",
        institution_id=institution.pk,
        details={"format": "csv", "identifiers": identifiers},
        request=request,
    )
    rows: Iterator[str] = exports.csv_lines(institution, identifiers=identifiers)
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    suffix = "-identified" if identifiers else ""
    response["Content-Disposition"] = (
        f'attachment; filename="{institution.code}-registry{suffix}.csv"'
    )
    return response


@login_required
@require_GET
def export_fhir(request: HttpRequest, code: str) -> HttpResponse:
    from consilium.registry import fhir

    institution = _export_institution(request, code)
    record(
        actor=request.user,
        verb="registry.exported",
        institution_id=institution.pk,
        details={"format": "fhir"},
        request=request,
    )
    response = StreamingHttpResponse(
        fhir.bundle_chunks(institution), content_type="application/fhir+json; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{institution.code}-registry.fhir.json"'
    )
    return response


@login_required
@require_GET
def export_workbook(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """Everything the registry holds, identified, in the sheets the import reads: an .xlsx
    workbook or a .zip of CSV files."""
    institution = _export_institution(request, code)
    record(
        actor=request.user,
        verb="registry.exported",
        institution_id=institution.pk,
        details={"format": kind, "identifiers": True},
        request=request,
    )
    # Spooled: a zip's directory and an .xlsx are written at their end, so neither streams.
    out = tempfile.SpooledTemporaryFile(max_size=16 << 20)  # noqa: SIM115 (FileResponse closes it)
    if kind == "xlsx":
        exports.write_xlsx(institution, out)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        exports.write_zip(institution, out)
        content_type = "application/zip"
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"{institution.code}-registry.{kind}",
        content_type=content_type,
    )


@login_required
@require_GET
def codebook_page(request: HttpRequest) -> HttpResponse:
    """Every column of the import's sheets, in the reader's language: no patient data."""
    from consilium.registry import codebook

    return render(request, "registry/codebook.html", {"sheets": codebook.sheets()})


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    from consilium.registry import codebook

    out = io.BytesIO()
    if kind == "xlsx":
        codebook.write_template_xlsx(out)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        codebook.write_template_zip(out)
        content_type = "application/zip"
    response = HttpResponse(out.getvalue(), content_type=content_type)
    name = _("registry-template")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{name}.{kind}"
    )
    return response
