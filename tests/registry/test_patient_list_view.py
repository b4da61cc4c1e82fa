import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consilium.audit.models import AuditEntry
from tests.registry.conftest import diagnosis_data, identity

URL = reverse("registry:patient_list")
# The second kind of child in these lists: a B-cell ALL at CNS1 (diagnosis_data's default is a
# neuroblastoma at L2).
ALL_CNS1 = {
    "topography": "C42.1",
    "morphology": "9836",
    "basis_of_diagnosis": "5",
    "stage_tumour": "all",
    "stage_value": "CNS1",
}


def _many(register, count, start=0):
    for n in range(start, start + count):
        register(identity=identity(name=f"Child {n}", hospital_number=f"BN-{n:05d}"))


def test_it_lists_patients_with_their_diagnosis_and_audits_the_read(register, client_for):
    patient = register()

    page = client_for("clinician").get(URL)

    assert page.status_code == 200
    html = page.content.decode()
    assert patient.pseudonym in html
    # Words beside the codes, marked English (no published translation is shipped).
    assert '<span lang="en">Neuroblastoma, NOS</span> <span class="muted">9500/3</span>' in html
    assert '<span lang="en">Adrenal gland, NOS</span> <span class="muted">C74.9</span>' in html
    # The clinician reads Vietnamese: the ICCC-3 group is named in it.
    assert "IV · U nguyên bào thần kinh và các u tế bào thần kinh ngoại biên khác" in html
    assert "Văn An" not in html and "BN24" not in html  # the list carries no identifier
    entry = AuditEntry.objects.get(verb="registry.patient_list_viewed")
    assert entry.details["shown"] == [patient.pseudonym]


def test_it_costs_the_same_queries_for_5_or_40_patients(register, client_for):
    client = client_for("data_manager")
    _many(register, 5)
    client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    _many(register, 35, start=5)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert response.status_code == 200
    assert response.content.decode().count("<tr>") == 41
    assert len(many) == len(few)


def test_it_has_a_fixed_query_budget(register, client_for, django_assert_num_queries):
    _many(register, 12)
    client = client_for("clinician")
    client.get(URL)
    # Session and user (2), roles (1, cached for the request), count, page, the page's
    # diagnoses (3), the audit entry (4 on SQLite, which seals it as it writes it; one INSERT
    # on PostgreSQL, where the sealer does that later), the export links (1). The session's
    # last-seen time is written once a minute, not here.
    with django_assert_num_queries(11 if connection.vendor == "sqlite" else 8):
        response = client.get(URL, {"group": "IV", "vital_status": "alive", "year": "2024"})
    assert response.status_code == 200


def test_it_finds_by_pseudonym_prefix_and_by_exact_hospital_number(register, client_for):
    first = register()
    second = register(identity=identity(name="Trần Thị Mai", hospital_number="BN24-00777"))
    client = client_for("clinician")

    by_pseudonym = client.get(URL, {"q": "vnch-2024-0001"}).content.decode()
    assert first.pseudonym in by_pseudonym and second.pseudonym not in by_pseudonym
    by_number = client.get(URL, {"q": "bn24 00777"}).content.decode()
    assert second.pseudonym in by_number and first.pseudonym not in by_number
    assert "patients" in client.get(URL, {"q": "-"}).content.decode()  # nothing matches "" digest
    audit = AuditEntry.objects.filter(verb="registry.patient_list_viewed").order_by("-id")[1]
    assert audit.details["searched"] is True
    assert "BN24" not in str(audit.details)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"group": "I"}, ["VNCH-2023-0001"]),
        ({"group": "IV"}, ["VNCH-2024-0001"]),
        ({"stage": "cns1"}, ["VNCH-2023-0001"]),
        ({"year": "2023"}, ["VNCH-2023-0001"]),
        ({"vital_status": "dead"}, []),
    ],
)
def test_it_filters_by_group_stage_status_and_year(register, client_for, params, expected):
    register()
    register(
        identity=identity(name="Trần Thị Mai", hospital_number="BN23-1"),
        diagnosis=diagnosis_data(
            date=datetime.date(2023, 4, 1),
            **ALL_CNS1,
        ),
    )
    html = client_for("clinician").get(URL, params).content.decode()
    for pseudonym in ("VNCH-2024-0001", "VNCH-2023-0001"):
        assert (pseudonym in html) == (pseudonym in expected)


def test_it_sends_a_coordinator_to_the_aggregate_figures(client_for):
    response = client_for("coordinator").get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:quality", args=["VNCH"])


@pytest.mark.parametrize("persona", ["expert", "outsider", "admin"])
def test_it_refuses_anyone_without_a_clinical_role(register, client_for, persona):
    register()
    assert client_for(persona).get(URL).status_code == 403


def test_it_sends_an_anonymous_visitor_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_counts_a_filtered_list_only_up_to_its_cap(register, client_for, monkeypatch):
    from consilium.registry.views import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "cap", 3)
    _many(register, 5)
    client = client_for("data_manager")

    filtered = client.get(URL, {"group": "IV"})
    assert "More than 3 patients" in filtered.content.decode()
    assert filtered.context["page"].paginator.num_pages == 1
    assert "5 patients" in client.get(URL).content.decode()  # unfiltered: exact


def test_the_unfiltered_list_is_counted_by_the_kept_count_not_a_count_of_rows(
    register, client_for, monkeypatch
):
    """A COUNT of an institution's 100,000 patients is a sequential scan on PostgreSQL: the
    unfiltered list reads the count the database keeps (tests/registry/test_patient_count.py)."""
    monkeypatch.setattr("consilium.registry.views.PAGE_SIZE", 2)
    _many(register, 5)
    client = client_for("data_manager")
    client.get(URL)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"page": 3})

    html = response.content.decode()
    assert "5 patients" in html and "Page 3 of 3" in html
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts == [], counts
    assert any("registry_patientcount" in q["sql"] for q in queries)


def test_a_large_registry_reads_its_figures_with_the_readers_digit_grouping(
    register, client_for, personas
):
    from consilium.registry.models import PatientCount

    register()
    # The figure as the database keeps it for a registry of 12,345 children (not registered
    # one by one here: the triggers are tested in test_patient_count.py).
    PatientCount.objects.filter(institution__code="VNCH").update(patients=12345)

    english = client_for("data_manager").get(URL).content.decode()
    assert "12,345 patients" in english and "Page 1 of 247" in english
    personas["data_manager"].language = "fr"
    personas["data_manager"].save()
    french = client_for("data_manager").get(URL).content.decode()
    assert "12\xa0345 patients" in french  # a no-break space groups thousands in French


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"q": "VNCH-" + "9" * 60}, "Pseudonym or hospital number: Ensure this value"),
        ({"group": "ZZ"}, "ICCC group: Select a valid choice"),
        ({"year": "abc"}, "Year of diagnosis: Enter a whole number"),
        ({"year": "20240", "group": "IV"}, "Year of diagnosis: Ensure this value"),
        ({"vital_status": "zombie"}, "Vital status: Select a valid choice"),
    ],
)
def test_a_search_it_cannot_run_says_why_and_lists_nobody(register, client_for, query, words):
    """Not the whole registry in place of the results, which would read as the results."""
    register()

    response = client_for("data_manager").get(URL, query)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html and words in html
    assert _shown(response) == []
    assert "0 patients" in html


def _shown(response):
    return [row.pseudonym for row in response.context["rows"]]


def test_it_pages_through_every_patient_once_newest_first(register, client_for, monkeypatch):
    monkeypatch.setattr("consilium.registry.views.PAGE_SIZE", 2)
    _many(register, 5)
    client = client_for("data_manager")

    pages = [_shown(client.get(URL, {"page": n})) for n in (1, 2, 3)]

    assert pages == [
        ["VNCH-2024-0005", "VNCH-2024-0004"],
        ["VNCH-2024-0003", "VNCH-2024-0002"],
        ["VNCH-2024-0001"],
    ]
    assert "Page 3 of 3" in client.get(URL, {"page": 3}).content.decode()
    # Past the end or not a number: the last page or the first, as Django's get_page does.
    assert _shown(client.get(URL, {"page": 99})) == ["VNCH-2024-0001"]
    assert _shown(client.get(URL, {"page": "x"})) == pages[0]


def test_it_pages_a_filtered_list_by_its_own_order(register, client_for, monkeypatch):
    monkeypatch.setattr("consilium.registry.views.PAGE_SIZE", 2)
    for n in range(4):
        register(
            identity=identity(name=f"Child {n}", hospital_number=f"BN23-{n}"),
            diagnosis=diagnosis_data(date=datetime.date(2023 + n % 2, 4, 1)),
        )
    client = client_for("clinician")

    first = client.get(URL, {"year": "2023", "page": 1})
    second = client.get(URL, {"year": "2023", "page": 2})

    assert _shown(first) == ["VNCH-2023-0002", "VNCH-2023-0001"]
    assert first.context["page"].paginator.count == 2
    assert _shown(second) == _shown(first)  # one page only: page 2 is the last one


def test_it_shows_no_other_institutions_patients_on_any_page(
    register, client_for, personas, monkeypatch
):
    from consilium.network.models import Institution

    monkeypatch.setattr("consilium.registry.views.PAGE_SIZE", 2)
    elsewhere = Institution.objects.get(code="PMC")
    _many(register, 3)
    other = register(institution=elsewhere, identity=identity(name="Anna", hospital_number="P1"))
    client = client_for("clinician")

    shown = [p for n in (1, 2) for p in _shown(client.get(URL, {"page": n}))]

    assert sorted(shown) == ["VNCH-2024-0001", "VNCH-2024-0002", "VNCH-2024-0003"]
    assert other.pseudonym not in shown


def test_it_costs_the_same_queries_on_the_first_page_and_a_deep_one(
    register, client_for, monkeypatch
):
    monkeypatch.setattr("consilium.registry.views.PAGE_SIZE", 2)
    _many(register, 9)
    client = client_for("data_manager")
    client.get(URL)
    with CaptureQueriesContext(connection) as first:
        client.get(URL)
    with CaptureQueriesContext(connection) as deep:
        response = client.get(URL, {"page": 4})
    assert _shown(response) == ["VNCH-2024-0003", "VNCH-2024-0002"]
    assert len(deep) == len(first)
    # The page's rows are looked up by the keys of that page alone: the OFFSET walks keys,
    # never whole rows (the cause of a slow page 900 on PostgreSQL).
    page_query = next(q["sql"] for q in deep if "OFFSET" in q["sql"].upper())
    assert '"registry_patient"."id" IN (SELECT' in page_query


def test_a_group_and_a_stage_together_mean_one_diagnosis_of_that_group_at_that_stage(
    register, client_for, personas
):
    from consilium.registry import actions

    # A neuroblastoma at stage L2 and, later, a second primary: an ALL at CNS1.
    patient = register()
    actions.add_diagnosis(
        actor=personas["clinician"],
        patient=patient,
        diagnosis=diagnosis_data(
            date=datetime.date(2024, 9, 1),
            **ALL_CNS1,
        ),
    )
    client = client_for("clinician")

    def shown(**params):
        return [row.pseudonym for row in client.get(URL, params).context["rows"]]

    assert shown(group="IV", stage="L2") == [patient.pseudonym]
    assert shown(group="I", stage="cns1") == [patient.pseudonym]
    assert shown(group="I") == shown(stage="L2") == [patient.pseudonym]
    # The L2 belongs to the neuroblastoma (group IV), not to the leukaemia.
    assert shown(group="I", stage="L2") == []


def test_it_names_the_group_in_the_readers_language_and_keeps_codes_it_cannot_name(
    register, client_for, personas
):
    register(diagnosis=diagnosis_data(topography="C40.1"))
    register(
        identity=identity(name="Child B", hospital_number="BN-2"),
        diagnosis=diagnosis_data(morphology="9500", behaviour="1"),
    )
    personas["clinician"].language = "uz"
    personas["clinician"].save(update_fields=["language"])

    html = client_for("clinician").get(URL).content.decode()

    category = "Bones, joints and articular cartilage of limbs"  # C40, for a subsite not listed
    assert f'<span lang="en">{category}</span> <span class="muted">C40.1</span>' in html
    assert "9500/1 ·" in html  # no term for it: the code alone, never another behaviour's
    assert "IV · Neyroblastoma" in html and "IV · Neuroblastoma" not in html
