"""The child's kept therapy state (TherapyState): rewritten from the visits by every action
that changes a visit's status (marking one, the day list, the sweep), in the same transaction,
so the navigator's page and the sweep never search the visits for interruptions."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, Max, Min, OuterRef

from consilium.navigation.models import THERAPY_KINDS, PlannedVisit, TherapyState, VisitStatus
from consilium.registry.models import Patient

CHUNK = 2000


def interruption_starts(patient_ids: list[int]) -> dict[int, object]:
    """Per child, the first therapy visit missed with no therapy visit attended after it."""
    attended_after = PlannedVisit.objects.filter(
        patient_id=OuterRef("patient_id"),
        status=VisitStatus.ATTENDED,
        kind__in=THERAPY_KINDS,
        date__gt=OuterRef("date"),
    )
    return dict(
        PlannedVisit.objects.filter(
            patient_id__in=patient_ids, status=VisitStatus.MISSED, kind__in=THERAPY_KINDS
        )
        .exclude(Exists(attended_after))
        .values("patient_id")
        .annotate(first=Min("date"))
        .values_list("patient_id", "first")
    )


def refresh(patient_ids: Iterable[int]) -> None:
    ids = sorted(set(patient_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        last = dict(
            PlannedVisit.objects.filter(
                patient_id__in=chunk, status=VisitStatus.ATTENDED, kind__in=THERAPY_KINDS
            )
            .values("patient_id")
            .annotate(last=Max("date"))
            .values_list("patient_id", "last")
        )
        first = interruption_starts(chunk)
        institutions = dict(
            Patient.objects.filter(pk__in=chunk).values_list("pk", "institution_id")
        )
        TherapyState.objects.bulk_create(
            [
                TherapyState(
                    patient_id=pk,
                    institution_id=institutions[pk],
                    last_attended=last.get(pk),
                    interrupted_since=first.get(pk),
                )
                for pk in chunk
                if pk in institutions
            ],
            update_conflicts=True,
            unique_fields=["patient"],
            update_fields=["institution", "last_attended", "interrupted_since"],
        )
