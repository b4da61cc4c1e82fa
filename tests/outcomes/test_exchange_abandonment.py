"""The abandonment measures in the aggregate file a site shares: the SIOP PODC abandonment
rate as counts (overall, by period, by risk band) under the same small-group rule as the life
tables, the abandonment-sensitive survival beside the other endpoints, pooled exactly, bad
sections refused; and nothing in the file about any one child."""

import json
import re

import pytest
from django.core.management import CommandError, call_command

from consilium.navigation.measures import Rate
from consilium.outcomes import aggregates, exchange, groupings
from consilium.outcomes.endpoints import Endpoint
from consilium.outcomes.exchange import ExchangeError
from consilium.registry.models import EventKind, Patient

pytestmark = pytest.mark.django_db


def export(tmp_path, code, threshold=5):
    path = tmp_path / f"{code}.json"
    call_command("outcomes_export", institution=code, output=path, threshold=threshold)
    return path


def counted(institution_ids):
    """Children with a diagnosis, and those of them with an abandonment event, from the
    registry's events (not the measures' own query)."""
    children = Patient.objects.filter(institution_id__in=institution_ids, origin_date__isnull=False)
    abandoned = children.filter(events__kind=EventKind.ABANDONMENT).distinct()
    return abandoned.count(), children.count()


def test_the_file_holds_the_sites_abandonment_rate(patients, sites, tmp_path):
    document = json.loads(export(tmp_path, "VNCH").read_text())
    abandoned, children = counted([sites["VNCH"].pk])
    assert abandoned > 0  # the cohort has abandonments, so the figure is not vacuous
    assert document["abandonment"]["all"]["groups"] == {
        "all": {"abandoned": abandoned, "children": children}
    }
    by_period = json.loads(export(tmp_path, "VNCH", threshold=1).read_text())["abandonment"]
    cells = by_period["period"]["groups"].values()
    assert sum(c["abandoned"] for c in cells) == abandoned
    assert sum(c["children"] for c in cells) == children
    assert all(re.fullmatch(r"\d{4}-\d{4}", key) for key in by_period["period"]["groups"])


def test_the_abandonment_sensitive_efs_is_shared_and_counts_abandonment(patients, sites, tmp_path):
    document = json.loads(export(tmp_path, "VNCH", threshold=1).read_text())

    def events(endpoint):
        rows = document["endpoints"][endpoint]["all"]["groups"]["all"]["rows"]
        return sum(e for _t, e, _c in rows)

    assert events("as_efs") > events("efs")
    expected = exchange.coarsen(
        aggregates.life_tables(Endpoint.AS_EFS, groupings.by_all(), [sites["VNCH"].pk]).tables[
            "all"
        ]
    )
    assert document["endpoints"]["as_efs"]["all"]["groups"]["all"]["rows"] == expected.to_rows()


def test_pooling_adds_the_sites_counts_exactly(patients, sites, tmp_path, capsys):
    files = [export(tmp_path, "VNCH"), export(tmp_path, "UZPHO")]
    pooled = exchange.pool_abandonment(exchange.read_files(files), by="all")
    abandoned, children = counted([s.pk for s in sites.values()])
    assert (pooled["all"].numerator, pooled["all"].denominator) == (abandoned, children)
    per_site = exchange.pool_abandonment(exchange.read_files(files), by="institution")
    assert {code: (r.numerator, r.denominator) for code, r in per_site.items()} == {
        code: counted([site.pk]) for code, site in sites.items()
    }
    call_command("outcomes_pool", *map(str, files), "--endpoint", "as_efs")
    assert "Abandonment (SIOP PODC) by institution:" in capsys.readouterr().out


def test_small_groups_are_combined_so_none_can_be_worked_out():
    cells = {"high": Rate(2, 3), "medium": Rate(1, 8), "low": Rate(0, 20)}
    result = exchange.suppress_rates(cells, threshold=5)
    # high alone (3 children) is under the threshold; total - medium - low would give it away.
    assert set(result["groups"]) == {"low", exchange.OTHER}
    assert result["groups"][exchange.OTHER] == {"abandoned": 3, "children": 11}
    assert result["combined_into_other"] == ["high", "medium"]
    withheld = exchange.suppress_rates({"high": Rate(2, 3)}, threshold=5)
    assert withheld == {"groups": {}, "combined_into_other": [], "withheld": ["high"]}


def test_a_site_smaller_than_the_threshold_publishes_no_abandonment_count(
    patients, sites, tmp_path
):
    document = json.loads(export(tmp_path, "UZPHO", threshold=1000).read_text())
    for part in document["abandonment"].values():
        assert part["groups"] == {} and part["withheld"]


def test_an_outsider_given_the_file_learns_nothing_about_any_child(patients, sites, tmp_path):
    """The file is what leaves the site, to partners and anyone they pass it to: no
    pseudonym, hospital number, name or date of a child, and no group of fewer children than
    the threshold."""
    text = export(tmp_path, "VNCH").read_text()
    document = json.loads(text)
    for patient in Patient.objects.filter(institution=sites["VNCH"]).select_related("identity"):
        assert patient.pseudonym not in text
        assert patient.identity.hospital_number not in text
        assert patient.identity.name not in text
        assert patient.origin_date.isoformat() not in text
    dates = re.findall(r"\d{4}-\d{2}-\d{2}", text)
    assert dates == [document["generated_at"][:10]]
    for part in document["abandonment"].values():
        for cell in part["groups"].values():
            assert cell["children"] >= document["threshold"]
    assert set(document) == {
        "format", "version", "site", "generated_at", "time_unit", "days_per_unit",
        "threshold", "endpoints", "excluded", "abandonment",
    }  # fmt: skip


def _document(abandonment):
    return {
        "format": "consilium-outcomes",
        "version": 1,
        "site": "AAA",
        "time_unit": "month",
        "endpoints": {"os": {"all": {"groups": {"all": {"rows": [[1, 1, 0]]}}}}},
        "abandonment": abandonment,
    }


@pytest.mark.parametrize(
    "abandonment",
    [
        {"all": {"groups": {"all": {"abandoned": 6, "children": 5}}}},
        {"all": {"groups": {"all": {"abandoned": -1, "children": 5}}}},
        {"all": {"groups": {"all": {"abandoned": 1.5, "children": 5}}}},
        {"all": {"groups": {"all": {"abandoned": 1}}}},
        {"all": "many"},
    ],
)
def test_a_bad_abandonment_section_is_refused_with_a_clear_message(tmp_path, abandonment):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_document(abandonment)))
    with pytest.raises(ExchangeError, match="abandonment by 'all'"):
        exchange.read_files([path])
    with pytest.raises(CommandError, match="abandonment by 'all'"):
        call_command("outcomes_pool", str(path))


def test_a_file_from_before_the_abandonment_counts_still_pools(tmp_path):
    document = _document({})
    del document["abandonment"]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(document))
    assert exchange.pool_abandonment(exchange.read_files([path]), by="all") == {}
