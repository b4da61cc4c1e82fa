"""The patient list's search and filters, on a queryset already limited by access.py."""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection

from django.db.models import Prefetch, Q, QuerySet, Sum

from consilium.network.models import Institution
from consilium.registry import codes, toronto
from consilium.registry.crypto import hospital_number_digest
from consilium.registry.models import (
    CodeTerm,
    Diagnosis,
    IcccGroup,
    Patient,
    PatientCount,
    PatientIdentity,
)

_STAGES = {
    value.casefold(): value
    for tumour in toronto.TorontoTumour
    for tier in toronto.Tier
    for value in toronto.allowed_stages(tumour, tier)
}
_PSEUDONYM = re.compile(r"([A-Z][A-Z0-9]{1,11})-(?:([0-9]{4})(?:-([0-9]*))?)?")


def _search(patients: QuerySet[Patient], q: str) -> Q:
    """Each way of finding a patient goes through an index, never a scan of 100,000 rows:
    a hospital number by its keyed hash (identifiers are encrypted, nothing else can find
    them), a pseudonym by its institution, year and number (its unique constraint's index)."""
    found = Q(pk__in=[])
    if digest := hospital_number_digest(q):
        # Not limited to the user's institutions here: the queryset this filters already is.
        by_number = PatientIdentity.objects.filter(hospital_number_digest=digest)
        found |= Q(pk__in=list(by_number.values_list("patient_id", flat=True)[:50]))
    text = q.upper()
    parts = _PSEUDONYM.match(text)
    institution = (
        Institution.objects.filter(code=parts[1]).values_list("pk", flat=True).first()
        if parts
        else None
    )
    if institution is None:
        return found  # no pseudonym starts that way
    by_pseudonym = Q(institution_id=institution)
    if parts[2] and parts.end() == len(text):
        # A year and the first digits of a number: those numbers of that year, found in the
        # unique (institution, year, number) index rather than by reading every pseudonym of
        # the year.
        by_pseudonym &= Q(pseudonym_year=int(parts[2]))
        if parts[3]:
            by_pseudonym &= _numbers_starting_with(parts[3])
        return found | by_pseudonym
    if parts[2]:
        # The pseudonym's year is the year of diagnosis the list's index is on.
        by_pseudonym &= Q(diagnosis_year=int(parts[2]))
    if len(text) > len(parts[1]) + 1:
        by_pseudonym &= Q(pseudonym__startswith=text)
    return found | by_pseudonym


# Numbers are written with at least four digits (actions.pseudonym); a year with more than
# ten million children is not foreseen.
_WIDEST_NUMBER = 8


def number_ranges(digits: str) -> list[tuple[int, int]]:
    """The pseudonym numbers whose written form starts with ``digits``, as inclusive ranges:
    "05" is 500-599 (written 0500-0599); "1" is 1000-1999, 10000-19999 and so on."""
    ranges = []
    if len(digits) <= 4:
        ranges.append((int(digits.ljust(4, "0")), int(digits.ljust(4, "9"))))
    if not digits.startswith("0"):
        for width in range(max(5, len(digits)), _WIDEST_NUMBER + 1):
            low = int(digits) * 10 ** (width - len(digits))
            ranges.append((low, low + 10 ** (width - len(digits)) - 1))
    return ranges


def _numbers_starting_with(digits: str) -> Q:
    found = Q(pk__in=[])
    for low, high in number_ranges(digits):
        found |= Q(pseudonym_number__range=(low, high))
    return found


def search_patients(
    patients: QuerySet[Patient],
    *,
    q: str = "",
    group: str = "",
    stage: str = "",
    vital_status: str = "",
    year: int | None = None,
) -> QuerySet[Patient]:
    if q := q.strip():
        patients = patients.filter(_search(patients, q))
    # A patient with a diagnosis of that group, of that stage, or (both given) one diagnosis
    # of that group at that stage: a stage belongs to a tumour, not to the child.
    diagnosis = Q()
    if group:
        diagnosis &= Q(iccc_main_group=group)
    if stage := stage.strip():
        # Stored in the guideline's spelling; an exact match can use the index.
        diagnosis &= Q(stage_value=_STAGES.get(stage.casefold(), stage))
    if diagnosis:
        patients = patients.filter(pk__in=Diagnosis.objects.filter(diagnosis).values("patient_id"))
    if vital_status:
        patients = patients.filter(vital_status=vital_status)
    if year:
        patients = patients.filter(diagnosis_year=year)
    return patients


def with_diagnoses(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """One query for the diagnoses of a whole page, whatever its length."""
    return patients.prefetch_related(
        Prefetch(
            "diagnoses",
            queryset=Diagnosis.objects.only(
                "id",
                "patient_id",
                "date",
                "topography",
                "morphology",
                "behaviour",
                "iccc_main_group",
                "iccc_recode",
                "stage_tumour",
                "stage_value",
                "age_at_diagnosis",
            ),
        )
    )


def lookup_codes(query: str, *, kind: str, limit: int = 12) -> list[tuple[str, str]]:
    """The curated codes first, then the full ICD-O-3 list if a registry has loaded one."""
    found = codes.search(query, limit=limit, kind=kind)  # type: ignore[arg-type]
    if len(found) >= limit or not query.strip():
        return found
    key = query.strip().upper().replace(".", "")
    words = [word for word in query.split() if word]
    more = CodeTerm.objects.filter(kind=kind)
    if key[:1] == "C" or key[:1].isdigit():
        more = more.filter(code__startswith=key)
    else:
        for word in words:
            more = more.filter(term__icontains=word)
    seen = {code for code, _name in found}
    for code, term in more.values_list("code", "term")[: limit * 2]:
        if code not in seen and len(found) < limit:
            found.append((code, term))
            seen.add(code)
    return found


def patient_count(institution_ids: Collection[int]) -> int:
    """How many patients these institutions have, from the counts the database keeps."""
    total = PatientCount.objects.filter(institution_id__in=institution_ids).aggregate(
        n=Sum("patients")
    )["n"]
    return total or 0


# "3", "3 y", "3 years", "3 ans", "3 tuổi", "3 года", "3 yosh": a child's age now, in years.
_AGE = re.compile(r"^(\d{1,2})\s*(?:y|yr|yrs|years?|ans?|tuổi|год|года|лет|yosh|yoshda)?\.?$")


def chooser_filter(
    patients: QuerySet[Patient], text: str, *, today: datetime.date
) -> QuerySet[Patient]:
    """A patient chooser's one box: a pseudonym or a hospital number (both through `_search`,
    so a number finds only the patients of `patients`, those whose identifiers the reader may
    see), an age in years, or diagnosis words or a morphology code (the English ICD-O-3 term
    or the ICCC-3 group's name in the reader's language). Nothing typed finds nobody."""
    text = " ".join(text.split())[:100]
    if not text:
        return patients.none()
    # "VNCH" alone is where a clinician starts typing a pseudonym: read it as "VNCH-".
    alone = re.fullmatch(r"[A-Za-z][A-Za-z0-9]{1,11}", text)
    found = _search(patients, f"{text}-" if alone else text)
    if age := _AGE.match(text.casefold()):
        found |= _aged(int(age[1]), today)
        return patients.filter(found)
    diagnosis = Q(pk__in=[])
    if len(text) >= 3:
        morphologies = [code for code, _name in codes.search(text, limit=30, kind="morphology")]
        for code in morphologies:
            histology, _slash, behaviour = code.partition("/")
            diagnosis |= Q(morphology=histology, behaviour=behaviour or "3")
        if groups := _groups_named(text.casefold()):
            diagnosis |= Q(iccc_main_group__in=groups)
    if diagnosis != Q(pk__in=[]):
        found |= Q(pk__in=Diagnosis.objects.filter(diagnosis).values("patient_id"))
    return patients.filter(found)


def _groups_named(wanted: str) -> list[str]:
    """ICCC-3 main groups whose name, in the active language or in English, holds the words."""
    from django.utils import translation

    names = {value: str(label).casefold() for value, label in IcccGroup.choices}
    with translation.override("en"):
        english = {value: str(label).casefold() for value, label in IcccGroup.choices}
    return [value for value in names if wanted in names[value] or wanted in english[value]]


def _aged(years: int, today: datetime.date) -> Q:
    """Children `years` old today, from the birth year and month the registry keeps (a child
    whose birth month is unknown may be either age: they are found by both)."""
    born = today.year - years
    return (
        Q(birth_year=born, birth_month__lte=today.month)
        | Q(birth_year=born - 1, birth_month__gt=today.month)
        | Q(birth_year__in=[born, born - 1], birth_month__isnull=True)
    )
