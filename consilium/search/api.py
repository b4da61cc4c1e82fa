"""Search in the JSON API: the same query, access rules and audit as the page."""

from django.http import HttpRequest
from ninja import Router, Schema, Status

from consilium.search.engine import search
from consilium.search.models import Kind
from consilium.search.query import QueryError
from consilium.search.similar import for_patient
from consilium.search.views import audit_search

router = Router(tags=["search"])


class Error(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class HitOut(Schema):
    kind: str
    id: int
    title: str
    snippet: str
    url: str


class ResultsOut(Schema):
    counts: dict[str, int]
    results: list[HitOut]


class SimilarOut(Schema):
    consultation: int
    pseudonym: str
    points: int
    reasons: list[str]
    advice: str
    followed: str
    outcome: str


@router.get("", response={200: ResultsOut, 422: Error})
def search_everything(request: HttpRequest, q: str = "", kind: str = "", offset: int = 0):
    """Words, "a phrase", -word and the filters diagnosis:, centre:, status:, year:.
    `snippet` is HTML with the words found in <mark>, everything else escaped."""
    if kind and kind not in Kind.values:
        return Status(422, {"detail": f"Unknown kind; use one of {', '.join(Kind.values)}."})
    if not 0 <= offset <= 1000:
        return Status(422, {"detail": "offset must be between 0 and 1000."})
    try:
        found = search(request.auth, q, kind=kind or None, offset=offset, per_kind=20)
    except QueryError as exc:
        return Status(422, {"detail": str(exc.message)})
    audit_search(request, found)
    hits = [
        {
            "kind": h.kind,
            "id": h.object_id,
            "title": h.title,
            "snippet": str(h.snippet),
            "url": h.url,
        }
        for group in found.groups.values()
        for h in group
    ]
    return {"counts": found.counts, "results": hits}


@router.get("/similar/{consultation_id}", response=list[SimilarOut])
def similar_to_consultation(request: HttpRequest, consultation_id: int):
    """Up to five past consultations like this one, among those the reader may see."""
    from consilium.consultations.access import get_consultation_for_user

    consultation, _side = get_consultation_for_user(request.auth, consultation_id, request=request)
    cases = for_patient(request.auth, consultation.patient, request=request)
    return [
        {
            "consultation": c.consultation_id,
            "pseudonym": c.pseudonym,
            "points": c.points,
            "reasons": c.reasons,
            "advice": c.advice,
            "followed": c.followed,
            "outcome": c.outcome,
        }
        for c in cases
    ]
