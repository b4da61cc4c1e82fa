"""Files from the systems sites kept their children in before Consilium, read as the import's
own sheets (`consilium.registry.sheets`): a CanReg5 export (`canreg5`) and a REDCap export of
the project documented in docs/registry-import.md, raw or with labels (`redcap`).

A source is known by its CSV header row. It turns each row of its file into the canonical
rows of one or more sheets, numbered by the row of the file, so the importer's checks, preview
and messages are those of the registry's own files; a problem only the source can see (a code
CanReg5 does not have, an unknown date) is a `RowError` naming the file's own column, and the
importer's own messages are given the file's column too (`Source.column`). Each sheet reads
the file afresh, one row at a time.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from django.utils.translation import gettext as _

from consilium.registry.sheets import SEPARATORS, FileProblem, Records, RowError, _Lines

Rows = Iterator[tuple[int, "dict[str, str] | RowError"]]


class Source:
    """One file from elsewhere: its kind, the sheets it gives, how its columns are called."""

    kind: ClassVar[str]
    sheets: ClassVar[tuple[str, ...]]

    def __init__(self, header: list[str], separator: str) -> None:
        self.header = [name.strip() for name in header]
        self.separator = separator

    @classmethod
    def matches(cls, header: list[str]) -> bool:
        raise NotImplementedError

    def records(self, path: Path, sheet: str) -> Records:
        raise NotImplementedError

    def column(self, sheet: str, column: str) -> str:
        """The file's column a canonical column of a sheet was read from."""
        return column

    def rows(self, path: Path) -> Rows:
        """(row number, values by the header's names) for each data row of the file."""
        with path.open("rb") as handle:
            lines = _Lines(handle, "")
            reader = csv.reader(lines, delimiter=self.separator, strict=True)
            next(reader, None)
            number = 1
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    message = _("This row is broken: %(why)s.") % {"why": exc}
                    yield number + 1, RowError(number + 1, "", message)
                    return  # the reader cannot find the next row after a broken quote
                number += 1
                if not any(value.strip() for value in values):
                    continue
                if len(values) != len(self.header):
                    message = _(
                        "This row has %(got)d values where the header has %(want)d columns."
                    )
                    width = {"got": len(values), "want": len(self.header)}
                    yield number, RowError(number, "", message % width)
                    continue
                yield number, dict(zip(self.header, values, strict=True))


def _sources() -> tuple[type[Source], ...]:
    from consilium.registry.sources.canreg5 import CanReg5
    from consilium.registry.sources.redcap import RedCap

    return (CanReg5, RedCap)


def detect(header: list[str], separator: str = ",") -> Source | None:
    """The source whose header this is, or None (the registry's own patients sheet)."""
    for source in _sources():
        if source.matches(header):
            return source(header, separator)
    return None


def detect_file(path: Path) -> Source | None:
    """The source of a CSV file, by its header row under each separator in turn."""
    with path.open("rb") as handle:
        first = handle.readline(1 << 16)  # a header, not a whole file without line breaks
    try:
        line = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None  # the patients reader explains the encoding
    for separator in SEPARATORS:
        header = next(csv.reader([line], delimiter=separator), [])
        if len(header) > 1 and (found := detect(header, separator)):
            return found
    return None


def missing(required: list[str]) -> FileProblem:
    return FileProblem(
        1,
        required[0],
        _("Required columns are missing: %(columns)s.") % {"columns": ", ".join(required)},
    )
