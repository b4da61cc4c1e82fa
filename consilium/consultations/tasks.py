from django.core.files.base import ContentFile
from django.db import transaction
from django_tasks import task

from consilium.consultations.mail import notify
from consilium.consultations.models import Recommendation
from consilium.consultations.report import render_report, report_for
from consilium.lib import stored_files


@task(queue_name="default")
def deliver_report(*, recommendation_id: int) -> str:
    """Render the consultation report (the requester's copy on the recommendation, each
    other reader's in their language) and send it to the participants. Idempotent: a
    rendered report is not rendered again."""
    recommendation = Recommendation.objects.select_related(
        "consultation__patient", "consultation__requesting_institution", "author"
    ).get(pk=recommendation_id)
    consultation = recommendation.consultation
    with transaction.atomic():
        # Two runs of this task (a worker lost and its task reclaimed) take turns here; the
        # second finds the report and sends nothing. The report and its mails commit together
        # (the mails are queued in this transaction), so a run that died before its commit
        # left neither, and the next run does both.
        list(Recommendation.objects.select_for_update().filter(pk=recommendation.pk).values("pk"))
        recommendation.refresh_from_db(fields=["report"])
        if not recommendation.report:
            pdf = render_report(recommendation)
            name = f"consultation-{consultation.pk}-report.pdf"
            stored_files.save(recommendation.report, name, ContentFile(pdf))
            recommendation.save(update_fields=["report"])
            filename = f"{consultation.patient.pseudonym}-recommendation.pdf"
            notify.send(
                consultation,
                notify.participants(consultation),
                "recommendation",
                context={"recommendation": recommendation},
                # Each reader's copy in their own language and zone.
                attachments_for=lambda person: [
                    (filename, report_for(recommendation, person), "application/pdf")
                ],
            )
    return recommendation.report.name
