"""Sharing aggregates between sites: export, refuse bad files, pool exactly."""

import json

import pytest
from django.core.management import CommandError, call_command

from consilium.outcomes import aggregates, exchange, groupings
from consilium.outcomes.endpoints import Endpoint
from consilium.outcomes.exchange import ExchangeError
from consilium.outcomes.survival import LifeTable, kaplan_meier


def export(tmp_path, code, threshold=5):
    path = tmp_path / f"{code}.json"
    call_command("outcomes_export", institution=code, output=path, threshold=threshold)
    return path


@pytest.mark.parametrize("endpoint", [Endpoint.OS, Endpoint.AS_EFS])
def test_it_pools_two_sites_to_exactly_the_curve_of_their_combined_patients(
    patients, sites, tmp_path, endpoint
):
    files = [export(tmp_path, "VNCH"), export(tmp_path, "UZPHO")]
    pooled = exchange.pool(exchange.read_files(files), endpoint=endpoint, by="all")

    combined = aggregates.life_tables(endpoint, groupings.by_all(), [s.pk for s in sites.values()])
    expected = exchange.coarsen(combined.tables["all"])
    assert pooled.tables["all"] == expected
    ours, theirs = kaplan_meier(pooled.tables["all"]), kaplan_meier(expected)
    assert (ours.survival, ours.lower, ours.upper) == (theirs.survival, theirs.lower, theirs.upper)

    by_site = exchange.pool(exchange.read_files(files), endpoint=endpoint, by="institution")
    for code, site in sites.items():
        alone = aggregates.life_tables(endpoint, groupings.by_all(), [site.pk]).tables["all"]
        assert by_site.tables[code] == exchange.coarsen(alone)


def test_it_pools_groups_across_sites_exactly_when_none_is_suppressed(patients, sites, tmp_path):
    files = [export(tmp_path, "VNCH", threshold=1), export(tmp_path, "UZPHO", threshold=1)]
    pooled = exchange.pool(exchange.read_files(files), endpoint=Endpoint.EFS, by="iccc")
    combined = aggregates.life_tables(
        Endpoint.EFS, groupings.by_iccc(), [s.pk for s in sites.values()]
    )
    assert pooled.tables == {k: exchange.coarsen(t) for k, t in combined.tables.items()}


def test_it_holds_no_patient_level_data(patients, sites, tmp_path):
    text = export(tmp_path, "VNCH").read_text()
    document = json.loads(text)
    assert document["format"] == "consilium-outcomes" and document["version"] == 1
    for patient in patients[:35]:
        assert patient.pseudonym not in text
    assert "birth" not in text and "name" not in text
    assert set(document["endpoints"]) == {e.value for e in Endpoint}


def test_it_combines_small_groups_so_none_can_be_worked_out():
    tables = {
        "A": LifeTable.from_subjects([10] * 3, [1, 0, 0]),
        "B": LifeTable.from_subjects([5] * 8),
        "C": LifeTable.from_subjects([7] * 20),
    }
    result = exchange.suppress(tables, threshold=5)
    # A alone (3) is under the threshold; total - B - C would give it away, so B joins it.
    assert set(result.groups) == {"C", exchange.OTHER}
    assert result.combined == ["A", "B"]
    assert LifeTable.from_rows(result.groups[exchange.OTHER]["rows"]).subjects == 11
    withheld = exchange.suppress({"A": tables["A"]}, threshold=5)
    assert withheld.groups == {} and withheld.withheld == ["A"]


def test_it_coarsens_days_to_whole_months_rounding_up():
    assert [exchange.month_of(d) for d in (0, 1, 30, 31, 365, 366, 1461)] == [
        0,
        1,
        1,
        2,
        12,
        13,
        48,
    ]


def _document(**changes):
    document = {
        "format": "consilium-outcomes",
        "version": 1,
        "site": "AAA",
        "time_unit": "month",
        "endpoints": {"os": {"all": {"groups": {"all": {"rows": [[1, 1, 0], [3, 0, 2]]}}}}},
    }
    document.update(changes)
    return document


def _write(tmp_path, name, document):
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (_document(version=2), "version 2 of the outcomes format"),
        (_document(format="something"), "not a Consilium outcomes file"),
        (
            _document(endpoints={"os": {"all": {"groups": {"all": {"rows": [[1, -1, 0]]}}}}}),
            "whole numbers of at least 0",
        ),
        (
            _document(endpoints={"os": {"all": {"groups": {"all": {"rows": [[1, 1.5, 0]]}}}}}),
            "whole numbers of at least 0",
        ),
        (
            _document(endpoints={"os": {"all": {"groups": {"all": {"rows": [[1, True, 0]]}}}}}),
            "whole numbers of at least 0",
        ),
    ],
)
def test_it_refuses_a_bad_file_with_a_clear_message(tmp_path, document, message):
    path = _write(tmp_path, "bad.json", document)
    with pytest.raises(ExchangeError, match=message):
        exchange.read_files([path])
    with pytest.raises(CommandError, match=message):
        call_command("outcomes_pool", str(path))


def test_it_refuses_the_same_site_twice(tmp_path):
    one = _write(tmp_path, "one.json", _document())
    two = _write(tmp_path, "two.json", _document())
    with pytest.raises(ExchangeError, match="site AAA is already in"):
        exchange.read_files([one, two])


def test_it_prints_pooled_curves_from_files(tmp_path, capsys):
    one = _write(tmp_path, "one.json", _document())
    two = _write(tmp_path, "two.json", _document(site="BBB"))
    call_command("outcomes_pool", str(one), str(two), "--json")
    result = json.loads(capsys.readouterr().out)
    assert [g["key"] for g in result["groups"]] == ["AAA", "BBB"]
    assert result["groups"][0]["patients"] == 3
    assert result["logrank"]["statistic"] == pytest.approx(0.0)


def test_it_refuses_a_group_under_the_files_own_threshold(tmp_path):
    # A file that says it combined groups under 5 but shows one of 3 was edited or is broken.
    path = _write(tmp_path, "edited.json", _document(threshold=5))
    with pytest.raises(ExchangeError, match="publishes 3 patients, fewer than 5"):
        exchange.read_files([path])
    with pytest.raises(CommandError, match="publishes 3 patients, fewer than 5"):
        call_command("outcomes_pool", str(path))


def test_the_command_line_export_is_audited_without_a_person(tmp_path, personas):
    from consilium.audit.models import AuditEntry

    export(tmp_path, "VNCH")
    entry = AuditEntry.objects.filter(verb="outcomes.aggregates_exported").get()
    assert entry.actor is None and entry.actor_label == "consilium outcomes-export"
