"""The one CSV writer of the project: every cell a spreadsheet could take for a formula is
neutralised (OWASP "CSV injection"), whoever typed it. Use `writer()` wherever a CSV is
written; `csv.writer` itself is not used anywhere else."""

import csv
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

# A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Numbers and dates go as they are (-3 is not a formula); any text that could start a
    formula gets a leading apostrophe, which spreadsheets show as text and do not keep."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | dt.date | dt.time):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class SafeWriter:
    def __init__(self, out: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: Any, **kwargs: Any) -> SafeWriter:
    return SafeWriter(out, **kwargs)


def spill_writer(out: Any) -> Any:
    """A plain writer for the process's own temporary files, read back by the csv module and
    never opened by a person (the .xlsx import keeps a sheet's rows in one between its two
    passes): values must come back exactly, so no formula guard. Here so that every CSV
    written still goes through this module (tests/security/test_csv_cells.py)."""
    return csv.writer(out)
