"""The consultation report: the recommendation, the clinical summary it answered and the list
of attachments, as a PDF in its reader's language with times in the reader's zone. The
requester's copy is kept on the recommendation (`report`); every other reader's copy is rendered
once per language and zone (a final recommendation never changes) and kept beside it."""

import zoneinfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import timezone, translation

from consilium.accounts.models import User
from consilium.consultations.models import Recommendation
from consilium.consultations.opinions import given_opinions
from consilium.consultations.summary import clinical_summary


def reader_language(recommendation: Recommendation, reader: User | None) -> str:
    languages = dict(settings.LANGUAGES)
    for language in (
        reader.language if reader else "",
        recommendation.consultation.language,
    ):
        if language in languages:
            return language
    return settings.LANGUAGE_CODE


def reader_zone(reader: User | None) -> str:
    zone = reader.time_zone if reader else ""
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return zone


def report_language(recommendation: Recommendation) -> str:
    return reader_language(recommendation, recommendation.consultation.requested_by)


def render_report(
    recommendation: Recommendation, *, language: str | None = None, zone: str | None = None
) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only report rendering needs.
    from weasyprint import HTML

    consultation = recommendation.consultation
    requester = consultation.requested_by
    language = language or reader_language(recommendation, requester)
    zone = zone or reader_zone(requester)
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
        html = render_to_string(
            "consultations/report.html",
            {
                "consultation": consultation,
                "recommendation": recommendation,
                # Every opinion given until this one, the first first: a second opinion's
                # report carries the first beside it.
                "opinions": given_opinions(consultation, until=recommendation.finalised_at)
                if recommendation.finalised_at
                else [],
                "patient": consultation.patient,
                # Built inside the override: its labels are in the reader's language.
                "clinical": clinical_summary(consultation),
                "attachments": consultation.attachments.order_by("created_at", "pk"),
                "language": language,
                "zone": zone,
            },
        )
    return HTML(string=html).write_pdf()


def report_for(recommendation: Recommendation, reader: User) -> str:
    """The storage name of the report as `reader` reads it, rendered the first time."""
    language, zone = reader_language(recommendation, reader), reader_zone(reader)
    if recommendation.report and (language, zone) == (
        report_language(recommendation),
        reader_zone(recommendation.consultation.requested_by),
    ):
        return recommendation.report.name
    zone_part = zone.replace("/", "_")
    # The finalising time in the name: a database restored or rebuilt reuses a
    # recommendation's id, and a file kept from before would be served for another opinion.
    stamp = int(recommendation.finalised_at.timestamp()) if recommendation.finalised_at else 0
    name = (
        f"consultations/reports/readers/{recommendation.pk}/"
        f"report-{language}-{zone_part}-{stamp}.pdf"
    )
    if not default_storage.exists(name):
        pdf = render_report(recommendation, language=language, zone=zone)
        # Two readers at once may both render; the storage keeps both names, each valid.
        name = default_storage.save(name, ContentFile(pdf))
    return name
