"""The codebook of the import's sheets (what each column means, whether it is required, its
allowed values with their labels, in the reader's language) and the template a data manager
fills in: an .xlsx with the allowed codes as drop-down lists, or a .zip of CSV headers.

The sheets and their columns are `consilium.registry.sheets`'; this module only describes them."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consilium.lib import csv_cells
from consilium.registry import toronto
from consilium.registry.models import (
    BasisOfDiagnosis,
    ConsentStatus,
    DeathCause,
    EventKind,
    Intent,
    Laterality,
    Marker,
    MarkerMethod,
    MarkerResult,
    Modality,
    RiskGroup,
    Sex,
    VitalStatus,
)
from consilium.registry.sheets import LAYOUTS, Layout
from consilium.registry.toronto import Tier, TorontoTumour

_DATE = gettext_lazy("Date: an Excel date or YYYY-MM-DD.")
MEANINGS: dict[str, Any] = {
    "hospital_number": gettext_lazy(
        "The hospital's own number for the child; joins the other sheets to the patient."
        " Needed for a patient with rows in other sheets, and for a later import to update"
        " the patient rather than refuse a duplicate."
    ),
    "name": gettext_lazy("Full name, as the hospital writes it."),
    "birth_date": gettext_lazy("Date of birth."),
    "sex": gettext_lazy("Sex (M, F and U are read too)."),
    "address": gettext_lazy("Address of the family."),
    "phone": gettext_lazy("Telephone of the family."),
    "region": gettext_lazy("Province or region of residence."),
    "consent_status": gettext_lazy("Consent to share de-identified data."),
    "consent_date": gettext_lazy("Date of consent."),
    "consent_waiver_reason": gettext_lazy("Why consent was waived, when it was."),
    "diagnosis_date": gettext_lazy("Date of diagnosis (the time origin of survival)."),
    "topography": gettext_lazy("ICD-O-3 topography, e.g. C74.9."),
    "morphology": gettext_lazy("ICD-O-3 morphology, four digits, e.g. 9500."),
    "behaviour": gettext_lazy("ICD-O-3 behaviour digit: 3 for malignant."),
    "grade": gettext_lazy("ICD-O-3 grade digit, if known."),
    "laterality": gettext_lazy("Side of a paired organ."),
    "basis_of_diagnosis": gettext_lazy("Most valid basis of diagnosis."),
    "stage_tumour": gettext_lazy("Toronto tumour type (found from the codes when empty)."),
    "stage_tier": gettext_lazy("Toronto tier."),
    "stage_value": gettext_lazy("Toronto stage, e.g. L2, CNS1, III."),
    "risk_group": gettext_lazy("Risk group of the protocol."),
    "vital_status": gettext_lazy("Vital status at the last contact (dead if a death is recorded)."),
    "last_contact": gettext_lazy("Date the child was last seen or heard of."),
    "date": gettext_lazy("Date of the event or result."),
    "kind": gettext_lazy("What happened."),
    "death_cause": gettext_lazy("Cause of death: required for a death, empty otherwise."),
    "note": gettext_lazy("A short note."),
    "start_date": gettext_lazy("Start of the treatment."),
    "end_date": gettext_lazy("End of the treatment, if it has ended."),
    "modalities": gettext_lazy("Modalities, several joined by +, e.g. chemotherapy+surgery."),
    "intent": gettext_lazy("Intent of the treatment (curative when empty)."),
    "protocol_name": gettext_lazy("Protocol followed."),
    "protocol_version": gettext_lazy("Version of the protocol."),
    "marker": gettext_lazy("Molecular marker tested."),
    "other_name": gettext_lazy("Name of the marker, when the marker is “other”."),
    "result": gettext_lazy("Result of the test."),
    "method": gettext_lazy("Method of the test."),
    "lab": gettext_lazy("Laboratory that did the test."),
}
CHOICES: dict[str, type[models.Choices]] = {
    "sex": Sex,
    "consent_status": ConsentStatus,
    "laterality": Laterality,
    "basis_of_diagnosis": BasisOfDiagnosis,
    "stage_tumour": TorontoTumour,
    "stage_tier": Tier,
    "risk_group": RiskGroup,
    "vital_status": VitalStatus,
    "kind": EventKind,
    "death_cause": DeathCause,
    "intent": Intent,
    "modalities": Modality,
    "marker": Marker,
    "result": MarkerResult,
    "method": MarkerMethod,
}
# A cell of these columns holds several codes: no drop-down list.
_SEVERAL = frozenset({"modalities"})
# Drop-down lists cover this many rows of each sheet of the template.
TEMPLATE_ROWS = 5000


@dataclass(frozen=True)
class Column:
    sheet: str
    name: str
    meaning: str
    required: bool
    is_date: bool
    allowed: list[tuple[str, str]]

    @property
    def anchor(self) -> str:
        return f"{self.sheet}-{self.name}"


def _allowed(name: str) -> list[tuple[str, str]]:
    if name == "stage_value":
        # The guideline's own values, per tumour and tier: what the import accepts (a data
        # manager could not know "Localised" from "L1" otherwise).
        return [
            (
                ", ".join(toronto.allowed_stages(tumour, tier)),
                _("%(tumour)s, tier %(tier)d") % {"tumour": tumour.label, "tier": tier},
            )
            for tumour in TorontoTumour
            for tier in (Tier.ONE, Tier.TWO)
        ]
    if name not in CHOICES:
        return []
    allowed = []
    for value, label in CHOICES[name].choices:
        # Some labels start with their code ("0 · Death certificate only"): not twice.
        allowed.append((str(value), str(label).removeprefix(f"{value} · ")))
    return allowed


def columns(layout: Layout) -> list[Column]:
    """The layout's columns described in the active language."""
    return [
        Column(
            sheet=layout.sheet,
            name=name,
            meaning=str(MEANINGS.get(name, "")) + (f" {_DATE}" if name in layout.dates else ""),
            required=name in layout.required,
            is_date=name in layout.dates,
            allowed=_allowed(name),
        )
        for name in layout.columns
    ]


def sheets() -> list[tuple[Layout, list[Column]]]:
    return [(layout, columns(layout)) for layout in LAYOUTS.values()]


def write_template_xlsx(out: BinaryIO) -> None:
    """An empty workbook: one sheet each with its header, the allowed codes as drop-down
    lists (read from a “lists” sheet), and a “codebook” sheet; the import reads past those two."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    book.remove(book.active)
    described = sheets()
    lists = book.create_sheet("lists")
    list_column: dict[str, str] = {}
    for name, choices in CHOICES.items():
        index = len(list_column) + 1
        letter = get_column_letter(index)
        list_column[name] = letter
        lists.cell(row=1, column=index, value=name)
        for row, (value, _label) in enumerate(choices.choices, start=2):
            lists.cell(row=row, column=index, value=str(value))
    for layout, described_columns in described:
        sheet = book.create_sheet(layout.sheet, index=len(book.sheetnames) - 1)
        sheet.append(list(layout.columns))
        for index, column in enumerate(described_columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(12, len(column.name) + 2)
            if column.name in list_column and column.name not in _SEVERAL:
                size = len(CHOICES[column.name].choices) + 1
                source = list_column[column.name]
                rule = DataValidation(
                    type="list",
                    formula1=f"{quote_sheetname('lists')}!${source}$2:${source}${size}",
                    allow_blank=not column.required,
                    showErrorMessage=True,
                    error=_("Choose a value from the list (see the codebook sheet)."),
                )
                rule.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
                sheet.add_data_validation(rule)
        sheet.freeze_panes = "A2"
    codebook = book.create_sheet("codebook")
    codebook.append([_("Sheet"), _("Column"), _("Required"), _("Meaning"), _("Allowed values")])
    for _layout, described_columns in described:
        for column in described_columns:
            codebook.append(
                [
                    column.sheet,
                    column.name,
                    _("yes") if column.required else "",
                    column.meaning,
                    "; ".join(f"{v} = {label}" for v, label in column.allowed),
                ]
            )
    lists.sheet_state = "hidden"
    book.save(out)


def write_template_zip(out: BinaryIO) -> None:
    """A .zip of CSV files holding only their header row, one for each sheet."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for layout in LAYOUTS.values():
            text = io.StringIO()
            text.write("\ufeff")
            csv_cells.writer(text).writerow(layout.columns)
            archive.writestr(f"{layout.sheet}.csv", text.getvalue().encode())
