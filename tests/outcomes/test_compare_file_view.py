"""The outcomes page's comparison of one's own site with another site's aggregate file."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from consilium.outcomes import aggregates, exchange, groupings
from consilium.outcomes.endpoints import Endpoint
from consilium.outcomes.survival import LifeTable, kaplan_meier

URL = "/outcomes/compare/"


def _upload(document, name="UZPHO.json"):
    content = document if isinstance(document, bytes) else json.dumps(document).encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


def _post(client, document, *, endpoint="os", institution="VNCH"):
    return client.post(
        URL, {"institution": institution, "endpoint": endpoint, "file": _upload(document)}
    )


@pytest.fixture
def uzpho_export(patients, sites):
    return exchange.export_document(sites["UZPHO"])


def _document(**changes):
    """A small valid file of another site: cheap, for the tests that need no real cohort."""
    document = {
        "format": "consilium-outcomes",
        "version": 1,
        "site": "AAA",
        "time_unit": "month",
        "threshold": 5,
        "endpoints": {"os": {"all": {"groups": {"all": {"rows": [[1, 1, 0], [3, 0, 4]]}}}}},
    }
    document.update(changes)
    return document


def test_it_compares_the_own_site_with_another_sites_file_and_pools_them_exactly(
    client_for, patients, sites, uzpho_export
):
    response = _post(client_for("data_manager"), uzpho_export, endpoint="efs")

    assert response.status_code == 200
    comparison = response.context["comparison"]
    own = aggregates.life_tables(Endpoint.EFS, groupings.by_all(), [sites["VNCH"].pk])
    theirs = aggregates.life_tables(Endpoint.EFS, groupings.by_all(), [sites["UZPHO"].pk])
    assert comparison.compared.grouped.tables == {
        "VNCH": exchange.coarsen(own.tables["all"]),
        "UZPHO": exchange.coarsen(theirs.tables["all"]),
    }
    # The pooled curve is the curve of both sites' patients together (in months).
    both = aggregates.life_tables(
        Endpoint.EFS, groupings.by_all(), [sites["VNCH"].pk, sites["UZPHO"].pk]
    )
    expected = exchange.coarsen(both.tables["all"])
    pooled = comparison.pooled.grouped.tables["pooled"]
    assert pooled == expected
    assert kaplan_meier(pooled).survival == kaplan_meier(expected).survival
    assert comparison.compared.test is not None and comparison.compared.test.estimable
    body = response.content.decode()
    assert 'id="km-title-compared"' in body and 'id="km-title-pooled"' in body
    assert "VNCH and UZPHO pooled" in body and "Log-rank test" in body


def test_it_sets_the_abandonment_rates_side_by_side_and_pooled(
    client_for, patients, sites, uzpho_export
):
    from consilium.navigation.measures import abandonment_cells

    response = _post(client_for("data_manager"), uzpho_export)
    own = abandonment_cells([sites["VNCH"].pk], "all")["all"]
    theirs = abandonment_cells([sites["UZPHO"].pk], "all")["all"]
    rows = {row.label: row.rate for row in response.context["comparison"].abandonment}
    assert rows["VNCH"] == own and rows["UZPHO"] == theirs
    both = rows["VNCH and UZPHO pooled"]
    assert (both.numerator, both.denominator) == (
        own.numerator + theirs.numerator,
        own.denominator + theirs.denominator,
    )
    assert own.denominator > 0 and theirs.denominator > 0
    assert 'id="abandonment"' in response.content.decode()
    from consilium.outcomes.indicators import wilson

    [vnch] = [r for r in response.context["comparison"].abandonment if r.label == "VNCH"]
    assert vnch.interval == wilson(own.numerator, own.denominator)


def test_a_file_without_abandonment_counts_says_so_rather_than_zero(client_for, patients, sites):
    """A file exported before the counts were added: no invented 0%."""
    response = _post(client_for("data_manager"), _document())
    assert response.status_code == 200
    rows = {row.label: row.rate for row in response.context["comparison"].abandonment}
    assert rows["AAA"] is None and rows["VNCH and AAA pooled"] is None
    assert rows["VNCH"] is not None
    assert "not in the file" in response.content.decode()


def _with_rows(document, rows):
    changed = json.loads(json.dumps(document))
    changed["endpoints"]["os"]["all"]["groups"]["all"]["rows"] = rows
    return changed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: {**d, "version": 2}, "version 2 of the outcomes format"),
        (lambda d: _with_rows(d, [[1, -3, 0], [2, 0, 4]]), "whole numbers of at least 0"),
        (lambda d: _with_rows(d, [[1, 2.5, 0]]), "whole numbers of at least 0"),
        (lambda d: {**d, "format": "something else"}, "not a Consilium outcomes file"),
        (lambda d: {**d, "time_unit": "day"}, "expected monthly tables"),
        (lambda d: b"\xff\xfe not text", "not UTF-8 text"),
        (lambda d: b"{not json", "not JSON"),
        (lambda d: {**d, "site": "VNCH"}, "VNCH's own export"),
        (lambda d: _with_rows(d, [[1, 1, 0], [3, 0, 2]]), "publishes 3 patients, fewer than 5"),
        # A file that says it combined groups under 2 still may not show a cell of 2 here.
        (
            lambda d: {**_with_rows(d, [[1, 1, 1]]), "threshold": 1},
            "publishes 2 patients, fewer than 5",
        ),
        (
            lambda d: {
                **d,
                "abandonment": {"risk": {"groups": {"high": {"abandoned": 1, "children": 4}}}},
            },
            "abandonment by 'risk', group 'high' publishes 4 patients",
        ),
        (lambda d: {**d, "threshold": 0}, "threshold must be a whole number"),
    ],
)
def test_it_refuses_a_bad_file_with_a_clear_message_and_no_figure(client_for, change, message):
    from consilium.audit.models import AuditEntry

    client = client_for("data_manager")
    entries = AuditEntry.objects.count()
    response = _post(client, change(_document()))

    assert response.status_code == 400
    body = response.content.decode()
    assert message in body.replace("&#x27;", "'")
    assert "comparison" not in response.context and "km-chart" not in body
    assert AuditEntry.objects.count() == entries


def test_it_says_so_when_the_file_withholds_the_whole_site_table(client_for):
    withheld = _document()
    withheld["endpoints"]["os"]["all"] = {
        "groups": {},
        "combined_into_other": [],
        "withheld": ["all"],
    }
    response = _post(client_for("data_manager"), withheld)
    assert response.status_code == 400
    assert "withholds its whole-site table" in response.content.decode().replace("&#x27;", "'")


def test_it_refuses_a_site_the_user_has_no_role_at(client_for):
    # The coordinator's site is VNCH: UZPHO's own patients are not theirs to set beside a file.
    response = _post(client_for("coordinator"), _document(), institution="UZPHO")
    assert response.status_code == 400
    assert "comparison" not in response.context


def test_it_refuses_a_file_too_large_to_be_an_export(client_for):
    from consilium.outcomes import forms

    big = b" " * (forms.MAX_AGGREGATE_FILE_BYTES + 1)
    response = _post(client_for("data_manager"), big)
    assert response.status_code == 400
    assert "larger than 5 MB" in response.content.decode()


# Clinicians see the outcomes page, but comparing with another site is the data manager's or
# the coordinator's work (as is exporting: tests/outcomes/test_export_file_view.py).
@pytest.mark.parametrize("persona", ["clinician", "expert", "outsider", "admin"])
def test_it_refuses_people_without_an_aggregate_role(client_for, persona):
    assert client_for(persona).get(URL).status_code == 403
    assert _post(client_for(persona), _document()).status_code == 403


def test_it_refuses_the_anonymous_visitor(client, personas):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_offers_the_form_from_the_outcomes_page(client_for, personas):
    client = client_for("data_manager")
    page = client.get("/outcomes/").content.decode()
    assert f'action="{URL}"' in page and 'enctype="multipart/form-data"' in page
    assert client.get(URL).status_code == 200


def test_it_offers_neither_form_nor_export_to_a_clinician(client_for, personas):
    page = client_for("clinician").get("/outcomes/").content.decode()
    assert URL not in page and "/outcomes/aggregates/" not in page


def test_it_audits_which_sites_file_was_set_beside_which_site(client_for, personas):
    from consilium.audit.models import AuditEntry

    response = _post(client_for("data_manager"), _document(), endpoint="os")

    assert response.status_code == 200
    entry = AuditEntry.objects.filter(verb="outcomes.aggregates_compared").get()
    assert entry.actor == personas["data_manager"]
    assert entry.details["site"] == "AAA" and entry.details["endpoint"] == "os"
    assert entry.institution.code == "VNCH"


def test_it_pools_a_file_whose_site_has_no_patient_of_ours(client_for):
    # An own site with no registered patient yet: the file's curve alone, pooled = theirs.
    response = _post(client_for("data_manager"), _document())
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert comparison.pooled.grouped.tables["pooled"] == LifeTable.from_rows([[1, 1, 0], [3, 0, 4]])
    assert comparison.compared.test is None


def test_it_explains_a_file_of_another_version_in_the_readers_language(client_for):
    client = client_for("data_manager")
    client.cookies["django_language"] = "vi"
    response = _post(client, _document(version=2))
    assert response.status_code == 400
    assert "đây là phiên bản 2 của định dạng kết cục" in response.content.decode()
