"""ICD-O-3 codes: normalising what people type, validity, and a curated list for look-ups.

The registry stores a diagnosis the way cancer registries exchange it: topography without the dot
(``C421``), a four-digit histology (``9836``) and a one-digit behaviour (``3``). People type
``C42.1`` or ``c42.1``; :func:`normalise_site` accepts those, and nothing looser, so that a typo
is caught instead of guessed.

:data:`MORPHOLOGY` and :data:`TOPOGRAPHY` are not the whole of ICD-O-3.2 (WHO licenses the full
list); they hold the terms a paediatric unit uses almost every week, for look-up-as-you-type.
Validity of a topography, on the other hand, is checked against the complete list of ICD-O-3
subsites in :data:`_SUBSITES`, which is short enough to write down. Names are the English
reference terms of ICD-O-3.2 (American spelling, as WHO prints them); they are not translated.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = [
    "MORPHOLOGY",
    "TOPOGRAPHY",
    "Kind",
    "display_site",
    "is_valid_topography",
    "normalise_behaviour",
    "normalise_histology",
    "normalise_site",
    "search",
]

Kind = Literal["morphology", "topography"]

# ASCII classes on purpose: str.isdigit() accepts "²" and Arabic-Indic digits, which int() then
# either rejects or silently converts.
_SITE_RE = re.compile(r"C([0-9]{2})\.?([0-9])")
_HISTOLOGY_RE = re.compile(r"[0-9]{4}")
_BEHAVIOUR_RE = re.compile(r"[0-9]")


def normalise_site(site: str) -> str | None:
    """``C42.1``, ``c421`` or `` C421 `` give ``C421``; anything else gives None."""
    if not isinstance(site, str):
        return None
    match = _SITE_RE.fullmatch(site.strip().upper())
    return f"C{match[1]}{match[2]}" if match else None


def normalise_histology(histology: str) -> str | None:
    """Four ASCII digits, spaces around allowed; ``9836/3`` is refused (behaviour is separate)."""
    if not isinstance(histology, str):
        return None
    value = histology.strip()
    return value if _HISTOLOGY_RE.fullmatch(value) else None


def normalise_behaviour(behaviour: str) -> str | None:
    if not isinstance(behaviour, str):
        return None
    value = behaviour.strip()
    return value if _BEHAVIOUR_RE.fullmatch(value) else None


def display_site(site: str) -> str:
    """``C421`` as people read it, ``C42.1``; unrecognised input is returned unchanged."""
    code = normalise_site(site)
    return f"{code[:3]}.{code[3]}" if code else site


# Every ICD-O-3 topography category with its valid fourth characters. Gaps are real: there is no
# C43, C45, C46, C59, C78 or C79 in ICD-O-3, no C14.1, no C25.5, no C76.6.
_SUBSITES: dict[str, str] = {
    "C00": "012345689",
    "C01": "9",
    "C02": "0123489",
    "C03": "019",
    "C04": "0189",
    "C05": "01289",
    "C06": "01289",
    "C07": "9",
    "C08": "0189",
    "C09": "0189",
    "C10": "0123489",
    "C11": "012389",
    "C12": "9",
    "C13": "01289",
    "C14": "028",
    "C15": "01234589",
    "C16": "012345689",
    "C17": "012389",
    "C18": "0123456789",
    "C19": "9",
    "C20": "9",
    "C21": "0128",
    "C22": "01",
    "C23": "9",
    "C24": "0189",
    "C25": "01234789",
    "C26": "089",
    "C30": "01",
    "C31": "012389",
    "C32": "012389",
    "C33": "9",
    "C34": "012389",
    "C37": "9",
    "C38": "012348",
    "C39": "089",
    "C40": "012389",
    "C41": "0123489",
    "C42": "01234",
    "C44": "0123456789",
    "C47": "012345689",
    "C48": "0128",
    "C49": "012345689",
    "C50": "012345689",
    "C51": "01289",
    "C52": "9",
    "C53": "0189",
    "C54": "012389",
    "C55": "9",
    "C56": "9",
    "C57": "01234789",
    "C58": "9",
    "C60": "01289",
    "C61": "9",
    "C62": "019",
    "C63": "012789",
    "C64": "9",
    "C65": "9",
    "C66": "9",
    "C67": "0123456789",
    "C68": "0189",
    "C69": "012345689",
    "C70": "019",
    "C71": "0123456789",
    "C72": "01234589",
    "C73": "9",
    "C74": "019",
    "C75": "01234589",
    "C76": "01234578",
    "C77": "01234589",
    "C80": "9",
}

_VALID_SITES = frozenset(
    category + digit for category, digits in _SUBSITES.items() for digit in digits
)


def is_valid_topography(site: str) -> bool:
    """True for an existing ICD-O-3 subsite (``C421``, ``C42.1``), false for ``C43``, ``C999``…"""
    code = normalise_site(site)
    return code is not None and code in _VALID_SITES


TOPOGRAPHY: dict[str, str] = {
    "C00": "Lip",
    "C01": "Base of tongue",
    "C02": "Other and unspecified parts of tongue",
    "C03": "Gum",
    "C04": "Floor of mouth",
    "C05": "Palate",
    "C06": "Other and unspecified parts of mouth",
    "C07": "Parotid gland",
    "C08": "Other and unspecified major salivary glands",
    "C09": "Tonsil",
    "C10": "Oropharynx",
    "C11": "Nasopharynx",
    "C12": "Pyriform sinus",
    "C13": "Hypopharynx",
    "C14": "Other and ill-defined sites in lip, oral cavity and pharynx",
    "C15": "Esophagus",
    "C16": "Stomach",
    "C17": "Small intestine",
    "C18": "Colon",
    "C19": "Rectosigmoid junction",
    "C20": "Rectum",
    "C21": "Anus and anal canal",
    "C22": "Liver and intrahepatic bile ducts",
    "C23": "Gallbladder",
    "C24": "Other and unspecified parts of biliary tract",
    "C25": "Pancreas",
    "C26": "Other and ill-defined digestive organs",
    "C30": "Nasal cavity and middle ear",
    "C31": "Accessory sinuses",
    "C32": "Larynx",
    "C33": "Trachea",
    "C34": "Bronchus and lung",
    "C37": "Thymus",
    "C38": "Heart, mediastinum and pleura",
    "C39": "Other and ill-defined sites within respiratory system and intrathoracic organs",
    "C40": "Bones, joints and articular cartilage of limbs",
    "C41": "Bones, joints and articular cartilage of other and unspecified sites",
    "C42": "Hematopoietic and reticuloendothelial systems",
    "C44": "Skin",
    "C47": "Peripheral nerves and autonomic nervous system",
    "C48": "Retroperitoneum and peritoneum",
    "C49": "Connective, subcutaneous and other soft tissues",
    "C50": "Breast",
    "C51": "Vulva",
    "C52": "Vagina",
    "C53": "Cervix uteri",
    "C54": "Corpus uteri",
    "C55": "Uterus, NOS",
    "C56": "Ovary",
    "C57": "Other and unspecified female genital organs",
    "C58": "Placenta",
    "C60": "Penis",
    "C61": "Prostate gland",
    "C62": "Testis",
    "C63": "Other and unspecified male genital organs",
    "C64": "Kidney",
    "C65": "Renal pelvis",
    "C66": "Ureter",
    "C67": "Bladder",
    "C68": "Other and unspecified urinary organs",
    "C69": "Eye and adnexa",
    "C70": "Meninges",
    "C71": "Brain",
    "C72": "Spinal cord, cranial nerves and other parts of central nervous system",
    "C73": "Thyroid gland",
    "C74": "Adrenal gland",
    "C75": "Other endocrine glands and related structures",
    "C76": "Other and ill-defined sites",
    "C77": "Lymph nodes",
    "C80": "Unknown primary site",
    # Subsites a paediatric registry codes most often.
    "C079": "Parotid gland",
    "C090": "Tonsillar fossa",
    "C099": "Tonsil, NOS",
    "C119": "Nasopharynx, NOS",
    "C169": "Stomach, NOS",
    "C180": "Cecum",
    "C181": "Appendix",
    "C189": "Colon, NOS",
    "C209": "Rectum, NOS",
    "C220": "Liver",
    "C221": "Intrahepatic bile duct",
    "C259": "Pancreas, NOS",
    "C300": "Nasal cavity",
    "C301": "Middle ear",
    "C349": "Lung, NOS",
    "C379": "Thymus",
    "C380": "Heart",
    "C381": "Anterior mediastinum",
    "C382": "Posterior mediastinum",
    "C383": "Mediastinum, NOS",
    "C384": "Pleura, NOS",
    "C400": "Long bones of upper limb, scapula and associated joints",
    "C402": "Long bones of lower limb and associated joints",
    "C409": "Bone of limb, NOS",
    "C410": "Bones of skull and face and associated joints",
    "C411": "Mandible",
    "C412": "Vertebral column",
    "C413": "Rib, sternum, clavicle and associated joints",
    "C414": "Pelvic bones, sacrum, coccyx and associated joints",
    "C419": "Bone, NOS",
    "C420": "Blood",
    "C421": "Bone marrow",
    "C422": "Spleen",
    "C423": "Reticuloendothelial system, NOS",
    "C424": "Hematopoietic system, NOS",
    "C449": "Skin, NOS",
    "C479": "Autonomic nervous system, NOS",
    "C480": "Retroperitoneum",
    "C482": "Peritoneum, NOS",
    "C490": "Connective, subcutaneous and other soft tissues of head, face and neck",
    "C491": "Connective, subcutaneous and other soft tissues of upper limb and shoulder",
    "C492": "Connective, subcutaneous and other soft tissues of lower limb and hip",
    "C493": "Connective, subcutaneous and other soft tissues of thorax",
    "C494": "Connective, subcutaneous and other soft tissues of abdomen",
    "C495": "Connective, subcutaneous and other soft tissues of pelvis",
    "C499": "Connective, subcutaneous and other soft tissues, NOS",
    "C509": "Breast, NOS",
    "C529": "Vagina, NOS",
    "C539": "Cervix uteri",
    "C559": "Uterus, NOS",
    "C569": "Ovary",
    "C619": "Prostate gland",
    "C620": "Undescended testis",
    "C621": "Descended testis",
    "C629": "Testis, NOS",
    "C632": "Scrotum, NOS",
    "C649": "Kidney, NOS",
    "C679": "Bladder, NOS",
    "C690": "Conjunctiva",
    "C692": "Retina",
    "C696": "Orbit, NOS",
    "C699": "Eye, NOS",
    "C700": "Cerebral meninges",
    "C701": "Spinal meninges",
    "C710": "Cerebrum",
    "C711": "Frontal lobe",
    "C712": "Temporal lobe",
    "C713": "Parietal lobe",
    "C714": "Occipital lobe",
    "C715": "Ventricle, NOS",
    "C716": "Cerebellum, NOS",
    "C717": "Brain stem",
    "C718": "Overlapping lesion of brain",
    "C719": "Brain, NOS",
    "C720": "Spinal cord",
    "C723": "Optic nerve",
    "C729": "Nervous system, NOS",
    "C739": "Thyroid gland",
    "C740": "Cortex of adrenal gland",
    "C741": "Medulla of adrenal gland",
    "C749": "Adrenal gland, NOS",
    "C751": "Pituitary gland",
    "C752": "Craniopharyngeal duct",
    "C753": "Pineal gland",
    "C760": "Head, face or neck, NOS",
    "C761": "Thorax, NOS",
    "C762": "Abdomen, NOS",
    "C763": "Pelvis, NOS",
    "C770": "Lymph nodes of head, face and neck",
    "C771": "Intrathoracic lymph nodes",
    "C772": "Intra-abdominal lymph nodes",
    "C779": "Lymph node, NOS",
    "C809": "Unknown primary site",
}

# Keyed by histology/behaviour because ICD-O names the two together (9421/1 is pilocytic
# astrocytoma, 9080/0 a benign teratoma, 9080/3 a malignant one).
MORPHOLOGY: dict[str, str] = {
    # Leukaemias, myeloproliferative and myelodysplastic diseases
    "9800/3": "Leukemia, NOS",
    "9801/3": "Acute leukemia, NOS",
    "9808/3": "Mixed phenotype acute leukemia, B/myeloid, NOS",
    "9809/3": "Mixed phenotype acute leukemia, T/myeloid, NOS",
    "9811/3": "B lymphoblastic leukemia/lymphoma, NOS",
    "9812/3": "B lymphoblastic leukemia/lymphoma with t(9;22)(q34;q11.2); BCR-ABL1",
    "9813/3": "B lymphoblastic leukemia/lymphoma with t(v;11q23); MLL rearranged",
    "9814/3": "B lymphoblastic leukemia/lymphoma with t(12;21)(p13;q22); TEL-AML1 (ETV6-RUNX1)",
    "9815/3": "B lymphoblastic leukemia/lymphoma with hyperdiploidy",
    "9816/3": "B lymphoblastic leukemia/lymphoma with hypodiploidy (hypodiploid ALL)",
    "9817/3": "B lymphoblastic leukemia/lymphoma with t(5;14)(q31;q32); IL3-IGH",
    "9818/3": "B lymphoblastic leukemia/lymphoma with t(1;19)(q23;p13.3); E2A-PBX1 (TCF3-PBX1)",
    "9819/3": "B lymphoblastic leukemia/lymphoma, BCR-ABL1-like",
    "9826/3": "Burkitt cell leukemia",
    "9835/3": "Precursor cell lymphoblastic leukemia, NOS",
    "9836/3": "Precursor B-cell lymphoblastic leukemia",
    "9837/3": "T lymphoblastic leukemia/lymphoma",
    "9861/3": "Acute myeloid leukemia, NOS",
    "9863/3": "Chronic myeloid leukemia, NOS",
    "9865/3": "Acute myeloid leukemia with t(6;9)(p23;q34); DEK-NUP214",
    "9866/3": "Acute promyelocytic leukemia, t(15;17)(q22;q11-12)",
    "9867/3": "Acute myelomonocytic leukemia",
    "9869/3": "Acute myeloid leukemia with inv(3)(q21q26.2) or t(3;3)(q21;q26.2); RPN1-EVI1",
    "9871/3": "Acute myeloid leukemia with inv(16)(p13.1q22) or t(16;16)(p13.1;q22); CBFB-MYH11",
    "9872/3": "Acute myeloid leukemia, minimal differentiation",
    "9873/3": "Acute myeloid leukemia without maturation",
    "9874/3": "Acute myeloid leukemia with maturation",
    "9875/3": "Chronic myelogenous leukemia, BCR-ABL1 positive",
    "9877/3": "Acute myeloid leukemia with mutated NPM1",
    "9878/3": "Acute myeloid leukemia with biallelic mutation of CEBPA",
    "9891/3": "Acute monocytic leukemia",
    "9895/3": "Acute myeloid leukemia with myelodysplasia-related changes",
    "9896/3": "Acute myeloid leukemia, t(8;21)(q22;q22); RUNX1-RUNX1T1",
    "9897/3": "Acute myeloid leukemia, t(9;11)(p22;q23); MLLT3-MLL",
    "9898/3": "Myeloid leukemia associated with Down syndrome",
    "9910/3": "Acute megakaryoblastic leukemia",
    "9911/3": "Acute myeloid leukemia (megakaryoblastic) with t(1;22)(p13;q13); RBM15-MKL1",
    "9920/3": "Therapy-related myeloid neoplasm",
    "9930/3": "Myeloid sarcoma",
    "9946/3": "Juvenile myelomonocytic leukemia",
    "9985/3": "Refractory cytopenia of childhood",
    "9989/3": "Myelodysplastic syndrome, NOS",
    # Lymphomas and reticuloendothelial neoplasms
    "9590/3": "Malignant lymphoma, NOS",
    "9591/3": "Malignant lymphoma, non-Hodgkin, NOS",
    "9650/3": "Hodgkin lymphoma, NOS",
    "9651/3": "Hodgkin lymphoma, lymphocyte-rich",
    "9652/3": "Hodgkin lymphoma, mixed cellularity, NOS",
    "9653/3": "Hodgkin lymphoma, lymphocyte depletion, NOS",
    "9659/3": "Hodgkin lymphoma, nodular lymphocyte predominance",
    "9663/3": "Hodgkin lymphoma, nodular sclerosis, NOS",
    "9679/3": "Mediastinal (thymic) large B-cell lymphoma",
    "9680/3": "Malignant lymphoma, large B-cell, diffuse, NOS",
    "9687/3": "Burkitt lymphoma, NOS",
    "9690/3": "Follicular lymphoma, NOS",
    "9699/3": "Marginal zone B-cell lymphoma, NOS",
    "9702/3": "Mature T-cell lymphoma, NOS",
    "9714/3": "Anaplastic large cell lymphoma, ALK positive",
    "9719/3": "NK/T-cell lymphoma, nasal and nasal-type",
    "9751/3": "Langerhans cell histiocytosis, NOS",
    "9755/3": "Histiocytic sarcoma",
    "9971/3": "Polymorphic post transplant lymphoproliferative disorder",
    # Central nervous system
    "9350/1": "Craniopharyngioma",
    "9362/3": "Pineoblastoma",
    "9380/3": "Glioma, malignant",
    "9383/1": "Subependymoma",
    "9384/1": "Subependymal giant cell astrocytoma",
    "9385/3": "Diffuse midline glioma, H3 K27M-mutant",
    "9390/0": "Choroid plexus papilloma, NOS",
    "9390/1": "Atypical choroid plexus papilloma",
    "9390/3": "Choroid plexus carcinoma",
    "9391/3": "Ependymoma, NOS",
    "9392/3": "Ependymoma, anaplastic",
    "9393/3": "Papillary ependymoma",
    "9394/1": "Myxopapillary ependymoma",
    "9396/3": "Ependymoma, RELA fusion-positive",
    "9400/3": "Astrocytoma, NOS",
    "9401/3": "Astrocytoma, anaplastic",
    "9421/1": "Pilocytic astrocytoma",
    "9424/3": "Pleomorphic xanthoastrocytoma",
    "9425/3": "Pilomyxoid astrocytoma",
    "9440/3": "Glioblastoma, NOS",
    "9450/3": "Oligodendroglioma, NOS",
    "9470/3": "Medulloblastoma, NOS",
    "9471/3": "Desmoplastic nodular medulloblastoma",
    "9474/3": "Large cell medulloblastoma",
    "9475/3": "Medulloblastoma, WNT-activated",
    "9476/3": "Medulloblastoma, SHH-activated and TP53-mutant",
    "9477/3": "Medulloblastoma, non-WNT/non-SHH",
    "9478/3": "Embryonal tumor with multilayered rosettes, C19MC-altered",
    "9473/3": "Primitive neuroectodermal tumor, NOS",
    "9505/1": "Ganglioglioma, NOS",
    "9413/0": "Dysembryoplastic neuroepithelial tumor",
    "9508/3": "Atypical teratoid/rhabdoid tumor",
    "9530/0": "Meningioma, NOS",
    # Neuroblastoma and other peripheral nervous cell tumours
    "9490/0": "Ganglioneuroma",
    "9490/3": "Ganglioneuroblastoma",
    "9500/3": "Neuroblastoma, NOS",
    "9501/3": "Medulloepithelioma, NOS",
    "8700/3": "Pheochromocytoma, malignant",
    # Retinoblastoma
    "9510/0": "Retinocytoma",
    "9510/3": "Retinoblastoma, NOS",
    "9511/3": "Retinoblastoma, differentiated",
    "9512/3": "Retinoblastoma, undifferentiated",
    "9513/3": "Retinoblastoma, diffuse",
    # Renal tumours
    "8959/1": "Cystic partially differentiated nephroblastoma",
    "8960/1": "Mesoblastic nephroma",
    "8960/3": "Nephroblastoma, NOS",
    "8963/3": "Malignant rhabdoid tumor",
    "8964/3": "Clear cell sarcoma of kidney",
    "8311/3": "Renal cell carcinoma, NOS",
    # Hepatic tumours
    "8970/3": "Hepatoblastoma",
    "8170/3": "Hepatocellular carcinoma, NOS",
    "8171/3": "Hepatocellular carcinoma, fibrolamellar",
    "8991/3": "Embryonal sarcoma",
    # Bone tumours
    "9180/3": "Osteosarcoma, NOS",
    "9181/3": "Chondroblastic osteosarcoma",
    "9182/3": "Fibroblastic osteosarcoma",
    "9183/3": "Telangiectatic osteosarcoma",
    "9185/3": "Small cell osteosarcoma",
    "9192/3": "Parosteal osteosarcoma",
    "9193/3": "Periosteal osteosarcoma",
    "9220/3": "Chondrosarcoma, NOS",
    "9240/3": "Mesenchymal chondrosarcoma",
    "9250/1": "Giant cell tumor of bone, NOS",
    "9260/3": "Ewing sarcoma",
    "9364/3": "Peripheral neuroectodermal tumor",
    "9370/3": "Chordoma, NOS",
    # Soft tissue sarcomas
    "8800/3": "Sarcoma, NOS",
    "8801/3": "Spindle cell sarcoma",
    "8804/3": "Epithelioid sarcoma",
    "8806/3": "Desmoplastic small round cell tumor",
    "8810/3": "Fibrosarcoma, NOS",
    "8814/3": "Infantile fibrosarcoma",
    "8825/1": "Myofibroblastic tumor, NOS",
    "8832/3": "Dermatofibrosarcoma protuberans, NOS",
    "8850/3": "Liposarcoma, NOS",
    "8890/3": "Leiomyosarcoma, NOS",
    "8900/3": "Rhabdomyosarcoma, NOS",
    "8901/3": "Pleomorphic rhabdomyosarcoma, adult type",
    "8902/3": "Mixed type rhabdomyosarcoma",
    "8910/3": "Embryonal rhabdomyosarcoma, NOS",
    "8912/3": "Spindle cell rhabdomyosarcoma",
    "8920/3": "Alveolar rhabdomyosarcoma",
    "8936/3": "Gastrointestinal stromal sarcoma",
    "9040/3": "Synovial sarcoma, NOS",
    "9044/3": "Clear cell sarcoma, NOS",
    "9120/3": "Hemangiosarcoma",
    "9140/3": "Kaposi sarcoma",
    "9540/3": "Malignant peripheral nerve sheath tumor",
    "9581/3": "Alveolar soft part sarcoma",
    # Germ cell, trophoblastic and gonadal tumours
    "9060/3": "Dysgerminoma",
    "9061/3": "Seminoma, NOS",
    "9064/3": "Germinoma",
    "9070/3": "Embryonal carcinoma, NOS",
    "9071/3": "Yolk sac tumor",
    "9073/1": "Gonadoblastoma",
    "9080/0": "Teratoma, benign",
    "9080/1": "Teratoma, NOS",
    "9080/3": "Teratoma, malignant, NOS",
    "9084/3": "Teratoma with malignant transformation",
    "9085/3": "Mixed germ cell tumor",
    "9100/3": "Choriocarcinoma, NOS",
    "8622/1": "Granulosa cell tumor, juvenile",
    "8631/1": "Sertoli-Leydig cell tumor, intermediate differentiation",
    # Carcinomas, melanoma and other epithelial tumours seen in children
    "8000/3": "Neoplasm, malignant",
    "8010/3": "Carcinoma, NOS",
    "8020/3": "Carcinoma, undifferentiated, NOS",
    "8070/3": "Squamous cell carcinoma, NOS",
    "8082/3": "Lymphoepithelial carcinoma",
    "8090/3": "Basal cell carcinoma, NOS",
    "8140/3": "Adenocarcinoma, NOS",
    "8240/3": "Carcinoid tumor, NOS",
    "8260/3": "Papillary adenocarcinoma, NOS",
    "8330/3": "Follicular adenocarcinoma, NOS",
    "8340/3": "Papillary carcinoma, follicular variant",
    "8345/3": "Medullary carcinoma with amyloid stroma",
    "8370/3": "Adrenal cortical carcinoma",
    "8430/3": "Mucoepidermoid carcinoma",
    "8452/1": "Solid pseudopapillary tumor",
    "8480/3": "Mucinous adenocarcinoma",
    "8490/3": "Signet ring cell carcinoma",
    "8720/3": "Malignant melanoma, NOS",
    "8971/3": "Pancreatoblastoma",
    "8973/3": "Pleuropulmonary blastoma",
    "9050/3": "Mesothelioma, malignant",
}


def _search_key(text: str) -> str:
    return text.strip().upper().replace(".", "")


def search(
    prefix_or_words: str, limit: int = 10, *, kind: Kind | None = None
) -> list[tuple[str, str]]:
    """Codes for a look-up-as-you-type box: by code prefix first, then by words in the name.

    ``"C42.1"``, ``"c42"`` and ``"9836"`` match codes; ``"medullo"`` or ``"alveolar rhabdo"``
    match names where every typed word starts a word of the name, so a few letters are enough.
    """
    query = prefix_or_words.strip()
    if not query or limit <= 0:
        return []
    tables: list[dict[str, str]] = []
    if kind in (None, "morphology"):
        tables.append(MORPHOLOGY)
    if kind in (None, "topography"):
        tables.append(TOPOGRAPHY)

    key = _search_key(query)
    by_code = [(code, name) for table in tables for code, name in table.items()]
    results = sorted((pair for pair in by_code if pair[0].startswith(key)), key=_by_code)
    if len(results) >= limit:
        return results[:limit]

    words = [word.casefold() for word in re.split(r"[\s,/()-]+", query) if word]
    seen = {code for code, _ in results}
    by_name = []
    for code, name in by_code:
        if code in seen:
            continue
        name_words = [word.casefold() for word in re.split(r"[\s,/()-]+", name) if word]
        if all(any(nw.startswith(w) for nw in name_words) for w in words):
            by_name.append((code, name))
    by_name.sort(key=_by_code)
    return (results + by_name)[:limit]


def _by_code(pair: tuple[str, str]) -> tuple[int, str]:
    # Shorter codes first, so "C71" (Brain) comes before its subsites.
    return (len(pair[0]), pair[0])
