import datetime

import pytest
from django.utils import timezone

from consilium.outcomes.indicators import indicator_rows, wilson
from consilium.registry import actions
from consilium.registry.models import DeathCause, EventKind, Patient, VitalStatus
from consilium.registry.validation import DiagnosisData, IdentityData, PatientData


def expected(people: list[Patient], today: datetime.date, weeks: int) -> dict[str, tuple]:
    """The indicators of these patients (events and diagnoses prefetched), one by one, from
    the definitions in the module docstring."""
    diagnosed = [p for p in people if p.diagnoses.all()]

    def first_date(p):
        return min((d.date, d.pk) for d in p.diagnoses.all())[0]

    def kinds(p):
        return {e.kind for e in p.events.all()}

    eligible = [p for p in diagnosed if first_date(p) <= today - datetime.timedelta(weeks=weeks)]
    early = [
        p
        for p in eligible
        if any(
            e.kind == "death" and 0 <= (e.date - first_date(p)).days <= weeks * 7
            for e in p.events.all()
        )
    ]
    remission = [p for p in diagnosed if "remission" in kinds(p)]
    tumours = [d for p in people for d in p.diagnoses.all()]
    followed = [
        p
        for p in diagnosed
        if p.vital_status == "dead"
        or (p.last_contact and p.last_contact >= today - datetime.timedelta(days=365))
    ]
    treatment = [
        p
        for p in diagnosed
        if any(e.kind == "death" and e.death_cause == DeathCause.TREATMENT for e in p.events.all())
    ]
    return {
        "abandonment": (sum("abandonment" in kinds(p) for p in diagnosed), len(diagnosed)),
        "early_death": (len(early), len(eligible)),
        "treatment_related_mortality": (len(treatment), len(diagnosed)),
        "relapse": (sum("relapse" in kinds(p) for p in remission), len(remission)),
        "microscopically_verified": (
            sum(d.basis_of_diagnosis in {"5", "6", "7"} for d in tumours),
            len(tumours),
        ),
        "follow_up_completeness": (len(followed), len(diagnosed)),
    }


def people_of(code: str) -> list[Patient]:
    return list(
        Patient.objects.filter(institution__code=code).prefetch_related("events", "diagnoses")
    )


def test_it_counts_every_indicator_as_a_patient_by_patient_count_would(patients, sites):
    today = timezone.localdate()
    rows = indicator_rows([sites["VNCH"], sites["UZPHO"]], early_death_weeks=6, today=today)
    assert [r.institution for r in rows] == ["UZPHO", "VNCH", "All"]
    for row in rows[:2]:
        got = {i.key: (i.numerator, i.denominator) for i in row.indicators}
        assert got == expected(people_of(row.institution), today, 6)
    total = {i.key: (i.numerator, i.denominator) for i in rows[2].indicators}
    parts = [{i.key: (i.numerator, i.denominator) for i in r.indicators} for r in rows[:2]]
    for key, (n, d) in total.items():
        assert (n, d) == (parts[0][key][0] + parts[1][key][0], parts[0][key][1] + parts[1][key][1])


def _tumour(date: datetime.date, basis: str = "7") -> DiagnosisData:
    return DiagnosisData(
        date=date,
        topography="C649",
        morphology="8960",
        behaviour="3",
        basis_of_diagnosis=basis,
        laterality="right",
    )


def test_it_counts_the_awkward_histories_as_a_patient_by_patient_count_would(personas, sites):
    """Several primaries (one dated before the first registered), events before and after the
    remission, more than one death, each cause of death, no events at all, a diagnosis inside
    the early-death window: the counts read from the patient rows and one grouped pass over the
    events must equal the patient-by-patient ones."""
    actor = personas["data_manager"]
    site = sites["VNCH"]
    today = timezone.localdate()
    days = datetime.timedelta
    serial = iter(range(1000))

    def child(diagnosed: datetime.date, basis: str = "7") -> Patient:
        n = next(serial)
        return actions.register_patient(
            actor=actor,
            institution=site,
            identity=IdentityData(
                name=f"Awkward Child {n}",
                birth_date=diagnosed - days(days=4 * 365 + n),
                hospital_number=f"AWK-{n:04d}",
            ),
            patient=PatientData(sex="male", consent_status="given", consent_date=diagnosed),
            diagnosis=_tumour(diagnosed, basis),
            confirm_duplicate=True,
        )

    def event(patient: Patient, kind: str, date: datetime.date, cause: str = "") -> None:
        actions.record_event(actor=actor, patient=patient, kind=kind, date=date, death_cause=cause)

    d = today - days(days=800)
    # A second primary dated before the registered one: the early-death window runs from it,
    # so this death 10 days after the registered one (70 after the first) is not early.
    earlier = child(d)
    actions.add_diagnosis(actor=actor, patient=earlier, diagnosis=_tumour(d - days(days=60), "1"))
    event(earlier, EventKind.DEATH, d + days(days=10), DeathCause.TREATMENT)
    # Two deaths recorded (a data error): the second, inside the window, makes it early.
    twice = child(d)
    event(twice, EventKind.DEATH, d + days(days=100), DeathCause.DISEASE)
    event(twice, EventKind.DEATH, d + days(days=10), DeathCause.TREATMENT)
    # A second primary after the first: the window still runs from the first.
    later = child(d, "1")
    actions.add_diagnosis(actor=actor, patient=later, diagnosis=_tumour(d + days(days=200)))
    event(later, EventKind.DEATH, d + days(days=210), DeathCause.DISEASE)
    # Relapse before, and after, the remission; relapse with no remission.
    before = child(d)
    event(before, EventKind.RELAPSE, d + days(days=30))
    event(before, EventKind.REMISSION, d + days(days=90))
    after = child(d)
    event(after, EventKind.REMISSION, d + days(days=50))
    event(after, EventKind.RELAPSE, d + days(days=300))
    event(after, EventKind.RELAPSE, d + days(days=400))
    alone = child(d)
    event(alone, EventKind.RELAPSE, d + days(days=100))
    remitted = child(d)
    event(remitted, EventKind.REMISSION, d + days(days=60))
    event(remitted, EventKind.PROGRESSION, d + days(days=70))
    # Each cause of death, on the day of diagnosis, at the end of the window and after it.
    for offset, cause in [
        (0, DeathCause.DISEASE),
        (28, DeathCause.TREATMENT),
        (29, DeathCause.OTHER),
        (365, DeathCause.TREATMENT),
    ]:
        event(child(d), EventKind.DEATH, d + days(days=offset), cause)
    # Abandonment, then a remission.
    abandoned = child(d)
    event(abandoned, EventKind.ABANDONMENT, d + days(days=20))
    event(abandoned, EventKind.REMISSION, d + days(days=120))
    # No events at all: an old contact, and a recent one.
    child(d)
    fresh = child(d)
    actions.record_contact(
        actor=actor, patient=fresh, date=today - days(days=10), vital_status=VitalStatus.ALIVE
    )
    # Diagnosed inside the window: counted everywhere but in the early-death denominator.
    recent = child(today - days(days=10), "5")
    event(recent, EventKind.DEATH, today - days(days=5), DeathCause.TREATMENT)

    people = people_of("VNCH")
    got = {
        i.key: (i.numerator, i.denominator)
        for i in indicator_rows([site], today=today)[0].indicators
    }
    assert got == expected(people, today, 4)
    # The cohort does exercise each indicator, so the equality above means something.
    assert got["early_death"] == (3, 14)
    assert got["relapse"] == (2, 4)
    assert got["treatment_related_mortality"] == (5, 15)


def test_it_gives_the_wilson_interval():
    # Reference values: Newcombe (1998), Stat Med 17:857, table I (x/n = 81/263, 15/148, 0/20).
    assert wilson(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert wilson(15, 148) == pytest.approx((0.0624, 0.1605), abs=5e-5)
    assert wilson(0, 20) == pytest.approx((0.0, 0.1611), abs=5e-5)
    assert wilson(0, 0) is None
