"""The six index cancers of the WHO Global Initiative for Childhood Cancer (GICC), defined by
the ICCC-3 codes the registry derives from ICD-O-3 (never typed in).

==================  ===================================================================
index cancer        definition (first primary diagnosis)
==================  ===================================================================
ALL                 ICCC-3 extended code 001: Ia.1 precursor cell (lymphoblastic)
                    leukaemias (ICD-O-3 9811-9818, 9835-9837)
Burkitt lymphoma    ICCC-3 recode 023: IIc Burkitt lymphoma (9687)
Hodgkin lymphoma    ICCC-3 recode 021: IIa Hodgkin lymphomas (9650-9667)
retinoblastoma      ICCC-3 recode 050: V retinoblastoma (9510-9514)
Wilms tumour        ICCC-3 extended code 036: VIa.1 nephroblastoma (8959, 8960)
low-grade glioma    ICCC-3 main group III with a glioma or glioneuronal morphology of WHO
                    grade 1-2: 9421 pilocytic, 9425 pilomyxoid, 9384 subependymal giant
                    cell, 9424 pleomorphic xantho-, 9400/9410/9411/9420 diffuse
                    astrocytoma, 9450 oligodendroglioma, 9412 desmoplastic infantile,
                    9413 DNET, 9505 ganglioglioma
==================  ===================================================================

The glioma list follows the morphology codes of the WHO CNS classification (2016/2021) for
grade 1-2 gliomas; the registry keeps no separate grade for CNS tumours, so a 9400 coded for
a tumour later graded higher is counted here: the list is a registry approximation.
"""

from __future__ import annotations

from django.db.models import Case, CharField, Q, Value, When
from django.utils.translation import gettext_lazy as _

LOW_GRADE_GLIOMA_MORPHOLOGIES = (
    "9421",
    "9425",
    "9384",
    "9424",
    "9400",
    "9410",
    "9411",
    "9420",
    "9450",
    "9412",
    "9413",
    "9505",
)

# key, label, condition on a Diagnosis row; tried in order (they do not overlap anyway).
INDEX_CANCERS = (
    ("all", _("Acute lymphoblastic leukaemia"), Q(iccc_extended="001")),
    ("burkitt", _("Burkitt lymphoma"), Q(iccc_recode="023")),
    ("hodgkin", _("Hodgkin lymphoma"), Q(iccc_recode="021")),
    ("retinoblastoma", _("Retinoblastoma"), Q(iccc_recode="050")),
    ("wilms", _("Wilms tumour"), Q(iccc_extended="036")),
    (
        "lgg",
        _("Low-grade glioma"),
        Q(iccc_main_group="III", morphology__in=LOW_GRADE_GLIOMA_MORPHOLOGIES),
    ),
)

LABELS = {key: label for key, label, _q in INDEX_CANCERS}
ORDER = [key for key, _label, _q in INDEX_CANCERS]


def index_cancer_key() -> Case:
    """The index cancer of a Diagnosis row in SQL, NULL for any other tumour."""
    return Case(
        *(When(condition, then=Value(key)) for key, _label, condition in INDEX_CANCERS),
        default=None,
        output_field=CharField(),
    )
