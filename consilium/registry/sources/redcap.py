"""A REDCap CSV export of the paediatric-oncology project whose data dictionary is in
docs/registry-import.md ("From REDCap"), either "raw" (variable names and choice codes) or
"labels" (field labels and choice labels), told apart by the header.

A record's row without a repeat instrument is its patient, with the first diagnosis; each
instance of the repeating instruments ``follow_up_event`` and ``treatment`` is an event or a
treatment, joined to its patient by record_id. The hospital number is the ``mrn`` (the
record_id when it is empty). What REDCap adds for itself (repeat instance, event name, the
``*_complete`` status of each instrument) and fields not in the dictionary are read past.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from consilium.registry.sheets import MODALITY_SEPARATOR, Records, RowError
from consilium.registry.sources.base import Source, missing


@dataclass(frozen=True)
class Field:
    name: str  # the variable, the raw export's header
    label: str  # the field label, the labels export's header
    column: str  # the registry's column it fills
    choices: tuple[tuple[str, str, str], ...] = ()  # (REDCap code, choice label, our code)
    checkbox: bool = False
    required: bool = False  # in REDCap; a patient's are required in the header too


def _choices(text: str) -> tuple[tuple[str, str, str], ...]:
    """ "1, Male, male | 2, Female, female": a REDCap choice list, each with our code."""
    found = []
    for choice in text.split("|"):
        code, label, ours = (part.strip() for part in choice.rsplit(",", 2))
        found.append((code, label, ours))
    return tuple(found)


SEX = _choices("1, Male, male | 2, Female, female | 9, Unknown, unknown")
CONSENT = _choices("1, Given, given | 2, Refused, refused | 3, Waived, waived")
CONSENT += _choices("9, Not recorded, unknown")
BEHAVIOUR = _choices("0, Benign, 0 | 1, Uncertain whether benign or malignant, 1")
BEHAVIOUR += _choices("2, In situ, 2 | 3, Malignant, 3")
BASIS = _choices(
    "0, Death certificate only, 0 | 1, Clinical, 1 | 2, Clinical investigation, 2"
    " | 4, Specific tumour markers, 4 | 5, Cytology, 5 | 6, Histology of a metastasis, 6"
    " | 7, Histology of the primary, 7 | 9, Unknown, 9"
)
TIER = _choices("1, Tier 1, 1 | 2, Tier 2, 2")
RISK = _choices(
    "1, Low, low | 2, Standard, standard | 3, Intermediate, intermediate | 4, High, high"
    " | 5, Very high, very_high"
)
VITAL = _choices("1, Alive, alive | 2, Dead, dead | 9, Unknown, unknown")
EVENT = _choices(
    "1, Relapse, relapse | 2, Progression, progression"
    " | 3, Treatment abandonment, abandonment | 4, Second cancer, second_cancer"
    " | 5, Death, death | 6, Complete remission, remission"
)
CAUSE = _choices("1, Disease, disease | 2, Treatment-related, treatment | 3, Other, other")
MODALITY = _choices(
    "1, Surgery, surgery | 2, Radiotherapy, radiotherapy | 3, Chemotherapy, chemotherapy"
    " | 4, High-dose chemotherapy with stem-cell rescue, high_dose"
    " | 5, Immunotherapy, immunotherapy | 6, Palliative care, palliative_care"
)
INTENT = _choices("1, Curative, curative | 2, Palliative, palliative | 9, Unknown, unknown")

FIELDS = {
    "patients": (
        Field("mrn", "Medical record number", "hospital_number"),
        Field("patient_name", "Patient name", "name", required=True),
        Field("dob", "Date of birth", "birth_date", required=True),
        Field("sex", "Sex", "sex", SEX, required=True),
        Field("region", "Province or region", "region"),
        Field("consent", "Consent to share de-identified data", "consent_status", CONSENT),
        Field("consent_date", "Date of consent", "consent_date"),
        Field("consent_waiver_reason", "Why consent was waived", "consent_waiver_reason"),
        Field("dx_date", "Date of diagnosis", "diagnosis_date", required=True),
        Field("topography", "Topography (ICD-O-3)", "topography", required=True),
        Field("morphology", "Morphology (ICD-O-3)", "morphology", required=True),
        Field("behaviour", "Behaviour", "behaviour", BEHAVIOUR, required=True),
        Field("grade", "Grade", "grade"),
        Field("basis", "Basis of diagnosis", "basis_of_diagnosis", BASIS, required=True),
        Field("stage_tumour", "Toronto tumour type", "stage_tumour"),
        Field("stage_tier", "Toronto tier", "stage_tier", TIER),
        Field("stage_value", "Toronto stage", "stage_value"),
        Field("risk_group", "Risk group", "risk_group", RISK),
        Field("vital_status", "Vital status", "vital_status", VITAL),
        Field("date_last_contact", "Date of last contact", "last_contact"),
    ),
    "events": (
        Field("event_date", "Date of event", "date", required=True),
        Field("event_type", "Event", "kind", EVENT, required=True),
        Field("death_cause", "Cause of death", "death_cause", CAUSE),
        Field("event_note", "Note", "note"),
    ),
    "treatments": (
        Field("tx_start_date", "Start date", "start_date", required=True),
        Field("tx_end_date", "End date", "end_date"),
        Field("modality", "Modality", "modalities", MODALITY, checkbox=True, required=True),
        Field("tx_intent", "Intent", "intent", INTENT),
        Field("protocol_name", "Protocol", "protocol_name"),
        Field("protocol_version", "Protocol version", "protocol_version"),
    ),
}
# The repeating instruments: (variable, label) by the sheet they fill.
INSTRUMENTS = {
    "events": ("follow_up_event", "Follow-up Event"),
    "treatments": ("treatment", "Treatment"),
}
# REDCap's own columns, raw and labelled.
RECORD = ("record_id", "Record ID")
REPEAT_INSTRUMENT = ("redcap_repeat_instrument", "Repeat Instrument")
CHECKED = {"1": True, "0": False, "": False}
CHECKED_LABELS = {"checked": True, "unchecked": False, "": False}


class RedCap(Source):
    kind = "redcap"
    sheets = ("patients", "events", "treatments")

    @classmethod
    def matches(cls, header: list[str]) -> bool:
        return cls._mode(header) is not None

    @staticmethod
    def _mode(header: list[str]) -> int | None:
        """0 for a raw export, 1 for labels: record_id first, and fields of the dictionary."""
        names = {name.strip().lower() for name in header}
        first = header[0].strip().lower() if header else ""
        for mode in (0, 1):
            ours = {(f.name, f.label)[mode].lower() for f in FIELDS["patients"]}
            if first == RECORD[mode].lower() and len(ours & names) >= 2:
                return mode
        return None

    def __init__(self, header: list[str], separator: str) -> None:
        super().__init__(header, separator)
        self.mode = self._mode(header) or 0
        self.record = self.header[0]
        self.numbers: dict[str, str] | None = None
        # The header's column of each field (of each choice, for a checkbox).
        self.columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for name in self.header:
            for sheet, field, code in self._fields(name):
                self.columns.setdefault((sheet, field.name), []).append((name, code))
        self.instrument = next(
            (n for n in self.header if n.lower() == REPEAT_INSTRUMENT[self.mode].lower()), ""
        )
        absent = [
            (f.name, f.label)[self.mode]
            for f in FIELDS["patients"]
            if f.required and ("patients", f.name) not in self.columns
        ]
        if absent:
            raise missing(absent)

    def _fields(self, name: str) -> list[tuple[str, Field, str]]:
        lower = name.lower()
        found = []
        for sheet, fields in FIELDS.items():
            for field in fields:
                spelled = (field.name, field.label)[self.mode].lower()
                if not field.checkbox and lower == spelled:
                    found.append((sheet, field, ""))
                for code, label, _ours in field.choices if field.checkbox else ():
                    choice = (f"{spelled}___{code}", f"{spelled} (choice={label.lower()})")
                    if lower == choice[self.mode]:
                        found.append((sheet, field, code))
        return found

    def column(self, sheet: str, column: str) -> str:
        if column == "hospital_number" and (sheet != "patients" or not self._spelled("mrn")):
            return self.record
        for field in FIELDS.get(sheet, ()):
            if field.column == column:
                return self._spelled(field.name) or (field.name, field.label)[self.mode]
        return column

    def _spelled(self, name: str) -> str:
        for (_sheet, field_name), found in self.columns.items():
            if field_name == name and not found[0][1]:
                return found[0][0]
        return ""

    def _sheet_of(self, values: dict[str, str]) -> str | None:
        value = values.get(self.instrument, "").strip().lower()
        if not value:
            return "patients"
        for sheet, spelled in INSTRUMENTS.items():
            if value == spelled[self.mode].lower():
                return sheet
        return None

    def _numbers(self, path: Path) -> dict[str, str]:
        """The hospital number of each record, read once for its events and treatments."""
        if self.numbers is None:
            self.numbers = {}
            for _number, values in self.rows(path):
                patient = not isinstance(values, RowError) and self._sheet_of(values) == "patients"
                if patient and (row := self._row(0, values, "patients", [])):
                    self.numbers[values[self.record].strip()] = row["hospital_number"]
        return self.numbers

    def records(self, path: Path, sheet: str) -> Records:
        numbers = self._numbers(path) if sheet != "patients" else {}
        for number, values in self.rows(path):
            if isinstance(values, RowError):
                if sheet == "patients":  # said once, by the patients
                    yield number, values
                continue
            found = self._sheet_of(values)
            if found is None and sheet == "patients":
                yield number, self._unknown_instrument(number, values)
            if found != sheet:
                continue
            errors: list[RowError] = []
            row = self._row(number, values, sheet, errors)
            if row is None and not errors:
                continue
            if sheet != "patients" and row is not None:
                record = values[self.record].strip()
                if record not in numbers:
                    errors.append(
                        RowError(
                            number,
                            self.record,
                            _(
                                "No row of this file holds the patient of record %(record)s"
                                " (a row without a repeat instrument)."
                            )
                            % {"record": record},
                        )
                    )
                row["hospital_number"] = numbers.get(record, "")
            for error in errors:
                yield number, error
            if row is not None and not errors:
                yield number, row

    def _unknown_instrument(self, number: int, values: dict[str, str]) -> RowError:
        allowed = ", ".join(spelled[self.mode] for spelled in INSTRUMENTS.values())
        return RowError(
            number,
            self.instrument,
            _("“%(value)s” is not one of: %(allowed)s.")
            % {"value": values[self.instrument], "allowed": allowed},
        )

    def _row(
        self, number: int, values: dict[str, str], sheet: str, errors: list[RowError]
    ) -> dict[str, str] | None:
        """The sheet's canonical row; None for a row of the patient's instrument left empty
        (another event of a longitudinal project)."""
        row: dict[str, str] = {}
        for field in FIELDS[sheet]:
            spelled = self.columns.get((sheet, field.name), [])
            if field.checkbox:
                checked = [
                    self._checked(number, name, values[name], errors)
                    and next(ours for c, _label, ours in field.choices if c == code)
                    for name, code in spelled
                ]
                row[field.column] = MODALITY_SEPARATOR.join(c for c in checked if c)
            elif spelled:
                name = spelled[0][0]
                row[field.column] = self._decoded(number, name, field, values[name], errors)
        if not any(row.values()) and not errors:
            return None
        if sheet == "patients" and not row.get("hospital_number"):
            row["hospital_number"] = values[self.record].strip()
        return row

    def _decoded(
        self, number: int, name: str, field: Field, value: str, errors: list[RowError]
    ) -> str:
        value = value.strip()
        if not value or not field.choices:
            return value
        for code, label, ours in field.choices:
            if value.lower() == (code, label)[self.mode].lower():
                return ours
        allowed = ", ".join(
            f"{code} ({label})" if self.mode == 0 else label for code, label, _o in field.choices
        )
        errors.append(
            RowError(
                number,
                name,
                _("“%(value)s” is not one of: %(allowed)s.") % {"value": value, "allowed": allowed},
            )
        )
        return ""

    def _checked(self, number: int, name: str, value: str, errors: list[RowError]) -> bool:
        codes = (CHECKED, CHECKED_LABELS)[self.mode]
        value = value.strip().lower()
        if value in codes:
            return codes[value]
        allowed = ("0, 1", "Checked, Unchecked")[self.mode]
        errors.append(
            RowError(
                number,
                name,
                _("“%(value)s” is not one of: %(allowed)s.") % {"value": value, "allowed": allowed},
            )
        )
        return False


# The data dictionary a site uploads into REDCap (Project Setup → Data Dictionary) ------------

DICTIONARY_HEADER = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
FORMS = {"patients": "patient"} | {sheet: names[0] for sheet, names in INSTRUMENTS.items()}
DATES = frozenset(
    {"birth_date", "consent_date", "diagnosis_date", "last_contact", "date", "start_date"}
    | {"end_date"}
)
IDENTIFIERS = frozenset({"mrn", "patient_name", "dob"})
BRANCHING = {"death_cause": "[event_type] = '5'", "consent_waiver_reason": "[consent] = '3'"}


def data_dictionary() -> str:
    """The dictionary of docs/registry-import.md as REDCap's CSV: the repeating instruments
    are then set in Project Setup (follow_up_event, treatment)."""
    import io

    from consilium.lib.csv_cells import writer as csv_writer

    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(DICTIONARY_HEADER)

    def row(name: str, form: str, kind: str, label: str, **more: str) -> None:
        cells = dict.fromkeys(DICTIONARY_HEADER, "")
        cells |= {"Variable / Field Name": name, "Form Name": form, "Field Type": kind}
        cells |= {"Field Label": label} | more
        writer.writerow(cells.values())

    row(RECORD[0], FORMS["patients"], "text", RECORD[1])
    for sheet, fields in FIELDS.items():
        for field in fields:
            kind = "checkbox" if field.checkbox else "radio" if field.choices else "text"
            row(
                field.name,
                FORMS[sheet],
                kind,
                field.label,
                **{
                    "Choices, Calculations, OR Slider Labels": " | ".join(
                        f"{code}, {label}" for code, label, _ours in field.choices
                    ),
                    "Text Validation Type OR Show Slider Number": "date_ymd"
                    if field.column in DATES
                    else "",
                    "Identifier?": "y" if field.name in IDENTIFIERS else "",
                    "Branching Logic (Show field only if...)": BRANCHING.get(field.name, ""),
                    "Required Field?": "y" if field.required else "",
                },
            )
    return out.getvalue()
