import dataclasses
import datetime

import pytest
from django.utils.functional import Promise
from django.utils.translation import override

from consilium.registry.checks import (
    CHECKS,
    CheckResult,
    DiagnosisFacts,
    Level,
    run_all,
    worst_level,
)

TODAY = datetime.date(2025, 6, 1)
DAY = datetime.timedelta(days=1)


def wilms(**changes) -> DiagnosisFacts:
    """A correct record: a four-year-old girl with Wilms tumour, staged and followed up."""
    facts = DiagnosisFacts(
        today=TODAY,
        sex="female",
        birth_date=datetime.date(2020, 3, 1),
        diagnosis_date=datetime.date(2024, 5, 2),
        site="C649",
        histology="8960",
        behaviour="3",
        grade="",
        basis_of_diagnosis="7",
        stage_tumour="wilms",
        stage_tier=2,
        stage_value="II",
        event_dates=(datetime.date(2024, 11, 20),),
        last_contact=datetime.date(2025, 3, 1),
        vital_status="alive",
    )
    return dataclasses.replace(facts, **changes)


RETINOBLASTOMA = {
    "site": "C692",
    "histology": "9510",
    "stage_tumour": "retinoblastoma",
    "stage_value": "I",
}
NEUROBLASTOMA = {
    "site": "C749",
    "histology": "9500",
    "stage_tumour": "neuroblastoma",
    "stage_value": "L1",
}
ALL = {"site": "C421", "histology": "9836", "stage_tumour": "all", "stage_value": "CNS1"}
PILOCYTIC = {
    "site": "C716",
    "histology": "9421",
    "behaviour": "1",
    "stage_tumour": "",
    "stage_tier": None,
    "stage_value": "",
}
COLON_ADENOCARCINOMA = {
    "site": "C189",
    "histology": "8140",
    "stage_tumour": "",
    "stage_tier": None,
    "stage_value": "",
}

FAILING = [
    # check, changes, level, field
    ("core_missing", {"birth_date": None}, Level.ERROR, "birth_date"),
    ("core_missing", {"site": "", "basis_of_diagnosis": ""}, Level.ERROR, "site"),
    ("sex_invalid", {"sex": "f"}, Level.ERROR, "sex"),
    ("site_invalid", {"site": "C43.0"}, Level.ERROR, "site"),
    ("site_invalid", {"site": "C649 left"}, Level.ERROR, "site"),
    ("histology_invalid", {"histology": "8960/3"}, Level.ERROR, "histology"),
    ("histology_invalid", {"histology": "7999"}, Level.ERROR, "histology"),
    ("behaviour_invalid", {"behaviour": "5"}, Level.ERROR, "behaviour"),
    ("grade_invalid", {"grade": "0"}, Level.ERROR, "grade"),
    ("basis_invalid", {"basis_of_diagnosis": "3"}, Level.ERROR, "basis_of_diagnosis"),
    ("vital_status_invalid", {"vital_status": "lost"}, Level.ERROR, "vital_status"),
    ("grade_morphology", {"grade": "5"}, Level.ERROR, "grade"),
    ("date_in_future", {"last_contact": TODAY + DAY}, Level.ERROR, "last_contact"),
    ("date_in_future", {"event_dates": (TODAY + DAY,)}, Level.ERROR, "event_dates"),
    (
        "date_order",
        {"diagnosis_date": datetime.date(2020, 2, 28)},
        Level.ERROR,
        "diagnosis_date",
    ),
    (
        "date_order",
        {"event_dates": (datetime.date(2024, 5, 1),)},
        Level.ERROR,
        "event_dates",
    ),
    (
        "date_order",
        {"event_dates": (datetime.date(2025, 3, 2),)},
        Level.ERROR,
        "last_contact",
    ),
    ("age_morphology", {"birth_date": datetime.date(2008, 1, 1)}, Level.WARNING, "histology"),
    (
        "age_morphology",
        {**RETINOBLASTOMA, "birth_date": datetime.date(2018, 5, 2)},
        Level.WARNING,
        "histology",
    ),
    ("age_morphology", COLON_ADENOCARCINOMA, Level.WARNING, "histology"),
    ("sex_site", {"sex": "male", "site": "C569", "histology": "9071"}, Level.ERROR, "site"),
    ("sex_site", {"sex": "female", "site": "C620", "histology": "9071"}, Level.ERROR, "site"),
    ("site_morphology", {**RETINOBLASTOMA, "site": "C699"}, Level.ERROR, "site"),
    ("site_morphology", {"site": "C480"}, Level.WARNING, "site"),
    ("site_morphology", {"histology": "8970", "site": "C221"}, Level.ERROR, "site"),
    ("site_morphology", {"histology": "9861", "site": "C772"}, Level.WARNING, "site"),
    ("behaviour_site", {"behaviour": "1"}, Level.WARNING, "behaviour"),
    ("behaviour_morphology", {**ALL, "behaviour": "2"}, Level.ERROR, "behaviour"),
    ("behaviour_morphology", {"behaviour": "2"}, Level.ERROR, "behaviour"),
    ("behaviour_morphology", {"behaviour": "6"}, Level.WARNING, "behaviour"),
    ("death_certificate_only", {"basis_of_diagnosis": "0"}, Level.WARNING, "basis_of_diagnosis"),
    ("basis_morphology", {"basis_of_diagnosis": "1"}, Level.WARNING, "basis_of_diagnosis"),
    (
        "basis_morphology",
        {**NEUROBLASTOMA, "basis_of_diagnosis": "2"},
        Level.WARNING,
        "basis_of_diagnosis",
    ),
    (
        "basis_morphology",
        {**PILOCYTIC, "site": "C499", "behaviour": "3", "basis_of_diagnosis": "2"},
        Level.WARNING,
        "basis_of_diagnosis",
    ),
    ("iccc_unclassifiable", {"site": "C421", "histology": "9240"}, Level.WARNING, "histology"),
    ("stage_invalid", {"stage_value": "L1"}, Level.ERROR, "stage_value"),
    ("stage_invalid", {"stage_tumour": ""}, Level.ERROR, "stage_tumour"),
    ("stage_invalid", {"stage_tier": 3}, Level.ERROR, "stage_tier"),
    (
        "stage_tumour",
        {"stage_tumour": "neuroblastoma", "stage_value": "L1"},
        Level.ERROR,
        "stage_tumour",
    ),
    (
        "stage_tumour",
        {**PILOCYTIC, "stage_tumour": "ependymoma", "stage_tier": 1, "stage_value": "M0"},
        Level.WARNING,
        "stage_tumour",
    ),
    ("stage_missing", {"stage_value": ""}, Level.WARNING, "stage_value"),
    (
        "follow_up_stale",
        {"last_contact": datetime.date(2024, 5, 31)},
        Level.WARNING,
        "last_contact",
    ),
    (
        "follow_up_stale",
        {"event_dates": (), "last_contact": None, "diagnosis_date": datetime.date(2024, 1, 2)},
        Level.WARNING,
        "last_contact",
    ),
]

PASSING = [
    # check, changes: records that are right, often just inside a rule's limit
    ("core_missing", {}),
    ("core_missing", {"grade": ""}),
    ("sex_invalid", {"sex": "unknown"}),
    ("site_invalid", {"site": "C64.9"}),
    ("histology_invalid", {"histology": " 8960 "}),
    ("behaviour_invalid", {"behaviour": "9"}),
    ("grade_invalid", {"grade": "9"}),
    ("grade_invalid", {"grade": ""}),
    ("basis_invalid", {"basis_of_diagnosis": "4"}),
    ("vital_status_invalid", {"vital_status": "dead"}),
    ("grade_morphology", {**ALL, "grade": "5"}),
    ("grade_morphology", {"grade": "3"}),
    ("date_in_future", {"last_contact": TODAY}),
    ("date_order", {"diagnosis_date": datetime.date(2020, 3, 1)}),
    ("date_order", {"event_dates": (datetime.date(2024, 5, 2), datetime.date(2025, 3, 1))}),
    ("date_order", {"birth_date": None, "last_contact": None}),
    ("age_morphology", {"birth_date": datetime.date(2009, 5, 3)}),
    ("age_morphology", {**RETINOBLASTOMA, "birth_date": datetime.date(2018, 5, 3)}),
    ("age_morphology", {**COLON_ADENOCARCINOMA, "birth_date": datetime.date(2014, 5, 2)}),
    ("age_morphology", {**COLON_ADENOCARCINOMA, "site": "C739", "histology": "8260"}),
    ("sex_site", {"sex": "unknown", "site": "C620", "histology": "9071"}),
    ("sex_site", {"sex": "female", "site": "C569", "histology": "9071"}),
    ("site_morphology", RETINOBLASTOMA),
    ("site_morphology", {**ALL, "histology": "9861"}),
    ("site_morphology", {**ALL, "site": "C770", "histology": "9811"}),
    ("behaviour_site", PILOCYTIC),
    ("behaviour_site", {**PILOCYTIC, "site": "C753"}),
    ("behaviour_morphology", {"site": "C509", "histology": "8500", "behaviour": "2"}),
    ("death_certificate_only", {"basis_of_diagnosis": "9"}),
    ("basis_morphology", {**RETINOBLASTOMA, "basis_of_diagnosis": "1"}),
    ("basis_morphology", {**NEUROBLASTOMA, "basis_of_diagnosis": "4"}),
    ("basis_morphology", {**PILOCYTIC, "site": "C717", "basis_of_diagnosis": "2"}),
    ("basis_morphology", {"histology": "8000", "basis_of_diagnosis": "1"}),
    ("basis_morphology", {"basis_of_diagnosis": "6"}),
    ("iccc_unclassifiable", {}),
    ("iccc_unclassifiable", {"behaviour": "1"}),  # behaviour_site says why
    ("stage_invalid", {"stage_value": "ii"}),
    ("stage_invalid", {"stage_tumour": "", "stage_value": ""}),
    ("stage_tumour", NEUROBLASTOMA),
    ("stage_tumour", {"stage_tumour": ""}),
    ("stage_missing", PILOCYTIC),
    ("stage_missing", ALL),
    ("follow_up_stale", {"last_contact": datetime.date(2024, 6, 1)}),
    ("follow_up_stale", {"last_contact": datetime.date(2020, 1, 1), "vital_status": "dead"}),
]


@pytest.mark.parametrize(("code", "changes", "level", "field"), FAILING)
def test_it_finds_the_problem(code, changes, level, field):
    result = CHECKS[code](wilms(**changes))

    assert (result.code, result.level, result.field) == (code, level, field)
    assert result.message


@pytest.mark.parametrize(("code", "changes"), PASSING)
def test_it_passes_a_correct_record(code, changes):
    result = CHECKS[code](wilms(**changes))

    assert result == CheckResult(code=code, level=Level.OK)


@pytest.mark.parametrize(("code", "changes", "level", "field"), FAILING)
def test_running_them_all_finds_what_each_check_finds(code, changes, level, field):
    found = CHECKS[code](wilms(**changes))

    assert found in run_all(wilms(**changes))


def test_it_tests_every_check_both_ways():
    assert {case[0] for case in FAILING} == set(CHECKS)
    assert {case[0] for case in PASSING} == set(CHECKS)


def test_it_finds_nothing_wrong_with_a_correct_record():
    assert run_all(wilms()) == []


def test_it_does_not_repeat_a_missing_field_in_every_check():
    results = run_all(wilms(site="", histology="", behaviour=""))

    assert [result.code for result in results] == ["core_missing"]


def test_it_reports_every_problem_of_a_bad_record():
    facts = wilms(
        sex="male",
        site="C569",
        histology="9510",
        birth_date=datetime.date(2000, 1, 1),
        basis_of_diagnosis="0",
        stage_value="VI",
    )

    codes = [result.code for result in run_all(facts)]

    assert codes == [
        "age_morphology",
        "sex_site",
        "site_morphology",
        "death_certificate_only",
        "stage_invalid",
        "stage_tumour",
    ]
    assert worst_level(run_all(facts)) == Level.ERROR


def test_it_ranks_levels():
    warning = CheckResult(code="a", level=Level.WARNING)
    error = CheckResult(code="b", level=Level.ERROR)

    assert worst_level([]) == Level.OK
    assert worst_level([warning]) == Level.WARNING
    assert worst_level([warning, error, warning]) == Level.ERROR


def test_it_derives_age_in_completed_years():
    assert wilms().age_years == 4
    assert wilms(diagnosis_date=datetime.date(2024, 2, 29)).age_years == 3
    assert wilms(diagnosis_date=datetime.date(2024, 3, 1)).age_years == 4
    assert wilms(birth_date=None).age_years is None
    assert wilms(diagnosis_date=datetime.date(2019, 1, 1)).age_years is None


def test_it_keeps_messages_translatable():
    result = CHECKS["stage_invalid"](wilms(stage_value="L1"))

    assert isinstance(result.message, Promise)
    with override("en"):
        assert str(result.message) == (
            "“L1” is not a tier 2 stage of Wilms tumour; use one of I, II, III, IV, V."
        )
