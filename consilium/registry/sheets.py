"""The sheets an import reads and an export writes, and how each kind of file is read into the
same records: a lone CSV file (the patients), a .zip of CSV files, or an .xlsx workbook, one
sheet or file per kind of row, repeated things joined to their patient by hospital number.

| sheet        | one row per                        |
|--------------|------------------------------------|
| `patients`   | patient, with the first diagnosis  |
| `events`     | follow-up event (relapse, death…)  |
| `treatments` | treatment                          |
| `markers`    | molecular marker result            |

Every reader yields ``(row number, values by column)`` or the `RowError` a row is, with rows
numbered as a spreadsheet shows them (the header is row 1), so the checks and their messages
are the same whatever the file was. Reading streams: an .xlsx is opened read-only and a CSV is
decoded line by line, never whole in memory. An .xlsx is read by python-calamine (compiled:
openpyxl's reader took ~3x the whole CSV import), one sheet at a time, with one pass over
the sheet's XML for what calamine does not tell: formulas, merged cells and error values. A
sheet read twice (the importer's patients: to check, then to write) is parsed once, its rows
kept in a temporary file for the second reading.
"""

from __future__ import annotations

import csv
import datetime
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consilium.lib.csv_cells import spill_writer
from consilium.registry.models import MODALITY_SEPARATOR


class ForeignFile(Protocol):
    """A file from another system read as these sheets (consilium.registry.sources); defined
    here so that the sheets need not import the sources that build on them."""

    kind: str
    sheets: tuple[str, ...]

    def column(self, sheet: str, column: str) -> str: ...

    def records(self, path: Path, sheet: str) -> Records: ...


__all__ = ["MODALITY_SEPARATOR"]  # where the readers and writers of sheets look for it

PATIENT_COLUMNS = (
    "hospital_number",
    "name",
    "birth_date",
    "sex",
    "address",
    "phone",
    "region",
    "consent_status",
    "consent_date",
    "consent_waiver_reason",
    "diagnosis_date",
    "topography",
    "morphology",
    "behaviour",
    "grade",
    "laterality",
    "basis_of_diagnosis",
    "stage_tumour",
    "stage_tier",
    "stage_value",
    "risk_group",
    "vital_status",
    "last_contact",
)
EVENT_COLUMNS = ("hospital_number", "date", "kind", "death_cause", "note")
TREATMENT_COLUMNS = (
    "hospital_number",
    "start_date",
    "end_date",
    "modalities",
    "intent",
    "protocol_name",
    "protocol_version",
)
MARKER_COLUMNS = ("hospital_number", "marker", "other_name", "result", "method", "lab", "date")
SEPARATORS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class Layout:
    sheet: str
    title: Any  # lazy translation: what the codebook calls it
    columns: tuple[str, ...]
    required: frozenset[str]
    # Columns an export writes that an import reads past (derived, or given anew).
    ignored: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()


PATIENTS = Layout(
    "patients",
    gettext_lazy("Patients, one row each with the first diagnosis"),
    PATIENT_COLUMNS,
    frozenset(
        {
            "name",
            "birth_date",
            "sex",
            "diagnosis_date",
            "topography",
            "morphology",
            "behaviour",
            "basis_of_diagnosis",
        }
    ),
    frozenset(
        {"pseudonym", "birth_year", "birth_month", "iccc_recode", "iccc_extended"}
        | {"iccc_main_group", "age_at_diagnosis"}
    ),
    frozenset({"birth_date", "consent_date", "diagnosis_date", "last_contact"}),
)
EVENTS = Layout(
    "events",
    gettext_lazy("Follow-up events: relapse, progression, abandonment, death…"),
    EVENT_COLUMNS,
    frozenset({"hospital_number", "date", "kind"}),
    dates=frozenset({"date"}),
)
TREATMENTS = Layout(
    "treatments",
    gettext_lazy("Treatments"),
    TREATMENT_COLUMNS,
    frozenset({"hospital_number", "start_date", "modalities"}),
    dates=frozenset({"start_date", "end_date"}),
)
MARKERS = Layout(
    "markers",
    gettext_lazy("Molecular markers"),
    MARKER_COLUMNS,
    frozenset({"hospital_number", "marker", "result", "method"}),
    dates=frozenset({"date"}),
)
LAYOUTS = {layout.sheet: layout for layout in (PATIENTS, EVENTS, TREATMENTS, MARKERS)}

Records = Iterator[tuple[int, "dict[str, str] | RowError"]]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str
    # Which sheet (or file of a .zip) of the import: "" for a lone patients file.
    sheet: str = ""
    # The reader could not go past this row (a broken quote): the rows after it were never
    # read, so the file cannot be imported without its bad rows.
    ends_file: bool = False

    def as_dict(self) -> dict[str, Any]:
        # A NUL read from a broken file cannot be stored in PostgreSQL's JSON.
        return {
            "sheet": self.sheet.replace("\x00", "\ufffd"),
            "row": self.row,
            "column": self.column.replace("\x00", "\ufffd"),
            "message": self.message.replace("\x00", "\ufffd"),
        }


class FileProblem(Exception):
    """The file as a whole cannot be read: encoding, header, separators; ``errors`` lists
    them all when there are several (a FHIR Bundle's, found together)."""

    def __init__(self, row: int, column: str, message: str, sheet: str = "") -> None:
        super().__init__(message)
        self.error = RowError(row, column, message, sheet)
        self.errors = [self.error]


# Reading ------------------------------------------------------------------------------------


class _Lines:
    """Decodes a binary file line by line as UTF-8 (a BOM is allowed) for csv.reader, keeping
    the raw text of the current record so a broken row can be explained, and the line number
    so a bad byte can be located exactly."""

    def __init__(self, handle: BinaryIO, sheet: str) -> None:
        self.handle = handle
        self.sheet = sheet
        self.line = 0
        self.current: list[str] = []

    def __iter__(self) -> Iterator[str]:
        for raw in self.handle:
            self.line += 1
            if self.line == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FileProblem(
                    self.line,
                    "",
                    _(
                        "The file is not in UTF-8 (byte 0x%(byte)02X on line %(line)d): save it"
                        " again as “CSV UTF-8”; nothing was imported."
                    )
                    % {"byte": raw[exc.start], "line": self.line},
                    self.sheet,
                ) from None
            self.current.append(text)
            yield text


def _separator(header_line: str, layout: Layout) -> str:
    def known(sep: str) -> int:
        names = (name.strip().strip('"').lower() for name in header_line.split(sep))
        return sum(name in layout.columns for name in names)

    best = max(SEPARATORS, key=known)
    return best if known(best) else ","


def header(names: list[str], layout: Layout, sheet: str = "") -> list[str]:
    columns = [name.strip().lower() for name in names]
    unknown = [
        name for name in columns if name not in layout.columns and name not in layout.ignored
    ]
    if unknown:
        raise FileProblem(
            1,
            unknown[0],
            _("Unknown columns: %(columns)s. The columns are: %(expected)s.")
            % {"columns": ", ".join(unknown), "expected": ", ".join(layout.columns)},
            sheet,
        )
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise FileProblem(
            1,
            repeated[0],
            _("Repeated columns: %(columns)s.") % {"columns": ", ".join(repeated)},
            sheet,
        )
    missing = [name for name in layout.columns if name in layout.required and name not in columns]
    if missing:
        raise FileProblem(
            1,
            missing[0],
            _("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)},
            sheet,
        )
    return columns


def csv_records(handle: BinaryIO, layout: Layout, sheet: str = "") -> Records:
    """(row number, values by column) for each data row, or the RowError that row is."""
    lines = _Lines(handle, sheet)
    iterator = iter(lines)
    first = next(iterator, None)
    if first is None or not first.strip():
        raise FileProblem(
            1, "", _("The file is empty: the first row must name the columns."), sheet
        )
    separator = _separator(first, layout)

    def chained() -> Iterator[str]:
        yield first
        yield from iterator

    reader = csv.reader(chained(), delimiter=separator, strict=True)
    try:
        columns = header(next(reader), layout, sheet)
    except csv.Error as exc:
        raise FileProblem(
            1, "", _("The header row is broken: %(why)s.") % {"why": exc}, sheet
        ) from None
    number = 1
    while True:
        lines.current = []
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            number += 1
            yield (
                number,
                RowError(number, "", broken_row(exc), sheet, True),
            )
            return  # the reader cannot find the next row after a broken quote
        number += 1
        if not any(value.strip() for value in values):
            continue  # blank lines are what spreadsheets leave at the end
        if len(values) != len(columns):
            yield number, _wrong_width(number, values, columns, separator, lines.current, sheet)
            continue
        yield number, {c: _unquoted(v) for c, v in zip(columns, values, strict=True)}


def broken_row(exc: csv.Error) -> str:
    """The csv module's reason for a row it cannot read, in the reader's words (its own text is
    English and technical)."""
    why = str(exc)
    if "unexpected end of data" in why:
        return _(
            "A quotation mark opened in this row is never closed, so nothing after it can be"
            ' read: close it, or double a quotation mark that belongs to the value ("").'
        )
    if "expected after" in why:
        return _(
            'This row has a quotation mark inside a value: double it (""), or put the whole'
            " value in quotation marks."
        )
    if "field larger than field limit" in why:
        return _("This row has a value far too long for a registry: a quotation mark is missing.")
    if "NUL" in why:
        return _("This row holds a NUL character: the file is not plain text.")
    return _("This row is broken: %(why)s.") % {"why": why}


def _unquoted(value: str) -> str:
    """The value without the apostrophe an export puts before a leading = + - @ (so that a
    spreadsheet does not run it as a formula), as a spreadsheet reads it."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def _wrong_width(
    number: int, values: list[str], columns: list[str], separator: str, raw: list[str], sheet: str
) -> RowError:
    text = "".join(raw)
    for other in SEPARATORS:
        if other != separator and len(next(csv.reader([text], delimiter=other))) == len(columns):
            return RowError(
                number,
                "",
                _(
                    "This row is separated by “%(other)s” but the header by “%(sep)s”: use one"
                    " separator throughout."
                )
                % {"other": other.replace("\t", "TAB"), "sep": separator.replace("\t", "TAB")},
                sheet,
            )
    return RowError(
        number,
        columns[min(len(values), len(columns)) - 1] if values else "",
        _("This row has %(got)d values where the header has %(want)d columns.")
        % {"got": len(values), "want": len(columns)},
        sheet,
    )


# Files of several sheets ----------------------------------------------------------------------

# Sheets of a workbook an import reads past: the template's code lists and codebook.
OTHER_SHEETS = frozenset({"codebook", "lists"})


class Workbook:
    """The sheets of one import file; `records` reads a sheet afresh each time (the importer
    reads the patients twice: to check, then to write), but an .xlsx sheet named in ``keep``
    only the first time: then from the rows it kept. `close` (or ``with``) lets go of the
    open .xlsx and the kept rows."""

    def __init__(
        self,
        path: Path,
        file_name: str = "",
        detect: Callable[[Path], ForeignFile | None] | None = None,
        keep: frozenset[str] = frozenset(),
    ) -> None:
        """`detect` tells a CSV file from another system by its header (the importer gives
        consilium.registry.sources.detect_file); without it a CSV is the patients sheet."""
        self.path = path
        self.keep = keep
        self._xlsx: Any = None  # python-calamine's workbook, opened once for every sheet
        self._archive: zipfile.ZipFile | None = None  # the .xlsx, for its sheets' XML
        self._parts: dict[str, str] = {}  # sheet title -> its XML in the archive
        self._kept: dict[str, _KeptRows] = {}
        self.kind = _kind(path, file_name or path.name)
        self.members: dict[str, str] = {}  # sheet -> member of the .zip / title in the .xlsx
        self.bundle: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.source: ForeignFile | None = None  # a CanReg5 or REDCap export
        if self.kind == "csv":
            self.source = detect(path) if detect is not None else None
            if self.source is not None:
                self.kind = self.source.kind
                self.members = {sheet: sheet for sheet in self.source.sheets}
            else:
                self.members = {"patients": ""}
        elif self.kind == "fhir":
            from consilium.registry.fhir_in import BundleProblems, read_bundle

            try:
                self.bundle = read_bundle(path)
            except BundleProblems as problems:
                problem = FileProblem(*problems.errors[0])
                problem.errors = [RowError(*error) for error in problems.errors]
                raise problem from None
            self.members = {sheet: sheet for sheet, rows in self.bundle.items() if rows}
            self.members["patients"] = "patients"
        elif self.kind == "zip":
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if not n.endswith("/")]
            self.members = _named(
                names, lambda n: Path(n).stem if n.lower().endswith(".csv") else n
            )
        else:
            try:
                self._open_xlsx(path)
                self.members = _named(list(self._parts), lambda t: t)
            except BaseException:
                self.close()
                raise
        if "patients" not in self.members:
            self.close()
            raise FileProblem(
                0,
                "",
                _("The file has no “patients” sheet (or patients.csv in a .zip)."),
                "patients",
            )

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open_xlsx(self, path: Path) -> None:
        from openpyxl.reader.workbook import WorkbookParser
        from python_calamine import CalamineError, CalamineWorkbook

        self._archive = zipfile.ZipFile(path)
        try:
            # The sheets' titles and parts as openpyxl finds them (the workbook's relations),
            # without its load_workbook: that parses every sheet whole when the sheet does
            # not state its size, as openpyxl's write-only mode (so our own export) leaves it.
            parser = WorkbookParser(self._archive, "xl/workbook.xml", keep_links=False)
            parser.parse()
            self._parts = {sheet.name: rel.target for sheet, rel in parser.find_sheets()}
            # By handle: an upload waits as "<uuid>.upload", and the readers go by the name.
            with path.open("rb") as handle:
                self._xlsx = CalamineWorkbook.from_filelike(handle)
        except (CalamineError, KeyError, ValueError, SyntaxError) as exc:
            raise FileProblem(0, "", _damaged()) from exc

    def close(self) -> None:
        if self._xlsx is not None:
            self._xlsx.close()
            self._xlsx = None
        if self._archive is not None:
            self._archive.close()
            self._archive = None
        for kept in self._kept.values():
            kept.file.close()
        self._kept = {}

    @property
    def sheets(self) -> list[str]:
        return [name for name in LAYOUTS if name in self.members]

    @property
    def single_file(self) -> bool:
        """One CSV file: its rows are told apart by number alone, without a sheet."""
        return self.kind == "csv" or self.source is not None

    def located(self, error: RowError) -> RowError:
        """The error where the data manager finds it: in a source's file, by its own column."""
        if self.source is None:
            return error
        column = self.source.column(error.sheet or "patients", error.column)
        return RowError(error.row, column, error.message)

    def records(self, sheet: str) -> Records:
        layout = LAYOUTS[sheet]
        label = "" if self.kind == "csv" else sheet
        if self.source is not None:
            yield from self.source.records(self.path, sheet)
        elif self.kind == "fhir":
            # Rows are numbered by the Bundle entry they were read from.
            for number, values in self.bundle.get(sheet, []):
                yield number, dict(values)
        elif self.kind == "csv":
            with self.path.open("rb") as handle:
                yield from csv_records(handle, layout, label)
        elif self.kind == "zip":
            with zipfile.ZipFile(self.path) as archive, archive.open(self.members[sheet]) as raw:
                yield from csv_records(raw, layout, label)  # type: ignore[arg-type]
        elif sheet in self._kept and self._kept[sheet].complete:
            yield from self._kept[sheet].read()
        elif sheet in self.keep:
            kept = self._kept.pop(sheet, None) or _KeptRows()
            kept.restart()
            self._kept[sheet] = kept
            # The whole sheet into the file, then read back from it: calamine's cells of the
            # sheet (~115 MB for 100,000 patients) are let go before the rows are checked,
            # rather than held beside everything the checking builds. (Every FileProblem of
            # a sheet comes before its first row: nothing is reported later than it was.)
            for record in self._xlsx_records(sheet, layout, label):
                kept.add(record)
            kept.complete = True
            yield from kept.read()
        else:
            yield from self._xlsx_records(sheet, layout, label)

    def _xlsx_records(self, sheet: str, layout: Layout, label: str) -> Records:
        assert self._xlsx is not None and self._archive is not None  # open: an .xlsx
        title = self.members[sheet]
        yield from xlsx_records(self._xlsx, self._archive, self._parts[title], title, layout, label)


class _KeptRows:
    """A sheet's records as the .xlsx reader gave them, in a temporary file (bounded memory:
    100,000 patients are ~20 MB of text) to be read back by the csv module: a value row as
    its number then its values, an error as its number, its column, message and sheet after
    an empty field. `complete` once the sheet was read to its end: a reading stopped half-way
    (a problem with the file) is not read back."""

    def __init__(self) -> None:
        # Closed with its Workbook, after the second reading.
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
        self.writer = spill_writer(self.file)
        self.columns: list[str] = []
        self.complete = False

    def restart(self) -> None:
        self.file.seek(0)
        self.file.truncate()
        self.complete = False

    def add(self, record: tuple[int, dict[str, str] | RowError]) -> None:
        number, values = record
        if isinstance(values, RowError):
            self.writer.writerow((number, "", values.column, values.message, values.sheet))
            return
        if not self.columns:
            self.columns = list(values)
        self.writer.writerow((number, "v", *values.values()))

    def read(self) -> Records:
        self.file.flush()
        self.file.seek(0)
        for fields in csv.reader(self.file):
            number = int(fields[0])
            if fields[1]:
                yield number, dict(zip(self.columns, fields[2:], strict=True))
            else:
                yield number, RowError(number, fields[2], fields[3], fields[4])


def _kind(path: Path, file_name: str) -> str:
    with path.open("rb") as handle:
        start = handle.read(8)
    if start.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            0,
            "",
            _(
                "This is an old Excel file (.xls): save it again as “Excel Workbook (.xlsx)”"
                " or as “CSV UTF-8”."
            ),
        )
    if start.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "fhir"  # JSON: a FHIR Bundle (consilium.registry.fhir_in)
    if not start.startswith(b"PK\x03\x04"):
        if file_name.lower().endswith((".xlsx", ".zip")):
            raise FileProblem(
                0,
                "",
                _(
                    "The file is named %(name)s but is not an Excel workbook or a .zip: save it"
                    " again from the spreadsheet program as “Excel Workbook (.xlsx)”."
                )
                % {"name": Path(file_name).suffix},
            )
        return "csv"
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            broken = archive.testzip()
    except (zipfile.BadZipFile, OSError):
        broken, names = "?", set()
    if broken is not None:
        raise FileProblem(0, "", _damaged())
    return "xlsx" if "xl/workbook.xml" in names else "zip"


def _damaged() -> str:
    return _("The file is damaged (a .zip or .xlsx that cannot be opened): save it again.")


def _named(members: list[str], sheet_of: Callable[[str], str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for member in members:
        name = sheet_of(member).strip().lower()
        if name in OTHER_SHEETS:
            continue
        if name not in LAYOUTS:
            raise FileProblem(
                0,
                "",
                _("Unknown sheet or file “%(name)s”: the sheets are %(sheets)s.")
                % {"name": member, "sheets": ", ".join(LAYOUTS)},
                member,
            )
        if name in found:
            raise FileProblem(0, "", _("Two sheets are named “%(name)s”.") % {"name": name}, member)
        found[name] = member
    return found


# In a sheet's XML: the first cell of a merged range; a cell holding a formula, or an error
# value (#N/A…), which calamine gives as its last computed value or as empty. No match holds
# "</" or "/>": the XML is cut there into pieces scanned one at a time.
_MERGE = re.compile(rb'<(?:[\w.-]+:)?mergeCell\s[^>]*?\bref="([A-Z]+)([0-9]+)')
_FORMULA_OR_ERROR = re.compile(
    rb"<(?:[\w.-]+:)?c\s([^>]*)>\s*<(?:[\w.-]+:)?f[\s>/]"
    rb'|<(?:[\w.-]+:)?c\s([^>]*\bt="e"[^>]*)>\s*<(?:[\w.-]+:)?v>([^<]*)'
)
_REFERENCE = re.compile(rb'\br="([A-Z]+)([0-9]+)"')
_FORMULA = None  # a cell's note: it holds a formula (else the note is its error value)


@dataclass
class _Notes:
    merged: list[tuple[str, int]]  # (column letter, row) of each merged range's first cell
    cells: dict[int, dict[int, str | None]]  # row -> column index -> _FORMULA or error text


def _cell_notes(archive: zipfile.ZipFile, part: str, sheet: str) -> _Notes:
    from openpyxl.utils import column_index_from_string

    notes = _Notes([], {})
    rest = b""
    with archive.open(part) as xml:
        while True:
            chunk = xml.read(1 << 20)
            text = rest + chunk
            cut = max(text.rfind(b"</"), text.rfind(b"/>") + 2) if chunk else len(text)
            piece, rest = text[:cut], text[cut:]
            notes.merged += [(m[1].decode(), int(m[2])) for m in _MERGE.finditer(piece)]
            for match in _FORMULA_OR_ERROR.finditer(piece):
                reference = _REFERENCE.search(match[1] or match[2])
                if reference is None:  # a cell placed by its order alone: rare, not located
                    raise FileProblem(0, "", _formula_message(), sheet)
                row = notes.cells.setdefault(int(reference[2]), {})
                error = match[3].decode("utf-8", "replace") if match[1] is None else _FORMULA
                row[column_index_from_string(reference[1].decode()) - 1] = error
            if not chunk:
                return notes


def _formula_message() -> str:
    return _("This cell holds a formula: copy the column and paste the values only.")


def xlsx_records(
    workbook: Any, archive: zipfile.ZipFile, part: str, title: str, layout: Layout, sheet: str
) -> Records:
    """The records of one sheet of an .xlsx: `workbook` is python-calamine's, `part` the
    sheet's XML in the `archive` (see Workbook)."""
    from openpyxl.utils import column_index_from_string, get_column_letter
    from python_calamine import CalamineError

    try:
        data = workbook.get_sheet_by_name(title)
    except CalamineError as exc:
        raise FileProblem(0, "", _damaged(), sheet) from exc
    # Rows are read from the sheet's first (row 1 must be the header) but from its first
    # column holding anything: the columns before it are put back.
    start = data.start
    rows = data.iter_rows() if start is not None and start[0] == 0 else iter(())
    first = next(rows, None)
    skipped = [""] * start[1] if start and first is not None and len(first) == data.width else []
    names = [_header_text(value) for value in skipped + (first or [])]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise FileProblem(
            1, "", _("The sheet is empty: the first row must name the columns."), sheet
        )
    columns = header(names, layout, sheet)
    notes = _cell_notes(archive, part, sheet)
    merged = list(dict.fromkeys(notes.merged))
    if merged:
        letter, row = merged[0]
        index = column_index_from_string(letter) - 1
        raise FileProblem(
            row,
            columns[index] if index < len(columns) else letter,
            _(
                "Merged cells (%(count)d, the first at %(cell)s): unmerge them and write"
                " each value in its own cell."
            )
            % {"count": len(merged), "cell": f"{letter}{row}"},
            sheet,
        )
    width = len(columns)
    for number, cells in _with_noted(rows, notes):
        noted = notes.cells.get(number, {})
        if skipped:
            cells = skipped + cells
        if noted and max(noted) >= len(cells):
            cells = cells + [""] * (max(noted) + 1 - len(cells))
        values: dict[str, str] = {}
        problems: list[RowError] = []
        for index, value in enumerate(cells):
            note = noted.get(index, "") if noted else ""
            if note:
                value = note  # the error value as the spreadsheet shows it
            elif note is not _FORMULA and (value == "" or value is None):
                continue
            if index >= width:
                problems.append(
                    RowError(
                        number,
                        get_column_letter(index + 1),
                        _("A value outside the columns the first row names."),
                        sheet,
                    )
                )
                continue
            if note is _FORMULA:  # refused, whatever calamine read: computed or empty
                text, problem = "", _formula_message()
            else:
                text, problem = _cell_text(value, columns[index], layout)
            if problem:
                problems.append(RowError(number, columns[index], problem, sheet))
            values[columns[index]] = text
        if not any(v.strip() for v in values.values()) and not problems:
            continue
        if problems:
            for problem in problems:
                yield number, problem
            continue
        yield number, {column: values.get(column, "") for column in columns}


def _with_noted(rows: Iterator[list[Any]], notes: _Notes) -> Iterator[tuple[int, list[Any]]]:
    """(row number, values) of each row from row 2, and of noted rows past calamine's last:
    a formula without a computed value is empty to calamine, which may end the sheet before
    it (or its column)."""
    last = 1
    for last, cells in enumerate(rows, start=2):
        yield last, cells
    for number in sorted(n for n in notes.cells if n > last):
        yield number, []


def _header_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _cell_text(value: Any, column: str, layout: Layout) -> tuple[str, str]:
    """The cell as the text a CSV would hold, or why it cannot be read."""
    if isinstance(value, datetime.datetime | datetime.date):
        if column not in layout.dates:
            return "", _(
                "This cell is a date, but the column holds text or a code: format the cell as"
                " text and type the value again."
            )
        return value.strftime("%Y-%m-%d"), ""
    if isinstance(value, bool):
        return str(value).lower(), ""
    if isinstance(value, int | float):
        if column in layout.dates:
            return "", _("This is a number, not a date: format the cell as a date.")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value), ""
    return str(value), ""
