"""What experts ask for first, per diagnosis group: shown as prompts in the summary form."""

from django.utils.translation import gettext_lazy as _

from consilium.consultations.models import SummaryTemplate

PROMPTS: dict[str, dict[str, str]] = {
    SummaryTemplate.GENERAL: {},
    SummaryTemplate.LEUKAEMIA: {
        "laboratory": _(
            "Blood count at diagnosis, blasts %, CSF status (CNS1/2/3), day-8/15/33 response, MRD"
        ),
        "pathology": _(
            "Immunophenotype (flow cytometry), cytogenetics: ETV6-RUNX1, BCR-ABL1, KMT2A, "
            "hypo/hyperdiploidy"
        ),
    },
    SummaryTemplate.LYMPHOMA: {
        "imaging": _("Sites involved, bulky disease, CT/PET findings"),
        "laboratory": _("LDH, uric acid, creatinine; bone marrow and CSF involvement"),
    },
    SummaryTemplate.CNS: {
        "imaging": _(
            "MRI brain and spine before and after surgery: size, location, extent "
            "of resection, metastases"
        ),
        "pathology": _(
            "Histology and molecular group (e.g. WNT/SHH for medulloblastoma, BRAF "
            "for glioma), CSF cytology"
        ),
    },
    SummaryTemplate.NEUROBLASTOMA: {
        "imaging": _(
            "Primary site, image-defined risk factors, MIBG or bone scan, metastatic sites"
        ),
        "pathology": _("INPC histology, MYCN status, 11q, ploidy; bone marrow"),
        "laboratory": _("Urinary catecholamines (VMA/HVA), LDH, ferritin"),
    },
    SummaryTemplate.RETINOBLASTOMA: {
        "examination": _("Eye(s) involved, group (IIRC), leukocoria, family history"),
        "imaging": _("Orbital and brain MRI: optic nerve, choroid, pineal"),
    },
    SummaryTemplate.RENAL: {
        "imaging": _("Tumour size, side(s), vena cava, lung nodules on chest CT"),
        "pathology": _("Histology after pre-operative chemotherapy, local stage, risk group"),
    },
    SummaryTemplate.SARCOMA: {
        "imaging": _("Primary site and size (MRI), lung CT, bone scan or PET"),
        "pathology": _("Histology, fusion status (PAX3/7-FOXO1, EWSR1), margins"),
    },
}

ICCC_TEMPLATE = {
    "I": SummaryTemplate.LEUKAEMIA,
    "II": SummaryTemplate.LYMPHOMA,
    "III": SummaryTemplate.CNS,
    "IV": SummaryTemplate.NEUROBLASTOMA,
    "V": SummaryTemplate.RETINOBLASTOMA,
    "VI": SummaryTemplate.RENAL,
    "VIII": SummaryTemplate.SARCOMA,
    "IX": SummaryTemplate.SARCOMA,
}
