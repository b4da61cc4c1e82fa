"""The consultation report: the recommendation as a PDF, in the requesting team's language."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from consilium.consultations.models import Recommendation
from consilium.consultations.summary import diagnosis_lines


def report_language(recommendation: Recommendation) -> str:
    requester = recommendation.consultation.requested_by
    language = requester.language or recommendation.consultation.language
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def render_report(recommendation: Recommendation) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only report rendering needs.
    from weasyprint import HTML

    consultation = recommendation.consultation
    with translation.override(report_language(recommendation)):
        html = render_to_string(
            "consultations/report.html",
            {
                "consultation": consultation,
                "recommendation": recommendation,
                "patient": consultation.patient,
                "diagnoses": diagnosis_lines(consultation.patient),
                "language": translation.get_language(),
            },
        )
    return HTML(string=html).write_pdf()
