import csv
import dataclasses
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consilium.registry import iccc
from consilium.registry.iccc import TABLE_PATH, classify

# Expected values are the recodes of the IARC 2017 table as SEER publishes them
# (https://seer.cancer.gov/iccc/iccc-iarc-2017.html).
KNOWN = [
    # site, histology, behaviour, recode, extended, main group
    ("C421", "9836", "3", "011", "001", "I"),  # precursor B-cell ALL
    ("C421", "9811", "3", "011", "001", "I"),  # B lymphoblastic leukaemia
    ("C770", "9811", "3", "022", "010", "II"),  # the same code in a node is a lymphoma
    ("C421", "9591", "3", "011", "004", "I"),  # first matching rule wins: marrow
    ("C770", "9591", "3", "022", "013", "II"),  # ...lymph node
    ("C421", "9861", "3", "012", "005", "I"),
    ("C421", "9946", "3", "014", "007", "I"),  # JMML
    ("C771", "9650", "3", "021", "009", "II"),
    ("C772", "9687", "3", "023", "014", "II"),
    ("C716", "9391", "3", "031", "017", "III"),
    ("C716", "9421", "1", "032", "019", "III"),  # pilocytic astrocytoma, behaviour 1, CNS
    ("C716", "9470", "3", "033", "020", "III"),  # medulloblastoma
    ("C719", "9508", "3", "033", "023", "III"),
    ("C752", "9350", "1", "035", "028", "III"),  # craniopharyngioma
    ("C719", "8000", "1", "036", "032", "III"),
    ("C749", "9500", "3", "041", "033", "IV"),
    ("C692", "9510", "3", "050", "035", "V"),
    ("C649", "8960", "3", "061", "036", "VI"),
    ("C649", "8963", "3", "061", "037", "VI"),  # rhabdoid: renal...
    ("C220", "8963", "3", "071", "042", "VII"),  # ...hepatic...
    ("C499", "8963", "3", "094", "062", "IX"),  # ...or elsewhere
    ("C649", "8000", "3", "063", "040", "VI"),
    ("C220", "8970", "3", "071", "041", "VII"),
    ("C220", "8170", "3", "072", "044", "VII"),
    ("C402", "9180", "3", "081", "046", "VIII"),
    ("C402", "9240", "3", "082", "047", "VIII"),  # the row with a trailing comma
    ("C412", "9260", "3", "083", "048", "VIII"),
    ("C499", "9260", "3", "094", "060", "IX"),  # Ewing sarcoma of soft tissue
    ("C499", "8910", "3", "091", "055", "IX"),
    ("C492", "9040", "3", "094", "066", "IX"),
    ("C716", "9064", "3", "101", "072", "X"),
    ("C379", "9071", "3", "102", "081", "X"),
    ("C620", "9071", "3", "103", "087", "X"),
    ("C569", "9060", "3", "103", "084", "X"),
    ("C740", "8370", "3", "111", "093", "XI"),
    ("C739", "8260", "3", "112", "094", "XI"),
    ("C119", "8070", "3", "113", "095", "XI"),
    ("C449", "8720", "3", "114", "096", "XI"),
    ("C181", "8240", "3", "116", "100", "XI"),
    ("C349", "8973", "3", "121", "111", "XII"),
    ("C809", "8000", "3", "122", "115", "XII"),
]


@pytest.mark.parametrize(("site", "histology", "behaviour", "recode", "extended", "group"), KNOWN)
def test_it_recodes_published_examples(site, histology, behaviour, recode, extended, group):
    result = classify(site, histology, behaviour)

    assert (result.recode, result.extended, result.main_group) == (recode, extended, group)
    assert result.classified


def test_it_names_groups_from_the_table():
    all_ = classify("C421", "9836", "3")
    medulloblastoma = classify("C716", "9470", "3")
    retinoblastoma = classify("C692", "9510", "3")

    assert all_.main_group_name == "Leukemias, Myeloproliferative And Myelodysplastic Diseases"
    assert all_.subgroup_name == "Lymphoid leukemias"
    assert all_.extended_name == "Precursor cell leukemias"
    assert medulloblastoma.subgroup_name == "Intracranial and intraspinal embryonal tumors"
    assert medulloblastoma.extended_name == "Medulloblastomas"
    # Group V has no subgroups: the group is its own subgroup.
    assert retinoblastoma.main_group_name == retinoblastoma.subgroup_name == "Retinoblastoma"


@pytest.mark.parametrize("site", ["C42.1", "c42.1", " C421 ", "c421"])
def test_it_normalises_the_topography(site):
    assert classify(site, "9836", "3") == classify("C421", "9836", "3")


@pytest.mark.parametrize(
    ("site", "histology", "behaviour"),
    [
        pytest.param("C499", "9421", "1", id="non-malignant outside the CNS"),
        pytest.param("C620", "9080", "0", id="benign teratoma of testis"),
        pytest.param("C421", "9836", "2", id="in situ"),
        pytest.param("C421", "9836", "6", id="metastatic"),
        pytest.param("C421", "9240", "3", id="no rule for the pair"),
        pytest.param("C421", "9836/3", "3", id="behaviour in histology"),
        pytest.param("C421", "983", "3", id="short histology"),
        pytest.param("C421", "98361", "3", id="long histology"),
        pytest.param("C421", "９８３６", "3", id="full-width digits"),
        pytest.param("C421", "٩٨٣٦", "3", id="arabic-indic digits"),
        pytest.param("C42", "9836", "3", id="three-character site"),
        pytest.param("C4211", "9836", "3", id="five-character site"),
        pytest.param("421", "9836", "3", id="site without C"),
        pytest.param("C42..1", "9836", "3", id="two dots"),
        pytest.param("C421", "9836", "33", id="two-digit behaviour"),
        pytest.param("C421", "9836", "", id="no behaviour"),
        pytest.param("", "", "", id="nothing"),
    ],
)
def test_it_gives_999_when_unclassifiable(site, histology, behaviour):
    result = classify(site, histology, behaviour)

    assert result.recode == result.extended == "999"
    assert result.main_group is None
    assert not result.classified


def test_it_keeps_non_malignant_behaviour_for_the_cns_only():
    assert classify("C716", "9421", "1").recode == "032"
    assert classify("C499", "9421", "1").recode == "999"
    assert classify("C499", "9421", "3").recode == "032"


def test_it_refuses_non_strings():
    assert classify(None, 9836, 3).recode == "999"  # type: ignore[arg-type]


def test_it_returns_frozen_results():
    result = classify("C421", "9836", "3")

    with pytest.raises(dataclasses.FrozenInstanceError):
        result.recode = "012"  # type: ignore[misc]


def test_it_ships_the_table_with_its_licence():
    licence = TABLE_PATH.with_name("LICENSE").read_text()

    assert "Information Management Services" in licence
    assert TABLE_PATH.with_name("README.md").exists()


@given(st.text(), st.text(), st.text())
def test_it_never_raises(site, histology, behaviour):
    result = classify(site, histology, behaviour)

    assert len(result.recode) == 3
    assert result.recode.isdigit()
    assert result.classified == (result.main_group is not None)


# The edges of the ICCC-3 rule for non-malignant tumours (Steliarova-Foucher et al. 2005):
# classified only at C70.0-C72.9 and C75.1-C75.3; the table rows are those of IARC 2017
# (meningiomas 9530-9539, astrocytomas 9420-9424, pituitary adenomas 8270-8281,
# craniopharyngiomas 9350-9352, all "0-1,3" at C000-C809).
@pytest.mark.parametrize(
    ("site", "histology", "behaviour", "recode"),
    [
        pytest.param("C700", "9530", "0", "035", id="meningioma of the cerebral meninges"),
        pytest.param("C729", "9421", "1", "032", id="pilocytic astrocytoma, CNS NOS"),
        pytest.param("C730", "9421", "1", "999", id="the same in the thyroid"),
        pytest.param("C751", "8272", "0", "035", id="pituitary adenoma"),
        pytest.param("C753", "9361", "1", "035", id="pineocytoma"),
        pytest.param("C754", "9350", "1", "999", id="craniopharyngioma code at the carotid body"),
        pytest.param("C499", "9530", "0", "999", id="benign meningioma code in soft tissue"),
        # In situ (2) is never classified, not even where 0, 1 and 3 are ("0-1,3").
        pytest.param("C716", "9421", "2", "999", id="in situ astrocytoma"),
        pytest.param("C700", "9530", "2", "999", id="in situ meningioma"),
    ],
)
def test_it_keeps_non_malignant_tumours_inside_the_cns_edges(site, histology, behaviour, recode):
    assert classify(site, histology, behaviour).recode == recode


def test_a_table_without_its_unclassified_row_fails_at_first_use():
    header = "ID,Group Name,Indentation,Sites IN,Sites OUT,Hist IN,Hist OUT,Group code,"
    header += "Group content,Group code extended,Behavior IN"
    rows = csv.DictReader(
        io.StringIO(header + "\n2,Lymphoid leukemias,1,C000-C809,,9836,,011,,001,3\n")
    )
    with pytest.raises(ValueError) as excinfo:
        iccc._parse(rows)
    assert str(excinfo.value) == "iccc-data-third-edition-iarc-2017.csv has no 999 row"


def test_it_reads_the_sites_and_histologies_a_rule_leaves_out():
    # The 2017 table uses neither column, but the format has them (a later table may).
    rows = csv.DictReader(
        io.StringIO(
            "ID,Group Name,Indentation,Sites IN,Sites OUT,Hist IN,Hist OUT,Group code,"
            "Group content,Group code extended,Behavior IN\n"
            '1,Lymphomas,0,C000-C809,C420-C424,"9590-9599",9591,022,,013,3\n'
            "2,Unclassified,0,,,,,999,,999,\n"
        )
    )
    table = iccc._parse(rows)
    (rule,) = table.rules_by_histology[9590]
    assert rule.sites_out == ((420, 424),)
    assert 9591 not in table.rules_by_histology
