"""The repeated things of an import (follow-up events, treatments, molecular markers), one row
each in their own sheet, joined to their patient by hospital number: read and checked before
the patients, kept by hospital number (on disk: `Kept`), checked again against their
patient's row (a death before the diagnosis, two deaths, a death the vital status does not
show), then written with the patient they belong to (`consilium.registry.importer`)."""

from __future__ import annotations

import datetime
import json
import sqlite3
from collections.abc import Callable, Iterable
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
    # Django works Choices.values out anew on each access: 200,000 treatments asked.
    "modalities": list(Modality.values),
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


SHEETS = ("events", "treatments", "markers")
# Hospital numbers (or rows) a query names at most.
_CHUNK = 1000


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def _pack(item: Event | TreatmentRow | MarkerRow) -> tuple:
    """A row as the six values after its number (dates as ISO text)."""
    if isinstance(item, Event):
        return (item.kind, item.date.isoformat(), item.death_cause, item.note, None, None)
    if isinstance(item, TreatmentRow):
        return (
            item.start_date.isoformat(),
            item.end_date.isoformat() if item.end_date else None,
            MODALITY_SEPARATOR.join(item.modalities),
            item.intent,
            item.protocol_name,
            item.protocol_version,
        )
    date = item.date.isoformat() if item.date else None
    return (item.marker, item.other_name, item.result, item.method, item.lab, date)


def _unpack(sheet: int, row: int, v: tuple) -> Event | TreatmentRow | MarkerRow:
    if sheet == 0:
        return Event(row, v[0], datetime.date.fromisoformat(v[1]), v[2], v[3])
    if sheet == 1:
        modalities = tuple(v[2].split(MODALITY_SEPARATOR)) if v[2] else ()
        return TreatmentRow(row, _date(v[0]), _date(v[1]), modalities, v[3], v[4], v[5])  # type: ignore[arg-type]
    return MarkerRow(row, v[0], v[1], v[2], v[3], v[4], _date(v[5]))


Warnings = list[tuple[str, str, str, str]]


class Kept:
    """What the first pass of an import keeps for the second, on disk rather than in memory:
    the repeated rows by hospital number, and each patient row's warnings and lookup digests
    by row number. 100,000 patients with their 450,000 repeated rows held ~270 MB in
    dictionaries; here they are a temporary SQLite database (SQLite's "" file: private,
    spilled to disk past a small page cache, deleted when closed) read back a patient or a
    batch at a time. `close` (the importer's, with its Workbook) lets it go."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-8000"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute(
            "CREATE TABLE kept (number TEXT NOT NULL, sheet INTEGER NOT NULL, row INTEGER"
            " NOT NULL, a, b, c, d, e, f)"
        )
        self._db.execute(
            "CREATE TABLE checked (row INTEGER PRIMARY KEY, name_digest TEXT,"
            " number_digest TEXT, warnings TEXT)"
        )
        self._pending: list[tuple] = []
        self._checked: list[tuple] = []
        self._indexed = False

    def close(self) -> None:
        self._db.close()

    # The repeated rows ---------------------------------------------------------------------

    def add(self, hospital_number: str, sheet: str, item: Event | TreatmentRow | MarkerRow) -> None:
        self._pending.append((hospital_number, SHEETS.index(sheet), item.row, *_pack(item)))
        if len(self._pending) >= 5000:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO kept VALUES (?,?,?,?,?,?,?,?,?)", self._pending)
            self._db.execute("COMMIT")
            self._pending = []

    def finish(self) -> None:
        """Every repeated row is in: index them for the lookups by hospital number."""
        self._flush()
        if not self._indexed:
            self._db.execute("CREATE INDEX kept_number ON kept (number, sheet, row)")
            self._indexed = True

    def get(self, hospital_number: str, *, events_only: bool = False) -> Extras | None:
        """The patient's repeated rows in the file's order; None if it has none."""
        self.finish()
        query = "SELECT number, sheet, row, a, b, c, d, e, f FROM kept WHERE number = ?"
        if events_only:
            query += " AND sheet = 0"
        found = self._gather(self._db.execute(query + " ORDER BY sheet, row", (hospital_number,)))
        return found.get(hospital_number)

    def many(self, hospital_numbers: Iterable[str]) -> dict[str, Extras]:
        """The repeated rows of several patients (a batch), by hospital number."""
        self.finish()
        numbers = sorted({n for n in hospital_numbers if n})
        found: dict[str, Extras] = {}
        for start in range(0, len(numbers), _CHUNK):
            found |= self._gather(
                self._db.execute(
                    "SELECT number, sheet, row, a, b, c, d, e, f FROM kept WHERE number IN"
                    " (SELECT value FROM json_each(?)) ORDER BY number, sheet, row",
                    (json.dumps(numbers[start : start + _CHUNK]),),
                )
            )
        return found

    @staticmethod
    def _gather(cursor: sqlite3.Cursor) -> dict[str, Extras]:
        found: dict[str, Extras] = {}
        for number, sheet, row, *values in cursor:
            extras = found.get(number)
            if extras is None:
                extras = found[number] = Extras()
            getattr(extras, SHEETS[sheet]).append(_unpack(sheet, row, values))
        return found

    def unmatched(self, seen: set[str], add: Add) -> None:
        """Each repeated row whose hospital number no patient row has, in the order of the
        numbers' first rows."""
        self.finish()
        first = self._db.execute(
            "SELECT number FROM kept GROUP BY number ORDER BY MIN(rowid)"
        ).fetchall()
        missing = [number for (number,) in first if number not in seen]
        for start in range(0, len(missing), _CHUNK):
            part = missing[start : start + _CHUNK]
            found = self.many(part)
            for number in part:
                for sheet in SHEETS:
                    for item in getattr(found[number], sheet):
                        add(
                            RowError(
                                item.row,
                                "hospital_number",
                                _("No patient in the patients sheet has this hospital number."),
                                sheet,
                            )
                        )

    # Each patient row's warnings and digests -----------------------------------------------

    def check(self, row: int, digests: tuple[str, str], warnings: Warnings | None) -> None:
        self._checked.append((row, *digests, json.dumps(warnings) if warnings else None))
        if len(self._checked) >= 5000:
            self._flush_checked()

    def _flush_checked(self) -> None:
        if self._checked:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO checked VALUES (?,?,?,?)", self._checked)
            self._db.execute("COMMIT")
            self._checked = []

    def checked(
        self, rows: Iterable[int]
    ) -> tuple[dict[int, tuple[str, str]], dict[int, Warnings]]:
        """The digests and warnings of these rows, by row number."""
        self._flush_checked()
        wanted = sorted(set(rows))
        digests: dict[int, tuple[str, str]] = {}
        warnings: dict[int, Warnings] = {}
        for start in range(0, len(wanted), _CHUNK):
            for row, name_digest, number_digest, text in self._db.execute(
                "SELECT row, name_digest, number_digest, warnings FROM checked WHERE row IN"
                " (SELECT value FROM json_each(?))",
                (json.dumps(wanted[start : start + _CHUNK]),),
            ):
                digests[row] = (name_digest, number_digest)
                if text:
                    warnings[row] = [tuple(w) for w in json.loads(text)]  # type: ignore[misc]
        return digests, warnings


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


def read(book: Workbook, add: Add, today: datetime.date, kept: Kept) -> set[str]:
    """Every repeated row of the file into ``kept``; each problem goes to ``add``. Returns
    the hospital numbers that a row with a problem names: a patient imported without its
    bad rows would be imported wrong (a relapse left out), so those patients are left out
    whole when the data manager chooses to skip the rows with problems."""
    bad: set[str] = set()
    for sheet in SHEETS:
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
                if hospital_number:
                    bad.add(hospital_number)
                continue
            kept.add(hospital_number, sheet, row)
    kept.finish()
    return bad


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
    unknown = [m for m in modalities if m not in _CHOICES["modalities"]]
    if unknown:
        p.fail(
            "modalities",
            _("“%(value)s” is not one of: %(allowed)s (several joined by +).")
            % {"value": unknown[0], "allowed": ", ".join(_CHOICES["modalities"])},
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
