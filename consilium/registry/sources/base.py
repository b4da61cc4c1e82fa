"""What every source of consilium.registry.sources shares: reading its file's rows and naming
its columns. Apart from the package's __init__ (which only detects), so that a source and the
detection do not import each other."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from django.utils.translation import gettext as _

from consilium.registry.sheets import FileProblem, Records, RowError, _Lines, broken_row

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
                    message = broken_row(exc)
                    yield number + 1, RowError(number + 1, "", message, ends_file=True)
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


def missing(required: list[str]) -> FileProblem:
    return FileProblem(
        1,
        required[0],
        _("Required columns are missing: %(columns)s.") % {"columns": ", ".join(required)},
    )
