"""The database's GROUP BY against a patient-by-patient computation in Python, on the same
children registered through the registry's actions; run on SQLite and on PostgreSQL."""

import datetime
from collections import Counter

import numpy as np
import pytest
from lifelines import KaplanMeierFitter

from consilium.outcomes import aggregates, groupings, index_cancers
from consilium.outcomes.endpoints import Endpoint
from consilium.outcomes.report import summarise
from consilium.outcomes.survival import LifeTable, kaplan_meier
from consilium.registry.models import FollowUpEvent, Patient
from consilium.registry.survival_facts import refresh
from tests.outcomes.cohort import expected_outcome


def python_tables(patients, endpoint, key_of):
    rows, excluded = {}, {}
    for patient in patients:
        key = key_of(patient)
        if key is None:
            continue
        reason, days, event = expected_outcome(patient, endpoint)
        if reason:
            excluded.setdefault(key, Counter())[reason] += 1
        else:
            rows.setdefault(key, []).append((days, int(event), int(not event)))
    return {k: LifeTable.from_counts(v) for k, v in rows.items()}, excluded


def first(patient):
    return min(patient.diagnoses.all(), key=lambda d: (d.date, d.pk))


def index_key(patient):
    d = first(patient)
    if d.iccc_extended == "001":
        return "all"
    if d.iccc_recode == "023":
        return "burkitt"
    if d.iccc_recode == "021":
        return "hodgkin"
    if d.iccc_recode == "050":
        return "retinoblastoma"
    if d.iccc_extended == "036":
        return "wilms"
    if d.iccc_main_group == "III" and d.morphology in index_cancers.LOW_GRADE_GLIOMA_MORPHOLOGIES:
        return "lgg"
    return None


def stage_key(patient):
    d = first(patient)
    return f"{d.stage_tumour}:{d.stage_value}" if d.stage_tumour else None


def fresh(patients):
    return list(
        Patient.objects.filter(pk__in=[p.pk for p in patients]).prefetch_related(
            "diagnoses", "events"
        )
    )


def test_it_matches_a_patient_by_patient_computation_for_every_endpoint(patients, sites):
    ids = [s.pk for s in sites.values()]
    everyone = fresh(patients)
    cases = [
        (groupings.by_institution(list(sites.values())), lambda p: p.institution_id),
        (groupings.by_iccc(), lambda p: first(p).iccc_main_group or None),
        (groupings.by_index_cancer(), index_key),
        (groupings.by_stage(), stage_key),
        (
            groupings.by_period([(2016, 2018), (2019, 2021), (2022, 2030)]),
            lambda p: {2016: "2016–2018", 2019: "2019–2021", 2022: "2022–2030"}[
                max(y for y in (2016, 2019, 2022) if y <= first(p).date.year)
            ],
        ),
    ]
    # Building the cohort costs more than the queries: one test walks all the endpoints.
    for endpoint in Endpoint:
        for grouping, key_of in cases:
            grouped = aggregates.life_tables(endpoint, grouping, ids)
            tables, excluded = python_tables(everyone, endpoint, key_of)
            assert grouped.tables == tables, (endpoint, grouping.name)
            assert grouped.excluded == excluded, (endpoint, grouping.name)
        total = aggregates.life_tables(endpoint, groupings.by_all(), ids).tables["all"]
        assert total.subjects == len(everyone)
        assert total.total_events > 0


def test_it_splits_a_party_before_and_after_the_partnership_start(patients, sites, partnership):
    grouping = groupings.by_partnership(partnership, sites["VNCH"])
    grouped = aggregates.life_tables(Endpoint.EFS, grouping, [s.pk for s in sites.values()])
    vnch = [p for p in fresh(patients) if p.institution_id == sites["VNCH"].pk]
    tables, _ = python_tables(
        vnch,
        Endpoint.EFS,
        lambda p: "before" if first(p).date < partnership.valid_from else "after",
    )
    assert grouped.tables == tables
    assert set(grouped.tables) == {"before", "after"}


def test_it_agrees_with_lifelines_end_to_end(patients, sites):
    everyone = fresh(patients)
    grouped = aggregates.life_tables(
        Endpoint.AS_EFS, groupings.by_all(), [s.pk for s in sites.values()]
    )
    km = kaplan_meier(grouped.tables["all"])
    outcomes = [expected_outcome(p, Endpoint.AS_EFS) for p in everyone]
    fitter = KaplanMeierFitter().fit(
        np.array([days for _r, days, _e in outcomes], dtype=float), [e for _r, _d, e in outcomes]
    )
    theirs = fitter.survival_function_["KM_estimate"]
    bounds = fitter.confidence_interval_
    for i, time in enumerate(km.times):
        assert km.survival[i] == pytest.approx(theirs.loc[float(time)], abs=1e-9)
        assert km.lower[i] == pytest.approx(bounds.iloc[:, 0].loc[float(time)], abs=1e-9)
        assert km.upper[i] == pytest.approx(bounds.iloc[:, 1].loc[float(time)], abs=1e-9)


def test_it_uses_the_first_of_several_diagnoses_as_the_origin(patients, sites, personas):
    from consilium.registry import actions
    from tests.registry.conftest import diagnosis_data

    patient = patients[0]
    origin = first(patient).date
    later = diagnosis_data(date=origin + datetime.timedelta(days=40))
    actions.add_diagnosis(actor=personas["data_manager"], patient=patient, diagnosis=later)
    grouped = aggregates.life_tables(Endpoint.OS, groupings.by_all(), [sites["VNCH"].pk])
    tables, _ = python_tables(
        [p for p in fresh(patients) if p.institution_id == sites["VNCH"].pk],
        Endpoint.OS,
        lambda p: "all",
    )
    assert grouped.tables == tables
    assert grouped.tables["all"].subjects == 35


def test_it_excludes_and_counts_bad_records_instead_of_dropping_them(patients, sites):
    vnch = [p for p in patients if p.institution_id == sites["VNCH"].pk]
    # Data from before the registry's checks (an old import): written directly, on purpose.
    bad_event, no_contact, early_contact, dead_no_date = vnch[:4]
    FollowUpEvent.objects.create(
        patient=bad_event,
        kind="death",
        death_cause="disease",
        date=first(bad_event).date - datetime.timedelta(days=3),
    )
    for p in (no_contact, early_contact, dead_no_date):
        p.events.all().delete()
    Patient.objects.filter(pk=no_contact.pk).update(last_contact=None, vital_status="alive")
    Patient.objects.filter(pk=early_contact.pk).update(
        last_contact=first(early_contact).date - datetime.timedelta(days=1), vital_status="alive"
    )
    Patient.objects.filter(pk=dead_no_date.pk).update(
        last_contact=first(dead_no_date).date + datetime.timedelta(days=50), vital_status="dead"
    )
    # Direct writes skip the actions, so the patients' survival facts are refreshed by hand.
    refresh(Patient.objects.filter(pk__in=[p.pk for p in vnch[:4]]))

    grouped = aggregates.life_tables(
        Endpoint.OS, groupings.by_institution(list(sites.values())), [sites["VNCH"].pk]
    )

    assert grouped.excluded[sites["VNCH"].pk] == {
        "event_before_diagnosis": 1,
        "no_last_contact": 1,
        "contact_before_diagnosis": 1,
        "dead_without_date": 1,
    }
    assert grouped.tables[sites["VNCH"].pk].subjects == 31
    text = summarise(grouped).excluded_lines()
    assert (1, "no last contact and no event") in text


def test_it_groups_a_value_off_the_known_list_by_its_own_text(patients, sites):
    # The SQL numbers the known values; an old import's stage off the guideline's list (and
    # an ICCC group no classifier gives) must still be its own group, not lost or merged.
    from consilium.registry.models import Diagnosis

    ids = [s.pk for s in sites.values()]
    odd_stage, odd_group = patients[0], patients[1]
    Diagnosis.objects.filter(pk=first(odd_stage).pk).update(stage_tumour="wilms", stage_value="VI")
    Diagnosis.objects.filter(pk=first(odd_group).pk).update(iccc_main_group="XIII")
    refresh(Patient.objects.filter(pk__in=[odd_stage.pk, odd_group.pk]))
    everyone = fresh(patients)
    cases = [
        (groupings.by_stage(), stage_key, "wilms:VI"),
        (groupings.by_iccc(), lambda p: first(p).iccc_main_group or None, "XIII"),
    ]
    for grouping, key_of, odd in cases:
        grouped = aggregates.life_tables(Endpoint.OS, grouping, ids)
        tables, excluded = python_tables(everyone, Endpoint.OS, key_of)
        assert grouped.tables == tables, grouping.name
        assert grouped.excluded == excluded, grouping.name
        assert grouped.tables[odd].subjects == 1


def test_it_groups_by_integer_keys_only(sites, partnership):
    # Sorting text keys was most of the GROUP BY at a million patients: every grouping's SQL
    # key is an integer, turned back into its text key in Python.
    from django.db.models import IntegerField

    for grouping in (
        groupings.by_all(),
        groupings.by_institution(list(sites.values())),
        groupings.by_iccc(),
        groupings.by_index_cancer(),
        groupings.by_stage(),
        groupings.by_period([(2016, 2018), (2019, 2030)]),
        groupings.by_partnership(partnership, sites["VNCH"]),
    ):
        key = Patient.objects.annotate(k=grouping.key).query.annotations["k"]
        field = key.output_field
        assert isinstance(field, IntegerField) or field.get_internal_type().endswith(
            "IntegerField"
        ), grouping.name


def test_it_gives_honest_figures_for_a_group_of_one_and_a_group_without_events(personas, sites):
    from tests.outcomes.cohort import Plan, register

    base = datetime.date(2019, 5, 1)
    # One Wilms tumour (who dies), three retinoblastomas that all do well.
    register(
        Plan(1, base, "I", (("death", 200, "disease"),), None),
        serial=1,
        institution=sites["VNCH"],
        actor=personas["data_manager"],
    )
    for n, days in enumerate((400, 800, 1200)):
        register(
            Plan(2, base, "I", (), days),
            serial=10 + n,
            institution=sites["VNCH"],
            actor=personas["data_manager"],
        )

    report = summarise(
        aggregates.life_tables(Endpoint.OS, groupings.by_index_cancer(), [sites["VNCH"].pk])
    )

    by_key = {g.key: g for g in report.groups}
    wilms, rb = by_key["wilms"], by_key["retinoblastoma"]
    assert (wilms.patients, wilms.events, wilms.median_years) == (1, 1, pytest.approx(200 / 365.25))
    assert wilms.estimates[0].point.survival == 0.0
    assert rb.events == 0
    assert rb.median_years is None
    one_year = rb.estimates[0].point
    assert (one_year.survival, one_year.lower, one_year.upper) == (1.0, 1.0, 1.0)
    assert rb.estimates[3].point is None  # nobody followed 5 years: no number rather than 100%
    assert report.test is not None and report.test.estimable


def test_it_runs_one_query_per_grouping(patients, sites, django_assert_num_queries):
    ids = [s.pk for s in sites.values()]
    with django_assert_num_queries(1):
        aggregates.life_tables(Endpoint.EFS, groupings.by_iccc(), ids)


def test_it_groups_by_integer_day_offsets_without_date_arithmetic(patients, sites):
    # The day offsets are computed once, when the facts change, not per row at every query:
    # the GROUP BY must read no date column and call no date function.
    sql, _params = (
        Patient.objects.annotate(code=aggregates.code_expression(Endpoint.EFS_ABANDON_CENSORED))
        .values("code")
        .query.sql_with_params()
    )
    assert "julianday" not in sql and "django_" not in sql and "_date" not in sql
    assert "last_contact_day" in sql and "abandonment_day" in sql


DAY_COLUMN_OF_KIND = {
    "death": "death_day",
    "relapse": "first_efs_event_day",
    "progression": "first_efs_event_day",
    "second_cancer": "first_efs_event_day",
    "abandonment": "abandonment_day",
}


def test_it_keeps_the_day_offsets_right_through_the_actions(patients, sites):
    # The cohort was registered, its events and contacts recorded through the actions only.
    for patient in fresh(patients):
        origin = first(patient).date
        expected = dict.fromkeys(DAY_COLUMN_OF_KIND.values())
        for event in sorted(patient.events.all(), key=lambda e: e.date):
            column = DAY_COLUMN_OF_KIND.get(event.kind)
            if column and expected[column] is None:
                expected[column] = (event.date - origin).days
        expected["last_contact_day"] = (patient.last_contact - origin).days
        assert {name: getattr(patient, name) for name in expected} == expected, patient.pseudonym
