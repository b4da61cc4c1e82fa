import re

import pytest

from consilium.registry.codes import (
    MORPHOLOGY,
    TOPOGRAPHY,
    display_site,
    is_valid_topography,
    normalise_histology,
    normalise_site,
    search,
)


def test_it_holds_a_paediatric_list_of_each_kind():
    assert len(MORPHOLOGY) >= 120
    assert len(TOPOGRAPHY) >= 100
    assert all(re.fullmatch(r"[89][0-9]{3}/[0-9]", code) for code in MORPHOLOGY)
    assert all(re.fullmatch(r"C[0-9]{2,3}", code) for code in TOPOGRAPHY)
    assert all(
        name.strip() == name and name for name in [*MORPHOLOGY.values(), *TOPOGRAPHY.values()]
    )


def test_it_lists_every_three_character_topography():
    categories = {code for code in TOPOGRAPHY if len(code) == 3}

    assert len(categories) == 70
    assert {"C00", "C42", "C71", "C80"} <= categories
    assert not {"C43", "C45", "C59", "C78"} & categories


def test_it_only_lists_existing_subsites():
    assert all(is_valid_topography(code) for code in TOPOGRAPHY if len(code) == 4)


def test_it_names_the_common_codes_as_icd_o_does():
    assert MORPHOLOGY["9500/3"] == "Neuroblastoma, NOS"
    assert MORPHOLOGY["8960/3"] == "Nephroblastoma, NOS"
    assert MORPHOLOGY["9421/1"] == "Pilocytic astrocytoma"
    assert TOPOGRAPHY["C421"] == "Bone marrow"
    assert TOPOGRAPHY["C692"] == "Retina"
    assert TOPOGRAPHY["C717"] == "Brain stem"


@pytest.mark.parametrize(
    ("site", "valid"),
    [
        ("C421", True),
        ("C42.1", True),
        ("C809", True),
        ("C000", True),
        ("C425", False),
        ("C430", False),  # no C43 in ICD-O-3 (melanoma is a morphology)
        ("C766", False),
        ("C810", False),
        ("C42", False),
        ("", False),
    ],
)
def test_it_knows_which_topographies_exist(site, valid):
    assert is_valid_topography(site) is valid


def test_it_normalises_what_people_type():
    assert normalise_site(" c42.1 ") == "C421"
    assert normalise_site("C4.21") is None
    assert normalise_histology(" 9836 ") == "9836"
    assert normalise_histology("9836/3") is None
    assert display_site("C421") == "C42.1"
    assert display_site("nonsense") == "nonsense"


def test_it_finds_codes_by_prefix():
    assert search("C42.1") == [("C421", "Bone marrow")]
    assert search("c71", limit=2) == [("C71", "Brain"), ("C710", "Cerebrum")]
    assert search("9836")[0] == ("9836/3", "Precursor B-cell lymphoblastic leukemia")


def test_it_finds_codes_by_words():
    assert search("alveolar rhabdo") == [("8920/3", "Alveolar rhabdomyosarcoma")]
    assert [code for code, _ in search("medullo", kind="morphology")][:2] == ["9470/3", "9471/3"]
    assert ("C692", "Retina") in search("retina", kind="topography")


def test_it_respects_limit_and_kind():
    assert len(search("leukemia", limit=5)) == 5
    assert all(code.startswith("C") for code, _ in search("bone", kind="topography"))
    assert search("") == []
    assert search("zzzz") == []
