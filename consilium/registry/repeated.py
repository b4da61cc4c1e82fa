"""The repeated things of an import (follow-up events, treatments, molecular markers), one row
each in their own sheet, joined to their patient by hospital number: read and checked before
the patients, kept by hospital number, checked again against their patient's row (a death
before the diagnosis, two deaths, a death the vital status does not show), then written with
the patient they belong to (`consilium.registry.importer`)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from consilium.registry.models import (
    DeathCause,
    EventKind,
    FollowUpEvent,
    Intent,
    Marker,
    MarkerMethod,
    MarkerResult,
    Modality,
    MolecularMarker,
    Treatment,
    VitalStatus,
)
from consilium.registry.sheets import MODALITY_SEPARATOR, RowError, Workbook
from consilium.registry.survival_facts import EFS_EVENT_KINDS

Add = Callable[[RowError], None]
_CHOICES = {
    "kind": list(EventKind.values),
    "death_cause": list(DeathCause.values),
    "intent": list(Intent.values),
    "marker": list(Marker.values),
    "result": list(MarkerResult.values),
    "method": list(MarkerMethod.values),
}
_LIMITS = {"hospital_number": 40, "note": 300, "protocol_name": 120, "protocol_version": 40}
_LIMITS |= {"other_name": 60, "lab": 120}


@dataclass(frozen=True)
class Event:
    row: int
    kind: str
    date: datetime.date
    death_cause: str
    note: str


@dataclass(frozen=True)
class TreatmentRow:
    row: int
    start_date: datetime.date
    end_date: datetime.date | None
    modalities: tuple[str, ...]
    intent: str
    protocol_name: str
    protocol_version: str


@dataclass(frozen=True)
class MarkerRow:
    row: int
    marker: str
    other_name: str
    result: str
    method: str
    lab: str
    date: datetime.date | None


@dataclass
class Extras:
    events: list[Event] = field(default_factory=list)
    treatments: list[TreatmentRow] = field(default_factory=list)
    markers: list[MarkerRow] = field(default_factory=list)
    sheet: dict[str, str] = field(default_factory=dict)  # kind of row -> its sheet's label


class _Parser:
    def __init__(self, number: int, values: dict[str, str], sheet: str, add: Add) -> None:
        self.number, self.values, self.sheet, self.add = number, values, sheet, add
        self.failed = False

    def fail(self, column: str, message: str) -> None:
        self.failed = True
        self.add(RowError(self.number, column, message, self.sheet))

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.values.get(column, "").strip()
        if required and not value:
            self.fail(column, _("This column is required."))
        if (limit := _LIMITS.get(column)) and len(value) > limit:
            self.fail(column, _("At most %(n)d characters.") % {"n": limit})
        return value

    def date(self, column: str, today: datetime.date, *, required: bool = False) -> Any:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            parsed = datetime.date.fromisoformat(value)
        except ValueError:
            self.fail(column, _("“%(value)s” is not a date: write YYYY-MM-DD.") % {"value": value})
            return None
        if parsed > today:
            self.fail(column, _("The date is in the future."))
        return parsed

    def choice(self, column: str, *, required: bool = False, default: str = "") -> str:
        value = self.text(column, required=required)
        if not value:
            return default
        allowed = _CHOICES[column]
        for candidate in (value, value.lower()):
            if candidate in allowed:
                return candidate
        self.fail(
            column,
            _("“%(value)s” is not one of: %(allowed)s.")
            % {"value": value, "allowed": ", ".join(allowed)},
        )
        return default


def read(book: Workbook, add: Add, today: datetime.date) -> dict[str, Extras]:
    """Every repeated row of the file by hospital number; each problem goes to ``add``."""
    extras: dict[str, Extras] = {}
    for sheet in ("events", "treatments", "markers"):
        if sheet not in book.members:
            continue
        for number, values in book.records(sheet):
            if isinstance(values, RowError):
                add(values)
                continue
            parser = _Parser(number, values, sheet, add)
            hospital_number = parser.text("hospital_number", required=True)
            row = {"events": _event, "treatments": _treatment, "markers": _marker}[sheet](
                parser, today
            )
            if row is None or parser.failed:
                continue
            found = extras.setdefault(hospital_number, Extras())
            getattr(found, sheet).append(row)
            found.sheet[sheet] = sheet
    return extras


def _event(p: _Parser, today: datetime.date) -> Event | None:
    kind = p.choice("kind", required=True)
    date = p.date("date", today, required=True)
    cause = p.choice("death_cause")
    if kind == EventKind.DEATH and not cause and not p.failed:
        p.fail("death_cause", _("Record the cause of death."))
    if kind and kind != EventKind.DEATH and cause:
        p.fail("death_cause", _("A cause of death is given for an event that is not a death."))
    if p.failed or date is None:
        return None
    return Event(p.number, kind, date, cause, p.text("note"))


def _treatment(p: _Parser, today: datetime.date) -> TreatmentRow | None:
    start = p.date("start_date", today, required=True)
    end = p.date("end_date", today)
    text = p.text("modalities", required=True)
    modalities = tuple(
        dict.fromkeys(m.strip().lower() for m in text.split(MODALITY_SEPARATOR) if m.strip())
    )
    unknown = [m for m in modalities if m not in Modality.values]
    if unknown:
        p.fail(
            "modalities",
            _("“%(value)s” is not one of: %(allowed)s (several joined by +).")
            % {"value": unknown[0], "allowed": ", ".join(Modality.values)},
        )
    if start and end and end < start:
        p.fail("end_date", _("The end is before the start."))
    intent = p.choice("intent", default=Intent.CURATIVE)
    if p.failed or start is None:
        return None
    return TreatmentRow(
        p.number,
        start,
        end,
        modalities,
        intent,
        p.text("protocol_name"),
        p.text("protocol_version"),
    )


def _marker(p: _Parser, today: datetime.date) -> MarkerRow | None:
    marker = p.choice("marker", required=True)
    other = p.text("other_name")
    if marker == Marker.OTHER and not other:
        p.fail("other_name", _("Name the other marker."))
    result = p.choice("result", required=True)
    method = p.choice("method", required=True)
    date = p.date("date", today)
    if p.failed:
        return None
    return MarkerRow(p.number, marker, other, result, method, p.text("lab"), date)


def check_patient(
    extras: Extras | None,
    *,
    row: int,
    sheet: str,
    diagnosis_date: datetime.date | None,
    vital_status: str,
    last_contact: datetime.date | None,
    add: Add,
) -> None:
    """What only the patient's row and its repeated rows together can show."""
    if extras is None:
        return
    deaths = [e for e in extras.events if e.kind == EventKind.DEATH]
    for event in extras.events:
        if diagnosis_date and event.date < diagnosis_date:
            add(
                RowError(
                    event.row,
                    "date",
                    _("This event is dated before the diagnosis (%(date)s, row %(row)d).")
                    % {"date": diagnosis_date.isoformat(), "row": row},
                    "events",
                )
            )
        if last_contact and event.date > last_contact:
            add(
                RowError(
                    event.row,
                    "date",
                    _(
                        "This event is dated after the last contact (%(date)s, row %(row)d):"
                        " correct one of them."
                    )
                    % {"date": last_contact.isoformat(), "row": row},
                    "events",
                )
            )
    for death in deaths[1:]:
        add(
            RowError(
                death.row,
                "kind",
                _("A second death for this patient (the first is on row %(row)d).")
                % {"row": deaths[0].row},
                "events",
            )
        )
    if deaths and vital_status != VitalStatus.DEAD:
        add(
            RowError(
                row,
                "vital_status",
                _("The events sheet records a death (row %(row)d): the vital status must be dead.")
                % {"row": deaths[0].row},
                sheet,
            )
        )


def unmatched(extras: dict[str, Extras], seen: set[str], add: Add) -> None:
    for hospital_number, found in extras.items():
        if hospital_number in seen:
            continue
        for sheet in ("events", "treatments", "markers"):
            for item in getattr(found, sheet):
                add(
                    RowError(
                        item.row,
                        "hospital_number",
                        _("No patient in the patients sheet has this hospital number."),
                        sheet,
                    )
                )


def survival_dates(extras: Extras | None) -> dict[str, datetime.date | None]:
    """The first death, EFS event and abandonment: what survival_facts.refresh would find."""
    events = extras.events if extras else []

    def first(kinds: tuple[str, ...]) -> datetime.date | None:
        return min((e.date for e in events if e.kind in kinds), default=None)

    return {
        "death_date": first((EventKind.DEATH,)),
        "first_efs_event_date": first(tuple(EFS_EVENT_KINDS)),
        "abandonment_date": first((EventKind.ABANDONMENT,)),
    }


def rows_for(
    extras: Extras, patient_id: int, diagnosis_id: int
) -> tuple[list[FollowUpEvent], list[Treatment], list[MolecularMarker]]:
    return (
        [
            FollowUpEvent(
                patient_id=patient_id,
                diagnosis_id=diagnosis_id,
                kind=e.kind,
                date=e.date,
                death_cause=e.death_cause,
                note=e.note,
            )
            for e in extras.events
        ],
        [
            Treatment(
                patient_id=patient_id,
                diagnosis_id=diagnosis_id,
                protocol_name=t.protocol_name,
                protocol_version=t.protocol_version,
                intent=t.intent,
                start_date=t.start_date,
                end_date=t.end_date,
                modalities=list(t.modalities),
            )
            for t in extras.treatments
        ],
        [
            MolecularMarker(
                diagnosis_id=diagnosis_id,
                marker=m.marker,
                other_name=m.other_name,
                result=m.result,
                method=m.method,
                lab=m.lab,
                date=m.date,
            )
            for m in extras.markers
        ],
    )
