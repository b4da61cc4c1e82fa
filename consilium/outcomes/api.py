"""The survival computation and the indicators as JSON, with the page's access rules."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from consilium.outcomes.access import outcome_institutions, outcome_partnerships
from consilium.outcomes.endpoints import Endpoint
from consilium.outcomes.groupings import BY_CHOICES, GroupingError
from consilium.outcomes.indicators import DEFAULT_EARLY_DEATH_WEEKS, indicator_rows
from consilium.outcomes.selection import DEFAULT_PERIOD_YEARS, Selection, survival_report

router = Router(tags=["outcomes"])


class Error(Schema):
    # The same shape as every app's Error: the OpenAPI document holds one schema per name.
    detail: str
    errors: dict[str, list[str]] = {}


class SurvivalQuery(Schema):
    endpoint: Endpoint = Endpoint.OS
    by: str = "institution"
    institution: list[str] = []
    partnership: int | None = None
    periods: str = ""
    period_years: int = DEFAULT_PERIOD_YEARS


class IndicatorQuery(Schema):
    institution: list[str] = []
    early_weeks: int = DEFAULT_EARLY_DEATH_WEEKS


def _institutions(request: HttpRequest, codes: list[str]):
    allowed = list(outcome_institutions(request.auth))
    if not allowed:
        return None, Status(
            403,
            {
                "detail": "Outcomes are for an institution's clinicians,"
                " data managers and coordinators."
            },
        )
    if codes:
        unknown = set(codes) - {i.code for i in allowed}
        if unknown:
            return None, Status(
                403, {"detail": f"No access to the outcomes of {', '.join(sorted(unknown))}."}
            )
        allowed = [i for i in allowed if i.code in codes]
    return allowed, None


@router.get("/survival", response={200: dict[str, Any], 403: Error, 422: Error})
def survival(request: HttpRequest, query: Query[SurvivalQuery]):
    institutions, refused = _institutions(request, query.institution)
    if refused:
        return refused
    if query.by not in BY_CHOICES:
        return Status(422, {"detail": f"by must be one of {', '.join(BY_CHOICES)}"})
    partnership = None
    if query.partnership is not None:
        partnership = outcome_partnerships(request.auth).filter(pk=query.partnership).first()
        if partnership is None:
            return Status(422, {"detail": "No such partnership among yours."})
    try:
        report = survival_report(
            Selection(
                endpoint=query.endpoint,
                by=query.by,
                institutions=institutions,
                periods=query.periods,
                period_years=query.period_years,
                partnership=partnership,
            )
        )
    except GroupingError as exc:
        return Status(422, {"detail": str(exc)})
    return report.as_dict()


@router.get("/indicators", response={200: list[dict[str, Any]], 403: Error, 422: Error})
def indicators(request: HttpRequest, query: Query[IndicatorQuery]):
    institutions, refused = _institutions(request, query.institution)
    if refused:
        return refused
    if not 1 <= query.early_weeks <= 52:
        return Status(422, {"detail": "early_weeks must be between 1 and 52"})
    rows = indicator_rows(institutions, early_death_weeks=query.early_weeks)
    return [
        {"institution": row.institution, "indicators": [i.as_dict() for i in row.indicators]}
        for row in rows
    ]
