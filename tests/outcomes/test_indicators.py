import datetime

import pytest

from consilium.outcomes.indicators import indicator_rows, wilson
from consilium.registry.models import DeathCause, Patient


def test_it_counts_every_indicator_as_a_patient_by_patient_count_would(patients, sites):
    today = datetime.date.today()
    rows = indicator_rows([sites["VNCH"], sites["UZPHO"]], early_death_weeks=6, today=today)
    assert [r.institution for r in rows] == ["UZPHO", "VNCH", "All"]
    for row in rows[:2]:
        people = list(
            Patient.objects.filter(institution__code=row.institution).prefetch_related(
                "events", "diagnoses"
            )
        )
        got = {i.key: (i.numerator, i.denominator) for i in row.indicators}

        def first_date(p):
            return min(d.date for d in p.diagnoses.all())

        def kinds(p):
            return {e.kind for e in p.events.all()}

        eligible = [p for p in people if first_date(p) <= today - datetime.timedelta(weeks=6)]
        early = [
            p
            for p in eligible
            if any(
                e.kind == "death" and 0 <= (e.date - first_date(p)).days <= 42
                for e in p.events.all()
            )
        ]
        remission = [p for p in people if "remission" in kinds(p)]
        assert got["abandonment"] == (
            sum("abandonment" in kinds(p) for p in people),
            len(people),
        )
        assert got["early_death"] == (len(early), len(eligible))
        assert got["treatment_related_mortality"] == (
            sum(
                any(
                    e.kind == "death" and e.death_cause == DeathCause.TREATMENT
                    for e in p.events.all()
                )
                for p in people
            ),
            len(people),
        )
        assert got["relapse"] == (sum("relapse" in kinds(p) for p in remission), len(remission))
        tumours = [d for p in people for d in p.diagnoses.all()]
        assert got["microscopically_verified"] == (
            sum(d.basis_of_diagnosis in {"5", "6", "7"} for d in tumours),
            len(tumours),
        )
        followed = [
            p
            for p in people
            if p.vital_status == "dead"
            or (p.last_contact and p.last_contact >= today - datetime.timedelta(days=365))
        ]
        assert got["follow_up_completeness"] == (len(followed), len(people))
    total = {i.key: (i.numerator, i.denominator) for i in rows[2].indicators}
    parts = [{i.key: (i.numerator, i.denominator) for i in r.indicators} for r in rows[:2]]
    for key, (n, d) in total.items():
        assert (n, d) == (parts[0][key][0] + parts[1][key][0], parts[0][key][1] + parts[1][key][1])


def test_it_gives_the_wilson_interval():
    # Reference values: Newcombe (1998), Stat Med 17:857, table I (x/n = 81/263, 15/148, 0/20).
    assert wilson(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert wilson(15, 148) == pytest.approx((0.0624, 0.1605), abs=5e-5)
    assert wilson(0, 20) == pytest.approx((0.0, 0.1611), abs=5e-5)
    assert wilson(0, 0) is None
