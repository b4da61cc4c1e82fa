"""The outcomes page and its downloads (SVG, CSV, PDF). Every view takes the same GET
parameters, so a download repeats exactly what the page shows."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from consilium.accounts.access import has_role
from consilium.audit.actions import record
from consilium.lib import csv_cells
from consilium.outcomes import tables
from consilium.outcomes.access import (
    SHARING_ROLES,
    get_sharing_institution,
    outcome_partnerships,
    require_outcome_institutions,
    require_sharing_institutions,
)
from consilium.outcomes.actions import export_aggregates, record_comparison
from consilium.outcomes.chart import (
    MAX_CURVES,
    PHONE,
    TABLE_YEARS,
    Chart,
    TableRow,
    bands_shown,
    choose_curves,
    kaplan_meier_chart,
    table_rows,
)
from consilium.outcomes.compare import Comparison, compare_with_file
from consilium.outcomes.endpoints import Endpoint
from consilium.outcomes.exchange import DEFAULT_THRESHOLD, ExchangeError
from consilium.outcomes.forms import CompareFileForm, OutcomesForm
from consilium.outcomes.groupings import BY_CHOICES, GroupingError
from consilium.outcomes.indicators import IndicatorRow, indicator_rows
from consilium.outcomes.pdf import render_pdf
from consilium.outcomes.report import YEARS, GroupSummary, SurvivalReport
from consilium.outcomes.selection import Selection, survival_report


@dataclass
class Outcomes:
    form: OutcomesForm
    error: str = ""
    report: SurvivalReport | None = None
    chart: Chart | None = None
    phone_chart: Chart | None = None
    # The text table beside the chart, and the groups the chooser can add.
    chart_table: list[TableRow] = field(default_factory=list)
    not_drawn: list[GroupSummary] = field(default_factory=list)
    notice: str = ""
    indicators: list[IndicatorRow] | None = None
    title: str = ""


def _outcomes(request: HttpRequest) -> Outcomes:
    institutions = require_outcome_institutions(request.user)
    form = OutcomesForm(
        request.GET,
        institutions=institutions,
        partnerships=list(outcome_partnerships(request.user)),
    )
    if not form.is_valid():
        return Outcomes(form=form, error=_("Correct the choices below."))
    data = form.cleaned_data
    endpoint = Endpoint(data["endpoint"])
    chosen = form.selected_institutions()
    partnership = form.selected_partnership()
    selection = Selection(
        endpoint=endpoint,
        by=data["by"],
        institutions=chosen,
        periods=data["periods"],
        period_years=data["period_years"],
        partnership=partnership,
    )
    title = f"{endpoint.label} · {BY_CHOICES[data['by']]} · {', '.join(i.code for i in chosen)}"
    if data["by"] == "partnership" and partnership is not None:
        title = f"{endpoint.label} · {partnership.title}"
    try:
        report = survival_report(selection)
    except GroupingError as exc:
        return Outcomes(form=form, error=str(exc), title=title)
    shown, not_drawn = choose_curves(report, data["curve"])
    notice = ""
    if data["curve"] and len(shown) < len(data["curve"]):
        notice = _("A chosen curve is not one of these groups: it is left out.")
        if not shown:
            shown, not_drawn = choose_curves(report)
    bands = bands_shown(data["bands"], len(shown))
    return Outcomes(
        form=form,
        report=report,
        chart=kaplan_meier_chart(report, title=title, groups=shown, bands=bands),
        phone_chart=kaplan_meier_chart(
            report, title=title, groups=shown, bands=bands, layout=PHONE
        ),
        chart_table=table_rows(report, shown),
        not_drawn=not_drawn,
        notice=notice,
        indicators=indicator_rows(chosen, early_death_weeks=data["early_weeks"]),
        title=title,
    )


def _context(request: HttpRequest, outcomes: Outcomes) -> dict[str, object]:
    return {
        "outcomes": outcomes,
        "form": outcomes.form,
        "report": outcomes.report,
        "chart": outcomes.chart,
        "chart_id": "main",
        # The chooser repeats every other choice of the page, so it changes only the curves.
        "carried": [
            (name, value)
            for name, values in request.GET.lists()
            if name not in ("curve", "bands")
            for value in values
        ],
        "indicators": outcomes.indicators,
        "years": YEARS,
        "chart_years": TABLE_YEARS,
        "max_curves": MAX_CURVES,
        "query": request.GET.urlencode(),
        "csv_tables": [(key, tables.TABLE_NAMES[key]) for key in tables.TABLES],
        "generated_at": timezone.now(),
    }


@login_required
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    outcomes = _outcomes(request)
    context = _context(request, outcomes)
    if outcomes.report is not None:
        from consilium.navigation.measures import for_outcomes_page

        context.update(for_outcomes_page(request, outcomes.form.selected_institutions()))
    sharing = [i for i in outcomes.form.institutions if has_role(request.user, i.pk, SHARING_ROLES)]
    if sharing:
        context["sharing"] = sharing
        context["compare_form"] = CompareFileForm(institutions=sharing)
        context["sharing_threshold"] = DEFAULT_THRESHOLD
    return render(request, "outcomes/page.html", context)


@login_required
@require_GET
def export_file(request: HttpRequest, code: str) -> HttpResponse:
    """This site's shareable aggregate file (no patient, small groups combined), audited."""
    institution = get_sharing_institution(request.user, code)
    text = export_aggregates(institution=institution, actor=request.user, request=request)
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="outcomes-{institution.code}-{day}.json"'
    )
    return response


@login_required
@require_GET
def chart_svg(request: HttpRequest) -> HttpResponse:
    outcomes = _outcomes(request)
    if outcomes.chart is None:
        raise Http404
    svg = render_to_string("outcomes/chart.svg", {"chart": outcomes.chart, "chart_id": "main"})
    response = HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + svg, content_type="image/svg+xml"
    )
    response["Content-Disposition"] = 'attachment; filename="survival.svg"'
    return response


@login_required
@require_GET
def table_csv(request: HttpRequest, table: str) -> HttpResponse:
    if table not in tables.TABLES:
        raise Http404
    outcomes = _outcomes(request)
    if table == "indicators":
        if outcomes.indicators is None:
            raise Http404
        rows = tables.indicators(outcomes.indicators)
    else:
        if outcomes.report is None:
            raise Http404
        rows = getattr(tables, table)(outcomes.report)
    buffer = io.StringIO()
    csv_cells.writer(buffer).writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="outcomes-{table}.csv"'
    return response


@login_required
@require_GET
def report_pdf(request: HttpRequest) -> HttpResponse:
    outcomes = _outcomes(request)
    if outcomes.report is None:
        raise Http404
    context = _context(request, outcomes)
    context["chart_id"] = "pdf"
    pdf = render_pdf("outcomes/report_pdf.html", context)
    record(
        actor=request.user,
        verb="outcomes.report_downloaded",
        details={"title": outcomes.title, "query": request.GET.urlencode()},
        request=request,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="outcomes-report.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def compare_file(request: HttpRequest) -> HttpResponse:
    """The user's own site beside an uploaded aggregate file; the file is never stored."""
    institutions = require_sharing_institutions(request.user)
    comparison: Comparison | None = None
    error = ""
    if request.method == "POST":
        form = CompareFileForm(request.POST, request.FILES, institutions=institutions)
        if form.is_valid():
            institution = form.selected_institution()
            endpoint = Endpoint(form.cleaned_data["endpoint"])
            try:
                comparison = compare_with_file(
                    institution=institution, site=form.cleaned_data["file"], endpoint=endpoint
                )
            except ExchangeError as exc:
                error = str(exc)
            else:
                record_comparison(
                    institution=institution,
                    actor=request.user,
                    site=form.cleaned_data["file"],
                    endpoint=endpoint,
                    request=request,
                )
        else:
            error = _("The file was not compared: see the message at the file field.")
    else:
        form = CompareFileForm(institutions=institutions)
    context: dict[str, object] = {"form": form, "error": error, "years": YEARS}
    if comparison is not None:
        endpoint = comparison.compared.grouped.endpoint.label
        compared_title = _("%(endpoint)s: compared") % {"endpoint": endpoint}
        context.update(
            comparison=comparison,
            report=comparison.compared,
            outcomes={"title": compared_title},
            compared_chart=kaplan_meier_chart(comparison.compared, title=compared_title),
            pooled_chart=kaplan_meier_chart(
                comparison.pooled, title=_("%(endpoint)s: pooled") % {"endpoint": endpoint}
            ),
        )
    return render(request, "outcomes/compare.html", context, status=400 if error else 200)
