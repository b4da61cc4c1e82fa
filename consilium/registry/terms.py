"""Words beside codes: the ICD-O-3 term of a topography or morphology code, the ICCC-3 group name.

Every page, mail and PDF that shows a diagnosis code shows its term beside it, looked up here
from the in-memory tables of :mod:`consilium.registry.codes` (no query per row: the registry
list shows fifty diagnoses at a time).

ICD-O-3 terms are the English reference terms: the project ships no published translation of
ICD-O-3 (the French and Russian editions are WHO-licensed, and there is none in Vietnamese or
Uzbek), so every language shows them in English beside the code, and pages mark them
``lang="en"`` for screen readers (see docs/translation.md). ICCC-3 main group names are
translated in the catalogue (:class:`consilium.registry.models.IcccGroup`).
"""

from __future__ import annotations

from dataclasses import dataclass

from consilium.registry.codes import MORPHOLOGY, TOPOGRAPHY, display_site, normalise_site

__all__ = [
    "CodedTerm",
    "morphology",
    "morphology_term",
    "topography",
    "topography_term",
]


@dataclass(frozen=True, slots=True)
class CodedTerm:
    code: str
    """As people read it: ``C74.9``, ``9500/3``."""
    term: str
    """The English ICD-O-3 term, empty when the curated table has none."""

    def __str__(self) -> str:
        return f"{self.code} {self.term}" if self.term else self.code


def topography_term(site: str) -> str:
    """``C749`` → "Adrenal gland, NOS"; a subsite outside the curated list gets its category's
    term (``C742`` → "Adrenal gland"), an unknown code an empty string."""
    code = normalise_site(site or "")
    if code is None:
        return ""
    return TOPOGRAPHY.get(code) or TOPOGRAPHY.get(code[:3], "")


def morphology_term(histology: str, behaviour: str) -> str:
    """``9500``, ``3`` → "Neuroblastoma, NOS". No fallback to another behaviour: 9080/0 is a
    benign teratoma and 9080/3 a malignant one."""
    return MORPHOLOGY.get(f"{histology}/{behaviour}", "")


def topography(site: str) -> CodedTerm:
    return CodedTerm(display_site(site), topography_term(site))


def morphology(histology: str, behaviour: str) -> CodedTerm:
    return CodedTerm(f"{histology}/{behaviour}", morphology_term(histology, behaviour))
