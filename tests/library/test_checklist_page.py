import csv
import datetime
import io

from django.urls import reverse

from consilium.library.actions import compliance as actions


def _round(checklist, personas, institutions, day, unit, results):
    items = list(checklist.items.all())
    actions.record_round(
        actor=personas["clinician"],
        checklist=checklist,
        institution=institutions["VNCH"],
        unit=unit,
        audited_on=day,
        observations=[(items[n % 3].pk, r) for n, r in enumerate(results)],
    )


def test_it_draws_compliance_over_time_as_an_accessible_svg(
    checklist, personas, institutions, client_for
):
    _round(
        checklist,
        personas,
        institutions,
        datetime.date(2025, 1, 15),
        "Ward 3",
        ["compliant", "non_compliant", "non_compliant"],
    )
    _round(
        checklist,
        personas,
        institutions,
        datetime.date(2025, 2, 15),
        "Ward 3",
        ["compliant", "compliant", "not_applicable"],
    )
    _round(
        checklist,
        personas,
        institutions,
        datetime.date(2025, 2, 20),
        "Day unit",
        ["compliant", "non_compliant", "compliant"],
    )

    response = client_for("coordinator").get(reverse("library:checklist", args=[checklist.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "<svg" in html and "<title" in html and "<desc" in html
    assert html.count("<polyline") == 2  # one line per unit
    assert "style=" not in html  # the CSP forbids inline styles
    # The data table gives every percentage with its counts.
    assert "33.3 % (1/3)" in html
    assert "100.0 % (2/2)" in html
    assert "66.7 % (2/3)" in html


def test_the_chart_changes_when_a_round_is_recorded(checklist, personas, institutions, client_for):
    url = reverse("library:checklist", args=[checklist.pk])
    client = client_for("coordinator")
    assert "No audit rounds yet" in client.get(url).content.decode()
    _round(checklist, personas, institutions, datetime.date(2025, 1, 15), "Ward 3", ["compliant"])
    assert "<polyline" in client.get(url).content.decode()


def test_it_downloads_the_figures_as_csv(checklist, personas, institutions, client_for):
    _round(
        checklist,
        personas,
        institutions,
        datetime.date(2025, 1, 15),
        "Ward 3",
        ["compliant", "non_compliant", "not_applicable"],
    )
    response = client_for("coordinator").get(
        reverse("library:compliance_csv", args=[checklist.pk]) + "?institution=VNCH"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "institution"
    assert rows[1] == ["VNCH", "Ward 3", "2025-01-15", "1", "1", "1", "50.0"]


def test_outsiders_do_not_see_another_hospitals_figures(checklist, client_for):
    outsider = client_for("outsider")
    page = outsider.get(reverse("library:checklist", args=[checklist.pk]))
    assert "This procedure is not in force at your institution" in page.content.decode()
    csv_url = reverse("library:compliance_csv", args=[checklist.pk]) + "?institution=VNCH"
    assert outsider.get(csv_url).status_code == 404


def test_the_page_has_a_fixed_query_budget(
    checklist, personas, institutions, client_for, django_assert_max_num_queries
):
    for month in range(1, 7):
        _round(
            checklist,
            personas,
            institutions,
            datetime.date(2025, month, 10),
            "Ward 3",
            ["compliant", "non_compliant"],
        )
    client = client_for("coordinator")
    with django_assert_max_num_queries(20):
        assert client.get(reverse("library:checklist", args=[checklist.pk])).status_code == 200
