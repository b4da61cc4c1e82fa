from django.utils import translation

from consilium.registry import terms
from consilium.registry.models import iccc_group_name


def test_a_subsite_gets_its_own_term_or_its_categorys():
    assert terms.topography_term("C749") == "Adrenal gland, NOS"
    assert terms.topography_term("C74.9") == "Adrenal gland, NOS"
    # C40.1 is not in the curated list: its category C40 names it.
    assert terms.topography_term("C401") == "Bones, joints and articular cartilage of limbs"
    assert terms.topography_term("C999") == ""
    assert terms.topography_term("") == ""


def test_a_morphology_is_named_with_its_behaviour_never_another():
    assert terms.morphology_term("9500", "3") == "Neuroblastoma, NOS"
    assert terms.morphology_term("9080", "0") == "Teratoma, benign"
    assert terms.morphology_term("9080", "3") == "Teratoma, malignant, NOS"
    # 9500/1 does not exist: it is not named after the malignant one.
    assert terms.morphology_term("9500", "1") == ""


def test_a_coded_term_reads_code_then_words_and_keeps_the_code_alone_without_words():
    assert str(terms.topography("C749")) == "C74.9 Adrenal gland, NOS"
    assert str(terms.morphology("9500", "1")) == "9500/1"


def test_iccc_group_names_are_in_the_readers_language():
    with translation.override("vi"):
        assert iccc_group_name("VI") == "VI · U thận"
    with translation.override("en"):
        assert iccc_group_name("VI") == "VI · Renal tumours"
    assert iccc_group_name("") == ""
    assert iccc_group_name("999") == ""
