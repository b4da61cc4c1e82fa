"""The data-quality figures of one institution's registry: aggregates only, no patient."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from consilium.network.models import Institution
from consilium.registry.models import (
    MICROSCOPIC_BASES,
    Diagnosis,
    Patient,
    QualityIssue,
    Sex,
    VitalStatus,
)

STALE_AFTER_DAYS = 365


@dataclass(frozen=True)
class Completeness:
    label: str | Promise
    complete: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.complete / self.total if self.total else 0.0


@dataclass(frozen=True)
class QualityReport:
    institution: Institution
    patients: int
    diagnoses: int
    completeness: list[Completeness]
    microscopically_verified: int
    open_warnings: int
    open_errors: int
    stale_follow_up: int

    @property
    def microscopic_percent(self) -> float:
        return 100.0 * self.microscopically_verified / self.diagnoses if self.diagnoses else 0.0


def stale_before(today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=STALE_AFTER_DAYS)


def report(institution: Institution, today: datetime.date | None = None) -> QualityReport:
    """Four aggregate queries, whatever the size of the registry."""
    today = today or timezone.localdate()
    patients = Patient.objects.filter(institution=institution)
    p = patients.aggregate(
        total=Count("pk"),
        sex=Count("pk", filter=~Q(sex=Sex.UNKNOWN)),
        birth=Count("pk", filter=Q(birth_year__isnull=False)),
        contact=Count("pk", filter=Q(last_contact__isnull=False)),
        vital=Count("pk", filter=~Q(vital_status=VitalStatus.UNKNOWN)),
        stale=Count(
            "pk",
            filter=Q(vital_status=VitalStatus.ALIVE)
            & (Q(last_contact__lt=stale_before(today)) | Q(last_contact__isnull=True)),
        ),
    )
    d = Diagnosis.objects.filter(patient__institution=institution).aggregate(
        total=Count("pk"),
        basis=Count("pk", filter=~Q(basis_of_diagnosis="9")),
        site=Count("pk", filter=~Q(topography="C809")),
        morphology=Count("pk", filter=~Q(morphology="8000")),
        stageable=Count("pk", filter=~Q(stage_tumour="")),
        staged=Count("pk", filter=~Q(stage_tumour="") & ~Q(stage_value="")),
        iccc=Count("pk", filter=~Q(iccc_recode="999")),
        microscopic=Count("pk", filter=Q(basis_of_diagnosis__in=MICROSCOPIC_BASES)),
    )
    issues = QualityIssue.objects.filter(
        patient__institution=institution, confirmed_at__isnull=True
    ).aggregate(
        warnings=Count("pk", filter=Q(level="warning")),
        errors=Count("pk", filter=Q(level="error")),
    )
    completeness = [
        Completeness(_("Sex known"), p["sex"], p["total"]),
        Completeness(_("Date of birth"), p["birth"], p["total"]),
        Completeness(_("Vital status known"), p["vital"], p["total"]),
        Completeness(_("Last contact recorded"), p["contact"], p["total"]),
        Completeness(_("Basis of diagnosis known"), d["basis"], d["total"]),
        Completeness(_("Primary site known (not C80.9)"), d["site"], d["total"]),
        Completeness(_("Specific morphology (not 8000)"), d["morphology"], d["total"]),
        Completeness(_("ICCC-3 classifiable"), d["iccc"], d["total"]),
        Completeness(_("Toronto stage recorded"), d["staged"], d["stageable"]),
    ]
    return QualityReport(
        institution=institution,
        patients=p["total"],
        diagnoses=d["total"],
        completeness=completeness,
        microscopically_verified=d["microscopic"],
        open_warnings=issues["warnings"],
        open_errors=issues["errors"],
        stale_follow_up=p["stale"],
    )
