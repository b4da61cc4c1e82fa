import os

import django
import pytest
from django.conf import settings
from django.utils import translation

# `make mutate` runs this file without pytest-django (seconds a mutant): the labels then need
# Django's translation machinery alone. Under pytest-django the project's settings stand.
if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    settings.configure(USE_I18N=True, LANGUAGE_CODE="en", INSTALLED_APPS=[], DATABASES={})
    django.setup()

from consilium.registry import toronto
from consilium.registry.iccc import classify
from consilium.registry.toronto import (
    STAGE_WORDS,
    Tier,
    TorontoTumour,
    allowed_stages,
    canonical_stage,
    is_allowed,
    stage_label,
    tumour_for,
)


def test_it_covers_the_sixteen_tumours_of_the_guideline_at_both_tiers():
    assert len(TorontoTumour) == 16
    for tumour in TorontoTumour:
        assert allowed_stages(tumour, Tier.ONE)
        assert allowed_stages(tumour, Tier.TWO)


# Every tumour at both tiers (16 × 2 = 32 lists), written out value by value from the
# guideline's staging systems (Gupta et al., Lancet Oncol 2016, and the staging manual of
# Aitken et al., 2017/2019), not computed from the module: changing a list in
# consilium/registry/toronto.py fails here until this table is changed with it, on purpose.
PUBLISHED = {
    # CNS status
    (TorontoTumour.ALL, 1): ("CNS negative", "CNS positive"),
    (TorontoTumour.ALL, 2): ("CNS1", "CNS2", "CNS3"),
    (TorontoTumour.AML, 1): ("CNS negative", "CNS positive"),
    (TorontoTumour.AML, 2): ("CNS negative", "CNS positive"),
    # Ann Arbor; tier 2 with the A/B symptom suffix
    (TorontoTumour.HODGKIN, 1): ("I", "II", "III", "IV"),
    (TorontoTumour.HODGKIN, 2): ("IA", "IB", "IIA", "IIB", "IIIA", "IIIB", "IVA", "IVB"),
    # St Jude (Murphy)
    (TorontoTumour.NHL, 1): ("I", "II", "III", "IV"),
    (TorontoTumour.NHL, 2): ("I", "II", "III", "IV"),
    # INRGSS
    (TorontoTumour.NEUROBLASTOMA, 1): ("Localised", "Metastatic"),
    (TorontoTumour.NEUROBLASTOMA, 2): ("L1", "L2", "M", "MS"),
    # SIOP or COG stage; V is bilateral
    (TorontoTumour.WILMS, 1): ("Localised", "Metastatic"),
    (TorontoTumour.WILMS, 2): ("I", "II", "III", "IV", "V"),
    # TNM-based IRS pre-treatment stage
    (TorontoTumour.RHABDOMYOSARCOMA, 1): ("Localised", "Metastatic"),
    (TorontoTumour.RHABDOMYOSARCOMA, 2): ("1", "2", "3", "4"),
    # Localised or metastatic at both tiers
    (TorontoTumour.NRSTS, 1): ("Localised", "Metastatic"),
    (TorontoTumour.NRSTS, 2): ("Localised", "Metastatic"),
    (TorontoTumour.OSTEOSARCOMA, 1): ("Localised", "Metastatic"),
    (TorontoTumour.OSTEOSARCOMA, 2): ("Localised", "Metastatic"),
    (TorontoTumour.EWING, 1): ("Localised", "Metastatic"),
    (TorontoTumour.EWING, 2): ("Localised", "Metastatic"),
    # International Retinoblastoma Staging System
    (TorontoTumour.RETINOBLASTOMA, 1): ("0", "I", "II", "III", "IV"),
    (TorontoTumour.RETINOBLASTOMA, 2): ("0", "I", "II", "III", "IV"),
    # PRETEXT, M+ when metastatic
    (TorontoTumour.HEPATOBLASTOMA, 1): ("Localised", "Metastatic"),
    (TorontoTumour.HEPATOBLASTOMA, 2): ("I", "II", "III", "IV", "M+"),
    # Chang's M stage
    (TorontoTumour.MEDULLOBLASTOMA, 1): ("M0", "M+"),
    (TorontoTumour.MEDULLOBLASTOMA, 2): ("M0", "M1", "M2", "M3", "M4"),
    (TorontoTumour.EPENDYMOMA, 1): ("M0", "M+"),
    (TorontoTumour.EPENDYMOMA, 2): ("M0", "M+"),
    # COG stage (ovarian: FIGO-based)
    (TorontoTumour.TESTICULAR, 1): ("Localised", "Metastatic"),
    (TorontoTumour.TESTICULAR, 2): ("I", "II", "III", "IV"),
    (TorontoTumour.OVARIAN, 1): ("Localised", "Metastatic"),
    (TorontoTumour.OVARIAN, 2): ("I", "II", "III", "IV"),
}


def test_the_stored_values_stay_what_the_database_holds():
    # Rows keep these strings and numbers; renaming one orphans every diagnosis staged with it.
    assert [t.value for t in TorontoTumour] == [
        "all", "aml", "hodgkin", "nhl", "neuroblastoma", "wilms", "rhabdomyosarcoma", "nrsts",
        "osteosarcoma", "ewing", "retinoblastoma", "hepatoblastoma", "medulloblastoma",
        "ependymoma", "testicular", "ovarian",
    ]  # fmt: skip
    assert [t.value for t in Tier] == [1, 2]
    assert list(STAGE_WORDS) == ["Localised", "Metastatic", "CNS negative", "CNS positive"]


def test_every_tumour_and_tier_has_its_list_pinned():
    assert set(PUBLISHED) == {(t, tier) for t in TorontoTumour for tier in Tier}
    assert len(PUBLISHED) == 32


@pytest.mark.parametrize(("tumour", "tier"), list(PUBLISHED))
def test_it_lists_the_published_stages(tumour, tier):
    assert allowed_stages(tumour, tier) == PUBLISHED[(tumour, tier)]


def test_it_accepts_the_stored_value_of_the_tumour():
    assert allowed_stages("neuroblastoma", 2) == ("L1", "L2", "M", "MS")


@pytest.mark.parametrize(
    ("tumour", "tier", "value", "allowed"),
    [
        (TorontoTumour.NEUROBLASTOMA, 2, "MS", True),
        (TorontoTumour.NEUROBLASTOMA, 2, " ms ", True),
        (TorontoTumour.NEUROBLASTOMA, 1, "L1", False),
        (TorontoTumour.NEUROBLASTOMA, 2, "Localised", False),
        (TorontoTumour.WILMS, 2, "V", True),
        (TorontoTumour.WILMS, 2, "VI", False),
        (TorontoTumour.ALL, 2, "CNS3", True),
        (TorontoTumour.ALL, 2, "CNS4", False),
        (TorontoTumour.ALL, 3, "CNS1", False),
        ("no-such-tumour", 1, "I", False),
        (TorontoTumour.EWING, 1, "", False),
    ],
)
def test_it_tells_whether_a_stage_is_allowed(tumour, tier, value, allowed):
    assert is_allowed(tumour, tier, value) is allowed


def test_it_gives_the_guideline_spelling():
    assert canonical_stage(TorontoTumour.NEUROBLASTOMA, 2, "l2") == "L2"
    assert canonical_stage(TorontoTumour.EWING, 1, "METASTATIC") == "Metastatic"
    assert canonical_stage(TorontoTumour.EWING, 1, "M") is None


def test_it_has_no_stages_for_an_unknown_tier():
    assert allowed_stages(TorontoTumour.WILMS, 0) == ()
    assert allowed_stages(TorontoTumour.WILMS, 3) == ()


@pytest.mark.parametrize(
    ("recode", "histology", "site", "tumour"),
    [
        ("011", "9836", "C421", TorontoTumour.ALL),
        ("011", "9826", "C421", TorontoTumour.NHL),  # Burkitt leukaemia is staged as NHL
        ("012", "9861", "C421", TorontoTumour.AML),
        ("021", "9650", "C771", TorontoTumour.HODGKIN),
        ("022", "9680", "C772", TorontoTumour.NHL),
        ("023", "9687", "C772", TorontoTumour.NHL),
        ("024", "9751", "C419", None),  # Langerhans cell histiocytosis
        ("025", "9590", "C779", None),
        ("041", "9500", "C749", TorontoTumour.NEUROBLASTOMA),
        ("050", "9510", "C692", TorontoTumour.RETINOBLASTOMA),
        ("061", "8960", "C649", TorontoTumour.WILMS),
        ("061", "8959", "C649", TorontoTumour.WILMS),  # cystic partially differentiated
        ("061", "8964", "C649", None),  # clear-cell sarcoma of kidney
        ("061", "8963", "C649", None),  # malignant rhabdoid tumour of kidney
        ("071", "8970", "C220", TorontoTumour.HEPATOBLASTOMA),
        ("071", "8963", "C220", None),
        ("081", "9180", "C402", TorontoTumour.OSTEOSARCOMA),
        ("083", "9260", "C412", TorontoTumour.EWING),
        ("094", "9260", "C499", TorontoTumour.EWING),  # extraosseous Ewing sarcoma
        ("094", "9040", "C492", TorontoTumour.NRSTS),
        # The rest of the Ewing family in soft tissue (ICCC IXd): pPNET and Askin tumour.
        ("094", "9364", "C492", TorontoTumour.EWING),
        ("094", "9365", "C493", TorontoTumour.EWING),
        ("091", "8910", "C499", TorontoTumour.RHABDOMYOSARCOMA),
        ("092", "9540", "C499", TorontoTumour.NRSTS),
        ("093", "9140", "C499", TorontoTumour.NRSTS),  # Kaposi sarcoma (ICCC IXc)
        ("095", "8800", "C499", TorontoTumour.NRSTS),
        ("033", "9470", "C716", TorontoTumour.MEDULLOBLASTOMA),
        # Every medulloblastoma of ICD-O-3.2 (WHO CNS 2016): desmoplastic/nodular or
        # SHH-activated TP53-wildtype, medullomyoblastoma, large-cell/anaplastic, WNT-activated,
        # SHH-activated TP53-mutant, non-WNT/non-SHH.
        ("033", "9471", "C716", TorontoTumour.MEDULLOBLASTOMA),
        ("033", "9472", "C716", TorontoTumour.MEDULLOBLASTOMA),
        ("033", "9474", "C716", TorontoTumour.MEDULLOBLASTOMA),
        ("033", "9475", "C716", TorontoTumour.MEDULLOBLASTOMA),
        ("033", "9476", "C716", TorontoTumour.MEDULLOBLASTOMA),
        ("033", "9477", "C716", TorontoTumour.MEDULLOBLASTOMA),
        ("033", "9478", "C716", None),  # ETMR, C19MC-altered: in IIIc, not a medulloblastoma
        ("033", "9473", "C719", None),  # CNS PNET is not medulloblastoma
        ("031", "9391", "C717", TorontoTumour.EPENDYMOMA),
        ("031", "9392", "C717", TorontoTumour.EPENDYMOMA),  # anaplastic
        ("031", "9393", "C717", TorontoTumour.EPENDYMOMA),  # papillary
        ("031", "9394", "C720", TorontoTumour.EPENDYMOMA),  # myxopapillary, spinal cord
        ("031", "9396", "C717", TorontoTumour.EPENDYMOMA),  # RELA fusion-positive
        ("031", "9390", "C715", None),  # choroid plexus tumour
        ("103", "9071", "C620", TorontoTumour.TESTICULAR),
        ("103", "9071", "C56.9", TorontoTumour.OVARIAN),
        ("101", "9064", "C753", None),
        # Only germ-cell tumours of the gonads (ICCC Xc) are staged as such: a carcinoma of
        # the ovary (Xd) or a Sertoli-Leydig or Leydig cell tumour (Xe) has no Toronto stage.
        ("104", "8441", "C569", None),
        ("105", "8631", "C569", None),
        ("105", "8650", "C620", None),
        ("999", "9999", "C809", None),
    ],
)
def test_it_maps_a_diagnosis_to_its_toronto_tumour(recode, histology, site, tumour):
    assert tumour_for(recode, histology, site) == tumour


def test_it_maps_a_classified_diagnosis():
    result = classify("C716", "9470", "3")

    assert tumour_for(result.recode, "9470", "C716") == TorontoTumour.MEDULLOBLASTOMA


# The tumours' names as the guideline writes them (Gupta et al. 2016, table 1; the staging
# manual's chapter titles): the English label is what a reader sees and the msgid that carries
# every translation, so a changed label is a lost name in five languages.
GUIDELINE_NAMES = {
    TorontoTumour.ALL: "Acute lymphoblastic leukaemia",
    TorontoTumour.AML: "Acute myeloid leukaemia",
    TorontoTumour.HODGKIN: "Hodgkin lymphoma",
    TorontoTumour.NHL: "Non-Hodgkin lymphoma",
    TorontoTumour.NEUROBLASTOMA: "Neuroblastoma",
    TorontoTumour.WILMS: "Wilms tumour",
    TorontoTumour.RHABDOMYOSARCOMA: "Rhabdomyosarcoma",
    TorontoTumour.NRSTS: "Non-rhabdomyosarcoma soft-tissue sarcoma",
    TorontoTumour.OSTEOSARCOMA: "Osteosarcoma",
    TorontoTumour.EWING: "Ewing sarcoma",
    TorontoTumour.RETINOBLASTOMA: "Retinoblastoma",
    TorontoTumour.HEPATOBLASTOMA: "Hepatoblastoma",
    TorontoTumour.MEDULLOBLASTOMA: "Medulloblastoma",
    TorontoTumour.EPENDYMOMA: "Ependymoma",
    TorontoTumour.TESTICULAR: "Testicular germ-cell tumour",
    TorontoTumour.OVARIAN: "Ovarian germ-cell tumour",
}


def test_it_names_each_tumour_as_the_guideline_does():
    with translation.override("en"):
        assert {tumour: str(tumour.label) for tumour in TorontoTumour} == GUIDELINE_NAMES
        assert [str(tier.label) for tier in Tier] == ["Tier 1", "Tier 2"]


def test_it_shows_a_stage_word_in_words_and_a_stage_number_as_written():
    with translation.override("en"):
        assert [stage_label(word) for word in STAGE_WORDS] == [
            "Localised", "Metastatic", "CNS negative", "CNS positive",
        ]  # fmt: skip
        assert stage_label("IV") == "IV"
        assert stage_label("M+") == "M+"


def test_its_public_names_exist():
    # `from consilium.registry.toronto import *` must give what __all__ promises.
    assert sorted(toronto.__all__) == [
        "Tier", "TorontoTumour", "allowed_stages", "canonical_stage", "is_allowed", "tumour_for",
    ]  # fmt: skip
    for name in toronto.__all__:
        assert hasattr(toronto, name)


def test_it_refuses_a_stage_that_is_not_text():
    # A spreadsheet cell read as a number is not silently matched.
    assert canonical_stage(TorontoTumour.RHABDOMYOSARCOMA, 2, None) is None
