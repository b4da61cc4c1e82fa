"""Similar past cases: the consultations a reader may see whose child looked most like this
one, each with why, what was advised, whether it was followed and how the child is doing.

The ranking is a documented sum of points, no model (docs/search.md):
  same ICCC subgroup 4 (else same main group 2: a candidate must share the main group),
  same Toronto stage 3 (else same tumour and tier 1), same age band 1,
  each key marker with the same result 2, same primary site (ICD-O-3 Cxx) 1.
Ties go to the most recent consultation. Candidates are the reader's visible consultations
of the same main group, newest first, capped, so the cost does not grow with the network."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from consilium.consultations.access import consultations_for_user
from consilium.consultations.models import Consultation
from consilium.registry.models import Diagnosis, MolecularMarker, Patient, VitalStatus
from consilium.search.index import _roman_subgroup

CANDIDATES = 400
SHOWN = 5
AGE_BANDS = ((0, 0), (1, 4), (5, 9), (10, 14), (15, 19))
KEY_MARKERS = (
    "MYCN",
    "BRAF V600E",
    "KIAA1549-BRAF",
    "PAX3-FOXO1",
    "PAX7-FOXO1",
    "ETV6-RUNX1",
    "BCR-ABL1",
)
POINTS = {"subgroup": 4, "group": 2, "stage": 3, "tier": 1, "age": 1, "marker": 2, "site": 1}


@dataclass(frozen=True)
class Profile:
    main_group: str
    subgroup: str
    stage_tumour: str
    stage_tier: int | None
    stage_value: str
    age: int | None
    site: str
    markers: dict[str, str] = field(default_factory=dict)


def age_band(age: int | None) -> tuple[int, int] | None:
    if age is None:
        return None
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return (low, high)
    return None


def profile_of(diagnosis: Diagnosis) -> Profile:
    return _profile(
        {field: getattr(diagnosis, field) for field in PROFILE_FIELDS},
        [(m.marker, m.other_name, m.result) for m in diagnosis.markers.all()],
    )


PROFILE_FIELDS = (
    "iccc_main_group",
    "iccc_recode",
    "stage_tumour",
    "stage_tier",
    "stage_value",
    "age_at_diagnosis",
    "topography",
)


def _profile(row: dict, markers: list[tuple[str, str, str]]) -> Profile:
    """A diagnosis's profile from its columns and its (marker, other name, result) rows."""
    named = {}
    for marker, other_name, result in markers:
        name = other_name if marker == "other" else marker
        if name:
            named[name.upper()] = result
    return Profile(
        main_group=row["iccc_main_group"] or "",
        subgroup=_roman_subgroup(row["iccc_recode"] or "", row["iccc_main_group"] or ""),
        stage_tumour=row["stage_tumour"] or "",
        stage_tier=row["stage_tier"],
        stage_value=row["stage_value"] or "",
        age=row["age_at_diagnosis"],
        site=(row["topography"] or "")[:3],
        markers=named,
    )


def _matches(this: Profile, other: Profile) -> list[str]:
    """What `other` shares with `this`, as POINTS keys ("marker:MYCN" for a marker)."""
    found = []
    if this.subgroup and this.subgroup == other.subgroup and this.subgroup != this.main_group:
        found.append("subgroup")
    elif this.main_group and this.main_group == other.main_group:
        found.append("group")
    if (
        this.stage_value
        and this.stage_value == other.stage_value
        and (this.stage_tumour == other.stage_tumour)
    ):
        found.append("stage")
    elif (
        this.stage_tumour
        and this.stage_tumour == other.stage_tumour
        and this.stage_tier
        and (this.stage_tier == other.stage_tier)
    ):
        found.append("tier")
    band = age_band(this.age)
    if band and band == age_band(other.age):
        found.append("age")
    for name, result in this.markers.items():
        if (name in KEY_MARKERS or name.startswith("H3")) and other.markers.get(name) == result:
            found.append(f"marker:{name}")
    if this.site and this.site == other.site:
        found.append("site")
    return found


def _points(found: list[str]) -> int:
    return sum(POINTS[key.split(":")[0]] for key in found)


def _reason(this: Profile, key: str) -> str:
    if key == "subgroup":
        return _("same group %(group)s") % {"group": this.subgroup}
    if key == "group":
        return _("same group %(group)s") % {"group": this.main_group}
    if key == "stage":
        return _("stage %(stage)s") % {"stage": this.stage_value}
    if key == "tier":
        return _("same staging system")
    if key == "age":
        low, high = age_band(this.age)
        return _("age %(low)s–%(high)s") % {"low": low, "high": high}
    if key == "site":
        return _("same site %(site)s") % {"site": this.site}
    name = key.removeprefix("marker:")
    return f"{name}: {_marker_word(this.markers[name])}"


def score(this: Profile, other: Profile) -> tuple[int, list[str]]:
    """Points and the reasons, in words, that `other` is like `this`. Ranking the hundreds of
    candidates needs the points only: the words, a catalogue lookup each, are made for the
    five shown (2 ms of CPU of each consultation page an expert opens)."""
    found = _matches(this, other)
    return _points(found), [_reason(this, key) for key in found]


def _marker_word(result: str) -> str:
    from consilium.registry.models import MarkerResult

    return str(MarkerResult(result).label) if result in MarkerResult.values else result


@dataclass
class SimilarCase:
    consultation_id: int
    pseudonym: str
    points: int
    reasons: list[str]
    advice: str
    followed: str
    outcome: str
    created_at: datetime.datetime


def _months(start: datetime.date | None, end: datetime.date) -> int | None:
    if start is None:
        return None
    return max(0, (end.year - start.year) * 12 + end.month - start.month)


def outcome_of(patient: Patient, today: datetime.date) -> str:
    """How the child is doing, pseudonymised: no date, only time since diagnosis."""
    if patient.vital_status == VitalStatus.DEAD:
        months = _months(patient.origin_date, patient.death_date or today)
        return (
            _("died %(months)s months after diagnosis") % {"months": months}
            if months is not (None)
            else _("died")
        )
    months = _months(patient.origin_date, patient.last_contact or today)
    if patient.first_efs_event_date:
        event_months = _months(patient.origin_date, patient.first_efs_event_date)
        if months is not None and event_months is not None:
            # How long since the event matters as much as the event: say both.
            return _(
                "alive after an event at %(event)s months, %(months)s months since diagnosis"
            ) % {"event": event_months, "months": months}
        return _("alive after an event at %(months)s months") % {"months": event_months}
    if months is None:
        return _("alive")
    return _("alive without event, %(months)s months since diagnosis") % {"months": months}


def similar_cases(
    user, diagnosis: Diagnosis | None, *, exclude_patient_id: int | None = None
) -> list[SimilarCase]:
    """Up to five past consultations `user` may see, most similar first."""
    if diagnosis is None or not diagnosis.iccc_main_group:
        return []
    this = profile_of(diagnosis)
    # Scored from plain columns first, then only the few shown are read whole: building
    # hundreds of model objects with their recommendations cost more than the query.
    # EXISTS rather than a join through the patient: no patient row read and no DISTINCT
    # (an expert's 4,664 consultations: 10 → 7 ms on SQLite, 17.6 → 15.6 ms on PostgreSQL).
    same_group = Diagnosis.objects.filter(
        patient_id=OuterRef("patient_id"), iccc_main_group=this.main_group
    )
    candidates = list(
        consultations_for_user(user)
        .filter(Exists(same_group))
        .exclude(patient_id=exclude_patient_id)
        .order_by("-created_at")
        .values_list("pk", "patient_id", "created_at")[:CANDIDATES]
    )
    patient_ids = {patient_id for _pk, patient_id, _at in candidates}
    rows = list(
        Diagnosis.objects.filter(
            patient_id__in=patient_ids, iccc_main_group=this.main_group
        ).values("pk", "patient_id", *PROFILE_FIELDS)
    )
    markers: dict[int, list[tuple[str, str, str]]] = {}
    for diagnosis_id, *marker in MolecularMarker.objects.filter(
        diagnosis_id__in=[row["pk"] for row in rows]
    ).values_list("diagnosis_id", "marker", "other_name", "result"):
        markers.setdefault(diagnosis_id, []).append(tuple(marker))
    best: dict[int, tuple[int, list[str]]] = {}
    for row in rows:
        found = _matches(this, _profile(row, markers.get(row["pk"], [])))
        scored = (_points(found), found)
        if row["patient_id"] not in best or scored[0] > best[row["patient_id"]][0]:
            best[row["patient_id"]] = scored
    ranked = sorted(
        (
            (best[patient_id], pk, created_at)
            for pk, patient_id, created_at in candidates
            if patient_id in best
        ),
        key=lambda item: (-item[0][0], -item[2].timestamp()),
    )[:SHOWN]
    shown = (
        Consultation.objects.select_related("patient", "follow_up")
        .prefetch_related("recommendations")
        .in_bulk([pk for _scored, pk, _at in ranked])
    )
    today = timezone.localdate()
    found: list[SimilarCase] = []
    for (points, matched), pk, created_at in ranked:
        consultation = shown[pk]
        finals = [r for r in consultation.recommendations.all() if r.status == "final"]
        advice = ""
        if finals:
            text = (finals[-1].recommended_treatment or finals[-1].diagnostic_opinion).strip()
            advice = text.splitlines()[0][:160] if text else ""
        follow_up = getattr(consultation, "follow_up", None)
        found.append(
            SimilarCase(
                consultation_id=pk,
                pseudonym=consultation.patient.pseudonym,
                points=points,
                reasons=[_reason(this, key) for key in matched],
                advice=advice,
                followed=str(follow_up.get_adherence_display()) if follow_up else "",
                outcome=outcome_of(consultation.patient, today),
                created_at=created_at,
            )
        )
    return found


def for_patient(user, patient: Patient, *, request=None) -> list[SimilarCase]:
    """Similar cases for this child's first diagnosis, the showing of them audited (they are
    other children's data)."""
    from consilium.audit.actions import record

    diagnoses = sorted(patient.diagnoses.prefetch_related("markers"), key=lambda d: (d.date, d.pk))
    cases = similar_cases(user, diagnoses[0] if diagnoses else None, exclude_patient_id=patient.pk)
    if cases:
        record(
            actor=user,
            verb="search.similar_shown",
            details={"for": patient.pseudonym, "consultations": [c.consultation_id for c in cases]},
            request=request,
        )
    return cases
