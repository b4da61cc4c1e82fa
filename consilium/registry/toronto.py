"""Toronto Paediatric Cancer Stage Guidelines: which stage values exist for which tumour and tier.

Source: Gupta S, Aitken JF, Bartels U, et al. Paediatric cancer stage in population-based cancer
registries: the Toronto consensus principles and guidelines. Lancet Oncol 2016;17:e163-72, with
the category labels of the staging manual that implements it (Aitken JF, Youlden DR, Moore AS, et
al. Childhood cancer staging for population registries according to the Toronto Childhood Cancer
Stage Guidelines. Cancer Council Queensland and Cancer Australia, 2017, revised 2019), endorsed by
IACR and ENCR.

Tier 1 is for registries with limited access to records, tier 2 for better-resourced ones; a tier
2 stage can always be collapsed to tier 1. No machine-readable version is published, so the values
below were transcribed by hand: re-check them against the paper whenever this table changes. Where
the guideline lets the registry choose (Wilms tumour staged by SIOP after chemotherapy or by COG at
surgery) both systems use the same labels. The staging systems per tumour:

- ALL: CNS status (tier 1 CNS negative/positive, tier 2 CNS1/CNS2/CNS3).
- AML: CNS status, negative or positive, both tiers.
- Hodgkin lymphoma: Ann Arbor I-IV; tier 2 adds the A/B symptom suffix.
- Non-Hodgkin lymphoma: St Jude (Murphy) I-IV, both tiers.
- Neuroblastoma: tier 1 localised/metastatic, tier 2 INRGSS L1, L2, M, MS.
- Wilms tumour: tier 1 localised/metastatic, tier 2 stage I-V (V = bilateral).
- Rhabdomyosarcoma: tier 1 localised/metastatic, tier 2 TNM-based IRS pre-treatment stage 1-4.
- Non-rhabdomyosarcoma soft-tissue sarcoma, osteosarcoma, Ewing sarcoma: localised/metastatic.
- Retinoblastoma: International Retinoblastoma Staging System stage 0-IV, both tiers.
- Hepatoblastoma: tier 1 localised/metastatic, tier 2 PRETEXT I-IV (M+ when metastatic).
- Medulloblastoma: tier 1 M0/M+, tier 2 Chang M0-M4.
- Ependymoma: M0/M+, both tiers.
- Testicular and ovarian germ-cell tumours: tier 1 localised/metastatic, tier 2 COG stage I-IV
  (ovarian by FIGO-based COG stage).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from consilium.registry.codes import normalise_histology, normalise_site

__all__ = ["Tier", "TorontoTumour", "allowed_stages", "canonical_stage", "is_allowed", "tumour_for"]


class TorontoTumour(models.TextChoices):
    ALL = "all", _("Acute lymphoblastic leukaemia")
    AML = "aml", _("Acute myeloid leukaemia")
    HODGKIN = "hodgkin", _("Hodgkin lymphoma")
    NHL = "nhl", _("Non-Hodgkin lymphoma")
    NEUROBLASTOMA = "neuroblastoma", _("Neuroblastoma")
    WILMS = "wilms", _("Wilms tumour")
    RHABDOMYOSARCOMA = "rhabdomyosarcoma", _("Rhabdomyosarcoma")
    NRSTS = "nrsts", _("Non-rhabdomyosarcoma soft-tissue sarcoma")
    OSTEOSARCOMA = "osteosarcoma", _("Osteosarcoma")
    EWING = "ewing", _("Ewing sarcoma")
    RETINOBLASTOMA = "retinoblastoma", _("Retinoblastoma")
    HEPATOBLASTOMA = "hepatoblastoma", _("Hepatoblastoma")
    MEDULLOBLASTOMA = "medulloblastoma", _("Medulloblastoma")
    EPENDYMOMA = "ependymoma", _("Ependymoma")
    TESTICULAR = "testicular", _("Testicular germ-cell tumour")
    OVARIAN = "ovarian", _("Ovarian germ-cell tumour")


class Tier(models.IntegerChoices):
    ONE = 1, _("Tier 1")
    TWO = 2, _("Tier 2")


_LOCALISED_METASTATIC = ("Localised", "Metastatic")
# The stage values that are words: stored and exported as the guideline writes them, shown
# in the reader's language.
STAGE_WORDS = {
    "Localised": _("Localised"),
    "Metastatic": _("Metastatic"),
    "CNS negative": _("CNS negative"),
    "CNS positive": _("CNS positive"),
}


def stage_label(value: str) -> str:
    """A stored stage value as the reader reads it ("Localised" → "Khu trú"; "IV" as is)."""
    return str(STAGE_WORDS.get(value, value))


_ROMAN_I_IV = ("I", "II", "III", "IV")

# Stage values are the guideline's own labels, so a registry export reads as the paper does.
_STAGES: dict[TorontoTumour, tuple[tuple[str, ...], tuple[str, ...]]] = {
    TorontoTumour.ALL: (("CNS negative", "CNS positive"), ("CNS1", "CNS2", "CNS3")),
    TorontoTumour.AML: (("CNS negative", "CNS positive"), ("CNS negative", "CNS positive")),
    TorontoTumour.HODGKIN: (
        _ROMAN_I_IV,
        ("IA", "IB", "IIA", "IIB", "IIIA", "IIIB", "IVA", "IVB"),
    ),
    TorontoTumour.NHL: (_ROMAN_I_IV, _ROMAN_I_IV),
    TorontoTumour.NEUROBLASTOMA: (_LOCALISED_METASTATIC, ("L1", "L2", "M", "MS")),
    TorontoTumour.WILMS: (_LOCALISED_METASTATIC, ("I", "II", "III", "IV", "V")),
    TorontoTumour.RHABDOMYOSARCOMA: (_LOCALISED_METASTATIC, ("1", "2", "3", "4")),
    TorontoTumour.NRSTS: (_LOCALISED_METASTATIC, _LOCALISED_METASTATIC),
    TorontoTumour.OSTEOSARCOMA: (_LOCALISED_METASTATIC, _LOCALISED_METASTATIC),
    TorontoTumour.EWING: (_LOCALISED_METASTATIC, _LOCALISED_METASTATIC),
    TorontoTumour.RETINOBLASTOMA: (("0", *_ROMAN_I_IV), ("0", *_ROMAN_I_IV)),
    TorontoTumour.HEPATOBLASTOMA: (_LOCALISED_METASTATIC, (*_ROMAN_I_IV, "M+")),
    TorontoTumour.MEDULLOBLASTOMA: (("M0", "M+"), ("M0", "M1", "M2", "M3", "M4")),
    TorontoTumour.EPENDYMOMA: (("M0", "M+"), ("M0", "M+")),
    TorontoTumour.TESTICULAR: (_LOCALISED_METASTATIC, _ROMAN_I_IV),
    TorontoTumour.OVARIAN: (_LOCALISED_METASTATIC, _ROMAN_I_IV),
}


def allowed_stages(tumour: TorontoTumour | str, tier: int) -> tuple[str, ...]:
    """The stage values of ``tumour`` at ``tier``; empty for an unknown tumour or tier."""
    try:
        per_tier = _STAGES[TorontoTumour(tumour)]
    except ValueError:
        return ()
    if tier not in (Tier.ONE, Tier.TWO):
        return ()
    return per_tier[tier - 1]


def canonical_stage(tumour: TorontoTumour | str, tier: int, value: str) -> str | None:
    """The guideline's spelling of ``value`` (``"l1"`` gives ``"L1"``), or None if not allowed.

    Case and surrounding spaces are forgiven because stage arrives from spreadsheets.
    """
    if not isinstance(value, str):
        return None
    wanted = value.strip().casefold()
    for stage in allowed_stages(tumour, tier):
        if stage.casefold() == wanted:
            return stage
    return None


def is_allowed(tumour: TorontoTumour | str, tier: int, value: str) -> bool:
    return canonical_stage(tumour, tier, value) is not None


# ICCC-3 recodes that are one Toronto tumour whatever the histology inside them.
_BY_RECODE: dict[str, TorontoTumour] = {
    "011": TorontoTumour.ALL,
    "012": TorontoTumour.AML,
    "021": TorontoTumour.HODGKIN,
    # 022 NHL and 023 Burkitt. Not 024 (histiocytoses, mast-cell tumours) nor 025 (lymphoma,
    # NOS, which cannot be told apart from Hodgkin), which have no Toronto stage.
    "022": TorontoTumour.NHL,
    "023": TorontoTumour.NHL,
    "041": TorontoTumour.NEUROBLASTOMA,
    "050": TorontoTumour.RETINOBLASTOMA,
    "081": TorontoTumour.OSTEOSARCOMA,
    "083": TorontoTumour.EWING,
    "091": TorontoTumour.RHABDOMYOSARCOMA,
    "092": TorontoTumour.NRSTS,
    "093": TorontoTumour.NRSTS,
    "094": TorontoTumour.NRSTS,
    "095": TorontoTumour.NRSTS,
}

# Burkitt leukaemia (mature B-ALL) sits in ICCC Ia, but it is Burkitt lymphoma in the marrow and
# is staged as NHL (St Jude stage IV), not by CNS status.
_BURKITT_LEUKAEMIA = 9826
# Ewing sarcoma of soft tissue (ICCC IXd) is staged as Ewing sarcoma, not as an NRSTS.
_EWING_FAMILY = frozenset({9260, 9364, 9365})
# Inside a recode that mixes tumour types, the histologies the guideline means.
_NEPHROBLASTOMA = frozenset({8959, 8960})
_HEPATOBLASTOMA = frozenset({8970})
_MEDULLOBLASTOMA = frozenset({9470, 9471, 9472, 9474, 9475, 9476, 9477})
_EPENDYMOMA = frozenset({9391, 9392, 9393, 9394, 9396})


def tumour_for(iccc_recode: str, histology: str, site: str) -> TorontoTumour | None:
    """The Toronto tumour type of a classified diagnosis, or None if the guideline has none.

    ``iccc_recode`` comes from :func:`consilium.registry.iccc.classify`; ``histology`` and
    ``site`` are needed because some recodes mix tumours the guideline stages differently
    (061 holds Wilms tumour and clear-cell sarcoma of kidney; 033 holds medulloblastoma and
    other embryonal tumours; 103 is testicular or ovarian by site).
    """
    histology_code = normalise_histology(histology)
    site_code = normalise_site(site)
    number = int(histology_code) if histology_code else None
    if iccc_recode == "011" and number == _BURKITT_LEUKAEMIA:
        return TorontoTumour.NHL
    if iccc_recode == "094" and number in _EWING_FAMILY:
        return TorontoTumour.EWING
    if iccc_recode in _BY_RECODE:
        return _BY_RECODE[iccc_recode]
    if iccc_recode == "061" and number in _NEPHROBLASTOMA:
        return TorontoTumour.WILMS
    if iccc_recode == "071" and number in _HEPATOBLASTOMA:
        return TorontoTumour.HEPATOBLASTOMA
    if iccc_recode == "033" and number in _MEDULLOBLASTOMA:
        return TorontoTumour.MEDULLOBLASTOMA
    if iccc_recode == "031" and number in _EPENDYMOMA:
        return TorontoTumour.EPENDYMOMA
    if iccc_recode == "103" and site_code is not None:
        if site_code.startswith("C62"):
            return TorontoTumour.TESTICULAR
        if site_code == "C569":
            return TorontoTumour.OVARIAN
    return None
