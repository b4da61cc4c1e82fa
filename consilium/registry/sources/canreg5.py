"""A CanReg5 export (IARC's CanReg5, "standard variables"), one row per tumour, read as the
``patients`` sheet and, for a dead patient, a death in the ``events`` sheet.

CanReg5 writes dates as yyyyMMdd with 99 for an unknown day or month (99999999: unknown), sex
as 1/2/9 (or M/F), the topography as three digits (741: C74.1), the IARC basis of diagnosis
(our own codes), and the date of death, when there is one, as the last contact of a patient
whose vital status is 2. What it derives or keeps for itself (Age, ICD10, ICCC, the record's
status, flags and dates) is read past: the registry derives its own; a record flagged obsolete
(ObsoleteFlag… = 1) is left out. It records neither
consent nor the cause of death: a column named as in the registry's patients sheet
(``consent_status``, ``death_cause``…) may be added to the export and is read as there;
without it consent is "not recorded", and a death is refused until its cause is given.
The mapping is described in docs/registry-import.md ("From CanReg5").
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.utils.translation import gettext as _

from consilium.registry.models import EventKind, Sex, VitalStatus
from consilium.registry.sheets import Records, RowError
from consilium.registry.sources.base import Source, missing

# CanReg5's variable -> the patients sheet's column, read as it is or as coded below.
VARIABLES = {
    "incidencedate": "diagnosis_date",
    "birthdate": "birth_date",
    "sex": "sex",
    "topography": "topography",
    "morphology": "morphology",
    "behaviour": "behaviour",
    "grade": "grade",
    "basisdiagnosis": "basis_of_diagnosis",
    "vitalstatus": "vital_status",
    "lastcontact": "last_contact",
}
DATES = ("incidencedate", "birthdate", "lastcontact")
# The hospital number: the first of these the export has.
NUMBERS = ("patientid", "registrationnumber", "regno", "tumourid")
NAMES = ("firstname", "surname")
# Columns of the registry's own patients sheet a data manager may add to the export.
ADDED = (
    "consent_status",
    "consent_date",
    "consent_waiver_reason",
    "region",
    "laterality",
    "stage_tumour",
    "stage_tier",
    "stage_value",
    "risk_group",
)
SEX = {"1": Sex.MALE, "m": Sex.MALE, "2": Sex.FEMALE, "f": Sex.FEMALE}
SEX |= {"9": Sex.UNKNOWN, "u": Sex.UNKNOWN}
VITAL = {"1": VitalStatus.ALIVE, "alive": VitalStatus.ALIVE, "2": VitalStatus.DEAD}
VITAL |= {"dead": VitalStatus.DEAD, "9": VitalStatus.UNKNOWN, "unknown": VitalStatus.UNKNOWN}
UNKNOWN_DATE = "99999999"


class CanReg5(Source):
    kind = "canreg5"
    sheets = ("patients", "events")

    @classmethod
    def matches(cls, header: list[str]) -> bool:
        names = {name.strip().lower() for name in header}
        return {"incidencedate", "topography", "morphology"} <= names

    def __init__(self, header: list[str], separator: str) -> None:
        super().__init__(header, separator)
        # The header's own spelling of each variable, by its lower case.
        self.spelled = {name.lower(): name for name in self.header}
        self.number = next((n for n in NUMBERS if n in self.spelled), "")
        required = ("BirthDate", "Sex", "Behaviour", "BasisDiagnosis")
        absent = [n for n in required if n.lower() not in self.spelled]
        if not self.number:
            absent.insert(0, "PatientID")
        if not any(n in self.spelled for n in NAMES):
            absent.append("Surname")
        if absent:
            raise missing(absent)

    def column(self, sheet: str, column: str) -> str:
        if column == "hospital_number":
            return self.spelled[self.number]
        if column == "name":
            return self.spelled.get("surname") or self.spelled["firstname"]
        if sheet == "events":
            column = {"date": "last_contact", "kind": "vital_status"}.get(column, column)
        found = next((v for v, c in VARIABLES.items() if c == column), "")
        return self.spelled.get(found, column) if found else column

    def records(self, path: Path, sheet: str) -> Records:
        for number, values in self.rows(path):
            if isinstance(values, RowError):
                if sheet == "patients":  # said once, by the patients
                    yield number, values
                continue
            lowered = {k.lower(): v.strip() for k, v in values.items()}
            if any(lowered[k] == "1" for k in lowered if k.startswith("obsoleteflag")):
                continue  # a record CanReg5 keeps only as history
            row = _Row(self, number, lowered)
            found = row.patient() if sheet == "patients" else row.death()
            for error in row.errors:
                yield number, error
            if found is not None and not row.errors:
                yield number, found


class _Row:
    def __init__(self, source: CanReg5, number: int, values: dict[str, str]) -> None:
        self.source, self.number, self.values = source, number, values
        self.errors: list[RowError] = []

    def fail(self, variable: str, message: str) -> None:
        self.errors.append(
            RowError(self.number, self.source.spelled.get(variable, variable), message)
        )

    def date(self, variable: str) -> str:
        value = self.values.get(variable, "")
        if not value:
            return ""
        if value == UNKNOWN_DATE:
            self.fail(variable, _("The date is unknown (99999999): the registry needs it."))
            return ""
        if len(value) == 8 and value.isdigit() and (value[4:6] == "99" or value[6:] == "99"):
            self.fail(
                variable,
                _(
                    "“%(value)s” is a partial date (99 for an unknown day or month): the"
                    " registry needs the full date."
                )
                % {"value": value},
            )
            return ""
        try:
            if len(value) == 8 and value.isdigit():
                return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            self.fail(
                variable,
                _("“%(value)s” is not a CanReg5 date (yyyyMMdd).") % {"value": value},
            )
            return ""

    def coded(self, variable: str, codes: dict[str, str], shown: str) -> str:
        """The registry's code for CanReg5's; an unknown one is refused with the codes
        ``shown`` (comma-separated) and what each means, in the reader's language."""
        value = self.values.get(variable, "")
        if not value:
            return ""
        if value.lower() in codes:
            return codes[value.lower()]
        choices = {"sex": Sex, "vitalstatus": VitalStatus}[variable]
        allowed = ", ".join(
            f"{code} ({choices(codes[code.lower()]).label})" for code in shown.split(", ")
        )
        self.fail(
            variable,
            _("“%(value)s” is not one of: %(allowed)s.") % {"value": value, "allowed": allowed},
        )
        return ""

    def vital_status(self) -> str:
        return self.coded("vitalstatus", VITAL, "1, 2, 9")

    def last_contact(self) -> str:
        # An unknown last contact of a living child is no last contact; of a dead one, the
        # date of death CanReg5 keeps there, which the registry needs.
        if self.values.get("lastcontact") == UNKNOWN_DATE and self.vital_status() != "dead":
            return ""
        return self.date("lastcontact")

    def patient(self) -> dict[str, str] | None:
        v = self.values
        topography = v.get("topography", "")
        if len(topography) == 3 and topography.isdigit():
            topography = f"C{topography[:2]}.{topography[2]}"
        row = {column: v.get(variable, "") for variable, column in VARIABLES.items()}
        row |= {column: v.get(column, "") for column in ADDED}
        row |= {
            "hospital_number": v.get(self.source.number, ""),
            "name": " ".join(v[n] for n in NAMES if v.get(n)),
            "birth_date": self.date("birthdate"),
            "diagnosis_date": self.date("incidencedate"),
            "last_contact": self.last_contact(),
            "sex": self.coded("sex", SEX, "1, 2, 9, M, F"),
            "topography": topography,
            "vital_status": self.vital_status(),
        }
        if row["vital_status"] == VitalStatus.DEAD and not v.get("lastcontact"):
            self.fail(
                "lastcontact",
                _("A dead patient needs the date of death: CanReg5 keeps it as Lastcontact."),
            )
        return row

    def death(self) -> dict[str, str] | None:
        """The death a vital status of 2 records, dated by the last contact."""
        if self.values.get("vitalstatus", "").lower() not in ("2", "dead"):
            return None
        date = self.date("lastcontact")
        if not date:
            self.errors.clear()  # the patients sheet says what is wrong with the date
            return None
        if not self.values.get("death_cause"):
            self.fail(
                "death_cause",
                _(
                    "CanReg5 does not record the cause of death: add a column “death_cause”"
                    " with disease, treatment or other for each dead patient."
                ),
            )
            return None
        return {
            "hospital_number": self.values.get(self.source.number, ""),
            "date": date,
            "kind": EventKind.DEATH,
            "death_cause": self.values["death_cause"],
            "note": "",
        }
