"""The catalogue of what a hospital can really do, as an expert needs to know before advising."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResourceCategory(models.TextChoices):
    IMAGING = "imaging", _("Imaging")
    PATHOLOGY = "pathology", _("Pathology and diagnostics")
    RADIOTHERAPY = "radiotherapy", _("Radiotherapy")
    SURGERY = "surgery", _("Surgery")
    SYSTEMIC = "systemic", _("Systemic therapy")
    SUPPORT = "support", _("Supportive care")


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available")
    LIMITED = "limited", _("Limited")
    NOT_AVAILABLE = "not_available", _("Not available")
    REFERRED = "referred", _("Referred elsewhere")


class Resource(models.TextChoices):
    ULTRASOUND = "ultrasound", _("Ultrasound")
    CT = "ct", _("CT")
    MRI = "mri", _("MRI")
    PET = "pet", _("PET")
    NUCLEAR_MEDICINE = "nuclear_medicine", _("Nuclear medicine (e.g. MIBG scintigraphy)")
    HISTOLOGY = "histology", _("Histology")
    IHC = "immunohistochemistry", _("Immunohistochemistry")
    FLOW_CYTOMETRY = "flow_cytometry", _("Flow cytometry")
    CYTOGENETICS = "cytogenetics_fish", _("Cytogenetics / FISH")
    PCR = "pcr", _("PCR")
    SEQUENCING = "sequencing", _("Sequencing")
    RT_2D = "rt_2d", _("2D radiotherapy")
    RT_3D = "rt_3d_conformal", _("3D-conformal radiotherapy")
    RT_IMRT = "rt_imrt", _("IMRT")
    RT_PROTON = "rt_proton", _("Proton therapy")
    RT_BRACHY = "rt_brachytherapy", _("Brachytherapy")
    SURG_ONCOLOGY = "paediatric_surgical_oncology", _("Paediatric surgical oncology")
    NEUROSURGERY = "neurosurgery", _("Neurosurgery")
    ORTHO_ONCOLOGY = "orthopaedic_oncology", _("Orthopaedic oncology")
    ESSENTIAL_MEDICINES = "essential_medicines", _("Essential paediatric cancer medicines")
    HDCT = "hdct_ascr", _("High-dose chemotherapy with stem-cell rescue")
    IMMUNOTHERAPY = "immunotherapy", _("Immunotherapy (e.g. anti-GD2)")
    INTENSIVE_CARE = "intensive_care", _("Paediatric intensive care")
    TRANSFUSION = "transfusion", _("Transfusion")
    INFECTION_CONTROL = "infection_control", _("Infection control")
    PALLIATIVE_CARE = "palliative_care", _("Palliative care")
    HOSPICE = "hospice", _("Hospice")


CATEGORY_OF: dict[str, str] = {
    **dict.fromkeys(["ultrasound", "ct", "mri", "pet", "nuclear_medicine"], "imaging"),
    **dict.fromkeys(
        [
            "histology",
            "immunohistochemistry",
            "flow_cytometry",
            "cytogenetics_fish",
            "pcr",
            "sequencing",
        ],
        "pathology",
    ),
    **dict.fromkeys(
        ["rt_2d", "rt_3d_conformal", "rt_imrt", "rt_proton", "rt_brachytherapy"], "radiotherapy"
    ),
    **dict.fromkeys(
        ["paediatric_surgical_oncology", "neurosurgery", "orthopaedic_oncology"], "surgery"
    ),
    **dict.fromkeys(["essential_medicines", "hdct_ascr", "immunotherapy"], "systemic"),
    **dict.fromkeys(
        ["intensive_care", "transfusion", "infection_control", "palliative_care", "hospice"],
        "support",
    ),
}


def grouped_catalogue() -> list[tuple[ResourceCategory, list[Resource]]]:
    """The catalogue in display order, category by category."""
    return [
        (category, [r for r in Resource if CATEGORY_OF[r.value] == category.value])
        for category in ResourceCategory
    ]
