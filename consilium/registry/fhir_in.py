"""Reading a FHIR R4 Bundle of the shape :mod:`consilium.registry.fhir` writes back into the
import's rows: the Bundle becomes the ``patients``, ``events``, ``treatments`` and ``markers``
sheets of :mod:`consilium.registry.sheets`, so it goes through exactly the checks, duplicate
matching and keep-in-step preview of a spreadsheet.

What the Bundle cannot say is filled so the rows pass as they are:

- it is pseudonymised, so the Patient's id (the source's pseudonym) stands for both the
  hospital number (what a re-import matches on) and the name;
- it holds the year and month of birth only: the 15th of the month is taken (the 1st of July
  for a year alone), so an age at diagnosis is never off by more than half a month;
- a waived consent's reason is free text and stays at the source: a fixed sentence says so.

Problems of the Bundle itself (not JSON, an unknown resource, a reference to nothing) are
listed together, each by its entry, resource and field, before any row is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from consilium.registry import fhir

KNOWN = ("Patient", "Condition", "Observation", "Procedure", "MedicationStatement")
MAX_LISTED = 200
Rows = dict[str, list[tuple[int, dict[str, str]]]]


# (row, column, message, sheet): what sheets.FileProblem is made of (this module cannot
# import sheets, which reads Bundles through it).
Problem = tuple[int, str, str, str]


class BundleProblems(ValueError):
    """Every problem of the Bundle, each by entry, resource and field."""

    def __init__(self, errors: list[Problem]) -> None:
        super().__init__(errors[0][2])
        self.errors = errors


def _problem(row: int, column: str, message: str) -> BundleProblems:
    return BundleProblems([(row, column, message, "")])


def is_bundle(start: bytes) -> bool:
    return start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def _get(node: Any, *path: str | int) -> Any:
    for step in path:
        if isinstance(step, int):
            node = node[step] if isinstance(node, list) and len(node) > step else None
        else:
            node = node.get(step) if isinstance(node, dict) else None
    return node


# Stored as written (English) and shown in the reader's language (registry.checks.reader_message).
_WAIVED_AT_SOURCE = gettext_noop(
    "Waived at the registry this Bundle came from; the reason is kept there."
)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _extensions(resource: dict) -> dict[str, str]:
    found = {}
    for ext in resource.get("extension") or []:
        if not isinstance(ext, dict):
            continue
        for name, url in fhir.EXT.items():
            if ext.get("url") == url:
                found[name] = _text(
                    ext.get("valueCode") or ext.get("valueString") or ext.get("valueDate")
                )
    return found


def _coding(concept: Any, system: str) -> str:
    for coding in _get(concept, "coding") or []:
        if isinstance(coding, dict) and coding.get("system") == system:
            return _text(coding.get("code"))
    return ""


def _birth_date(value: str) -> str:
    """The middle of the month (or year) the Bundle gives; a full date as it is."""
    parts = value.split("-")
    if len(parts) == 1 and len(value) == 4:
        return f"{value}-07-01"
    if len(parts) == 2:
        return f"{value}-15"
    return value


class _Reader:
    def __init__(self) -> None:
        self.errors: list[Problem] = []

    def fail(self, number: int, resource: dict, field: str, message: str) -> None:
        kind = _text(resource.get("resourceType")) or "?"
        label = f"{kind}/{_text(resource.get('id'))}" if resource.get("id") else kind
        sheet = _("Bundle entry %(number)s (%(resource)s)") % {"number": number, "resource": label}
        if len(self.errors) < MAX_LISTED:
            self.errors.append((number, field, message, sheet))

    def read(self, document: Any) -> Rows:
        if not isinstance(document, dict) or document.get("resourceType") != "Bundle":
            raise _problem(0, "resourceType", _("This is JSON but not a FHIR Bundle."))
        entries = document.get("entry", [])
        if not isinstance(entries, list):
            raise _problem(0, "entry", _("The Bundle's “entry” is not a list."))
        by_url: dict[str, tuple[int, dict]] = {}
        resources: list[tuple[int, dict]] = []
        for number, entry in enumerate(entries, start=1):
            resource = _get(entry, "resource")
            if not isinstance(resource, dict):
                self.fail(number, {}, "resource", _("The entry holds no resource."))
                continue
            kind = resource.get("resourceType")
            if kind not in KNOWN:
                self.fail(
                    number,
                    resource,
                    "resourceType",
                    _("Unknown resource “%(kind)s”: a registry Bundle holds %(known)s.")
                    % {"kind": _text(kind) or "?", "known": ", ".join(KNOWN)},
                )
                continue
            resources.append((number, resource))
            for url in (_text(_get(entry, "fullUrl")), f"{kind}/{_text(resource.get('id'))}"):
                if url:
                    by_url[url] = (number, resource)
        patients: dict[int, dict[str, str]] = {}  # id() of the Patient resource -> its row
        rows: Rows = {"patients": [], "events": [], "treatments": [], "markers": []}

        def target(number: int, resource: dict, field: str, kind: str) -> dict | None:
            steps = [int(part) if part.isdigit() else part for part in field.split(".")]
            reference = _text(_get(resource, *steps))
            found = by_url.get(reference)
            if found is None or found[1].get("resourceType") != kind:
                self.fail(
                    number,
                    resource,
                    field,
                    _("“%(reference)s” is not a %(kind)s of this Bundle.")
                    % {"reference": reference or "—", "kind": kind},
                )
                return None
            return found[1]

        for number, resource in resources:
            if resource["resourceType"] == "Patient":
                pseudonym = _text(resource.get("id")) or _text(
                    _get(resource, "identifier", 0, "value")
                )
                if not pseudonym:
                    self.fail(number, resource, "id", _("The Patient has no id."))
                    continue
                dead = bool(resource.get("deceasedDateTime") or resource.get("deceasedBoolean"))
                extensions = _extensions(resource)
                consent = extensions.get("consent-status", "")
                row = {
                    "hospital_number": pseudonym,
                    "name": pseudonym,
                    "birth_date": _birth_date(_text(resource.get("birthDate"))),
                    "sex": {"male": "M", "female": "F"}.get(_text(resource.get("gender")), "U"),
                    "vital_status": "dead" if dead else "alive",
                    "last_contact": extensions.get("last-contact", ""),
                    "region": extensions.get("region", ""),
                    "consent_status": consent,
                    "consent_date": extensions.get("consent-date", ""),
                    # The reason stays at the source (free text): say where it is.
                    "consent_waiver_reason": _WAIVED_AT_SOURCE if consent == "waived" else "",
                }
                rows["patients"].append((number, row))
                patients[id(resource)] = row
        for number, resource in resources:
            kind = resource["resourceType"]
            if kind == "Patient":
                continue
            patient = target(number, resource, "subject.reference", "Patient")
            if patient is None:
                continue
            row = patients.get(id(patient))
            if row is None:
                continue
            number_key = row["hospital_number"]
            if kind == "Condition":
                self._condition(resource, row)
            elif kind == "Observation":
                code = _coding(resource.get("code"), fhir.LOINC)
                for focus in range(len(resource.get("focus") or [])):
                    target(number, resource, f"focus.{focus}.reference", "Condition")
                marker = _coding(resource.get("code"), fhir.MARKER)
                if marker and not code:
                    rows["markers"].append((number, _marker(resource, number_key, marker)))
                elif code == fhir.STAGE_LOINC:
                    method = _coding(resource.get("method"), fhir.TORONTO)
                    tumour, _sep, tier = method.rpartition("-tier-")
                    row["stage_tumour"] = tumour
                    row["stage_tier"] = tier
                    row["stage_value"] = _text(_get(resource, "valueCodeableConcept", "text"))
                elif code == fhir.DISEASE_STATUS_LOINC:
                    rows["events"].append(
                        (
                            number,
                            {
                                "hospital_number": number_key,
                                "date": _text(resource.get("effectiveDateTime"))[:10],
                                "kind": _coding(
                                    resource.get("valueCodeableConcept"), fhir.EVENT_KIND
                                ),
                                "death_cause": _extensions(resource).get("death-cause", ""),
                                "note": _text(_get(resource, "note", 0, "text")),
                            },
                        )
                    )
                else:
                    self.fail(
                        number,
                        resource,
                        "code",
                        _(
                            "An Observation of code “%(code)s”: a registry Bundle holds stages"
                            " (LOINC %(stage)s), disease statuses (LOINC %(status)s) and"
                            " molecular markers (%(marker)s)."
                        )
                        % {
                            "code": code or "—",
                            "stage": fhir.STAGE_LOINC,
                            "status": fhir.DISEASE_STATUS_LOINC,
                            "marker": fhir.MARKER,
                        },
                    )
            else:
                for reason in range(len(resource.get("reasonReference") or [])):
                    target(number, resource, f"reasonReference.{reason}.reference", "Condition")
                self._treatment(number, resource, number_key, rows["treatments"])
        if self.errors:
            raise BundleProblems(self.errors)
        # A treatment is written once, from the first of its resources.
        seen: set[str] = set()
        treatments = []
        for number, row in rows["treatments"]:
            key = row.pop("_key")
            if key not in seen:
                seen.add(key)
                treatments.append((number, row))
        rows["treatments"] = treatments
        return rows

    def _condition(self, resource: dict, row: dict[str, str]) -> None:
        date = _text(resource.get("onsetDateTime"))[:10]
        first = row.get("diagnosis_date")
        if first and first <= date:
            return  # the patients sheet holds the first diagnosis; later ones stay out
        morphology = _coding(_get(resource, "code"), fhir.ICDO3) or _coding(
            next(
                (
                    e.get("valueCodeableConcept")
                    for e in resource.get("extension") or []
                    if isinstance(e, dict) and e.get("url") == fhir.HISTOLOGY_EXTENSION
                ),
                None,
            ),
            fhir.ICDO3,
        )
        code, _sep, behaviour = morphology.partition("/")
        extensions = _extensions(resource)
        row |= {
            "diagnosis_date": date,
            "topography": _coding(_get(resource, "bodySite", 0), fhir.ICDO3),
            "morphology": code,
            "behaviour": behaviour,
            "basis_of_diagnosis": extensions.get("basis-of-diagnosis", ""),
            "grade": extensions.get("grade", ""),
            "laterality": extensions.get("laterality", ""),
            "risk_group": extensions.get("risk-group", ""),
        }

    def _treatment(self, number: int, resource: dict, hospital_number: str, rows: list) -> None:
        period = resource.get("performedPeriod") or resource.get("effectivePeriod") or {}
        extensions = _extensions(resource)
        key = _text(_get(resource, "identifier", 0, "value")) or f"entry-{number}"
        rows.append(
            (
                number,
                {
                    "_key": key,
                    "hospital_number": hospital_number,
                    "start_date": _text(_get(period, "start"))[:10],
                    "end_date": _text(_get(period, "end"))[:10],
                    "modalities": extensions.get("modalities", ""),
                    "intent": extensions.get("intent", ""),
                    "protocol_name": extensions.get("protocol-name", ""),
                    "protocol_version": extensions.get("protocol-version", ""),
                },
            )
        )


def _marker(resource: dict, hospital_number: str, marker: str) -> dict[str, str]:
    extensions = _extensions(resource)
    return {
        "hospital_number": hospital_number,
        "marker": marker,
        "other_name": extensions.get("marker-name", ""),
        "result": _coding(resource.get("valueCodeableConcept"), fhir.MARKER_RESULT),
        "method": _coding(resource.get("method"), fhir.MARKER_METHOD),
        "lab": extensions.get("lab", ""),
        "date": _text(resource.get("effectiveDateTime"))[:10],
    }


def read_bundle(path: Path) -> Rows:
    """The Bundle's rows by sheet; raises BundleProblems listing what is wrong."""
    import json

    try:
        document = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _problem(0, "", _("The file is not UTF-8 text.")) from None
    except json.JSONDecodeError as exc:
        raise _problem(
            exc.lineno, "", _("This is not valid JSON: %(reason)s.") % {"reason": exc.msg}
        ) from None
    return _Reader().read(document)


def records(rows: Rows, sheet: str) -> Iterator[tuple[int, dict[str, str]]]:
    yield from rows.get(sheet, [])
