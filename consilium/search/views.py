"""The search page and the similar-cases fragment. Access is applied inside the search query
(engine.py); what a reader is shown of patient data is audited like any other read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from consilium.audit.actions import record
from consilium.search.engine import Results, search
from consilium.search.models import Kind
from consilium.search.query import QueryError
from consilium.search.similar import for_patient

PER_PAGE = 20
MAX_PAGE = 50


def audit_search(request: HttpRequest, results: Results) -> None:
    """A search that showed consultations or patients is a read of patient data."""
    shown = {
        kind: [hit.object_id for hit in results.groups.get(kind, [])]
        for kind in (Kind.CONSULTATION, Kind.PATIENT)
    }
    if not any(shown.values()):
        return
    record(
        actor=request.user,
        verb="search.performed",
        details={
            # A name or hospital number typed is not copied into the log.
            "query": "[identifier]" if results.identifier_patients else results.query.raw,
            "consultations": shown[Kind.CONSULTATION],
            "patients": shown[Kind.PATIENT],
            "counts": results.counts,
        },
        request=request,
    )


def _page(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    return min(int(raw), MAX_PAGE) if raw.isdigit() and 0 < int(raw) < 10**6 else 1


@login_required
@require_GET
def results(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("q", "")
    kind = request.GET.get("kind", "")
    if kind not in Kind.values:
        kind = ""
    page = _page(request)
    error = ""
    found = None
    try:
        if kind:
            found = search(
                request.user, raw, kind=kind, per_kind=PER_PAGE, offset=(page - 1) * PER_PAGE
            )
        else:
            found = search(request.user, raw)
    except QueryError as exc:
        error = exc.message
    if found is not None:
        audit_search(request, found)
    count = found.counts.get(kind, 0) if found and kind else 0
    return render(
        request,
        "search/results.html",
        {
            "q": raw[:200],
            "kind": kind,
            "kinds": Kind.choices,
            "kind_label": dict(Kind.choices).get(kind, ""),
            "found": found,
            "error": error,
            "page": page,
            "has_next": bool(kind) and count > page * PER_PAGE,
            "has_previous": bool(kind) and page > 1,
        },
    )


@login_required
@require_GET
def similar(request: HttpRequest) -> HttpResponse:
    """Similar past cases for a patient being asked about (the requesting team) or for a
    consultation (anyone who may see it). Loaded into the request form and the consultation
    page; a plain link to it works without JavaScript."""
    from consilium.consultations.access import get_consultation_for_user
    from consilium.registry.access import get_patient_for_user

    patient_id = request.GET.get("patient", "")
    consultation_id = request.GET.get("consultation", "")
    if patient_id.isdigit() and len(patient_id) < 19:
        patient = get_patient_for_user(request.user, int(patient_id), request=request)
    elif consultation_id.isdigit() and len(consultation_id) < 19:
        consultation, _side = get_consultation_for_user(
            request.user, int(consultation_id), request=request
        )
        patient = consultation.patient
    else:
        raise Http404
    cases = for_patient(request.user, patient, request=request)
    template = "search/_similar.html" if request.htmx else "search/similar.html"
    return render(request, template, {"cases": cases, "pseudonym": patient.pseudonym})
